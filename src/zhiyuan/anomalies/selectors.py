"""Reads of anomaly flags, always through the access layer: a user sees the flags whose
superior organisation lies in a subtree where they hold an oversight role
(`permissions.OVERSIGHT`: the organiser's superiors, never the organiser itself)."""

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from zhiyuan.anomalies.enums import FlagState
from zhiyuan.anomalies.models import Flag, FlagPerson
from zhiyuan.anomalies.permissions import OVERSIGHT
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.access import get_scoped_or_404, in_subtree, scope
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer


def flags(user: Any) -> QuerySet[Flag]:
    """The flags `user` sees, newest first, with their organisations."""
    return scope(user, Flag.objects.select_related("organization", "superior"), OVERSIGHT)


def filter_flags(
    queryset: QuerySet[Flag],
    *,
    rule: str = "",
    state: str = "",
    organization: Organization | None = None,
) -> QuerySet[Flag]:
    """`queryset` narrowed to a rule, a state and the flags of an organisation's subtree (by
    the organisation responsible), each when given."""
    if rule:
        queryset = queryset.filter(rule=rule)
    if state:
        queryset = queryset.filter(state=state)
    if organization is not None:
        queryset = queryset.filter(organization__path__startswith=organization.path)
    return queryset


def with_counts(queryset: QuerySet[Flag]) -> QuerySet[Flag]:
    """Each flag with how many records and registrations it names (`n_records`,
    `n_volunteers`)."""
    return queryset.annotate(
        n_records=Count("record_links", distinct=True),
        n_volunteers=Count("volunteer_links", distinct=True),
    )


def flag_detail(user: Any, pk: int) -> Flag:
    """One flag `user` sees, with its evidence and people loaded (Http404 otherwise)."""
    return get_scoped_or_404(
        user,
        Flag.objects.select_related("organization", "superior", "closed_by").prefetch_related(
            Prefetch("people", FlagPerson.objects.select_related("user"))
        ),
        OVERSIGHT,
        pk=pk,
    )


def evidence_records(flag: Flag) -> QuerySet[HourRecord]:
    """The service records a flag names, in time order."""
    return (
        HourRecord.objects.filter(anomaly_links__flag=flag)
        .select_related("volunteer", "activity", "organizer", "recorded_by", "decided_by")
        .order_by("start", "pk")
    )


def evidence_volunteers(flag: Flag) -> QuerySet[Volunteer]:
    """The registrations a flag names, in the order they were made."""
    return (
        Volunteer.objects.filter(anomaly_links__flag=flag)
        .select_related("body__organization", "organization", "registered_by")
        .defer("address_detail", "emergency_contact_phone", "guardian_mobile")
        .order_by("applied_at", "pk")
    )


def open_counts(user: Any, organization: Organization | None = None) -> dict[str, int]:
    """Open flags per rule among those `user` sees (in `organization`'s subtree when given)."""
    found = flags(user).filter(state=FlagState.OPEN)
    if organization is not None:
        found = in_subtree(found, organization)
    return dict(found.order_by().values("rule").annotate(n=Count("id")).values_list("rule", "n"))
