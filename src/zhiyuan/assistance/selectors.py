"""Reads of help requests, always through the access layer (`organizations.access`).

- `visible(user)`: the requests whose station lies in the user's subtrees, or that were routed
  to an organisation there (a team under the station, an office it was escalated to);
- `queue(...)`: the open ones in the queue's order (`HelpRequest.QUEUE_ORDER`: registered
  volunteers' requests first, then urgency, then age), or by age alone for the office;
- `response_times(...)`: per station, the time from a request to its first response (its
  taking): count, median and maximum, exact to the second.
"""

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from zhiyuan.assistance.enums import HelpStatus
from zhiyuan.assistance.models import HelpRequest, HelpRoute
from zhiyuan.divisions.enums import DivisionLevel
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.access import ALL_ROLES, scope, scope_prefixes, within
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.rules import place_names
from zhiyuan.volunteers.selectors import home_division_area

#: The queue of the office: open requests, oldest first.
BY_AGE = ("created_at", "pk")


def _joined(rows: QuerySet[HelpRequest]) -> QuerySet[HelpRequest]:
    return rows.select_related("volunteer", "division", "organization", "taken_for", "taken_by")


def visible(user: Any, roles: Iterable[str] = ALL_ROLES) -> QuerySet[HelpRequest]:
    """Requests `user` reaches through `roles`: their station in the user's subtrees, or a
    route of theirs there."""
    prefixes = scope_prefixes(user, roles)
    if prefixes is None:
        return _joined(HelpRequest.objects.all())
    if not prefixes:
        return HelpRequest.objects.none()
    routed = HelpRoute.objects.filter(within(HelpRoute, prefixes)).values("request_id")
    return _joined(HelpRequest.objects.filter(within(HelpRequest, prefixes) | Q(pk__in=routed)))


def in_office_scope(user: Any) -> QuerySet[HelpRequest]:
    """Requests whose station lies in the user's subtrees (the office's figures)."""
    return _joined(scope(user, HelpRequest.objects.all()))


def queue(user: Any, *, by_age: bool = False, roles: Iterable[str] = ALL_ROLES) -> Any:
    """The open requests `user` reaches, in the queue's order (priority, urgency, age) or,
    `by_age`, oldest first."""
    rows = visible(user, roles).filter(status=HelpStatus.OPEN)
    return rows.order_by(*(BY_AGE if by_age else HelpRequest.QUEUE_ORDER))


def routes_of(request: HelpRequest) -> list[HelpRoute]:
    return list(request.routes.select_related("organization").order_by("escalated", "pk"))


def takers_routes(user: Any, request: HelpRequest, roles: Iterable[str]) -> list[Organization]:
    """The organisations of `request`'s routes `user` covers through `roles`, deepest first
    (a team before its station): what they may take it for (all of them for the operator,
    `user` None)."""
    prefixes = None if user is None else scope_prefixes(user, roles)
    organizations = [route.organization for route in routes_of(request)]
    if prefixes is not None:
        organizations = [
            o for o in organizations if any(o.path.startswith(prefix) for prefix in prefixes)
        ]
    return sorted(organizations, key=lambda o: (-len(o.path), o.path))


def volunteers_of(digest: str) -> QuerySet[Volunteer]:
    """The registrations made with the mobile number whose keyed digest is `digest` (the
    portal's session), oldest first."""
    return Volunteer.objects.filter(mobile_digest=digest).order_by("pk")


def requests_of(digest: str) -> QuerySet[HelpRequest]:
    """The help requests of those registrations, newest first."""
    return _joined(
        HelpRequest.objects.filter(volunteer__mobile_digest=digest).order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class StationTimes:
    """The response times of one station's requests made in a period: `count` taken, the
    `median` and `max` time from the request to its taking (exact, to the microsecond), and
    how many are still `open` and since when (`oldest_open`)."""

    station: Organization
    count: int
    median: timedelta | None
    max: timedelta | None
    open: int
    oldest_open: datetime | None


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def in_period(
    rows: QuerySet[HelpRequest], start: date | None, end: date | None
) -> QuerySet[HelpRequest]:
    """Requests made on local days `start` to `end` (both included; None: unbounded)."""
    if start is not None:
        rows = rows.filter(created_at__gte=_local_midnight(start))
    if end is not None:
        rows = rows.filter(created_at__lt=_local_midnight(end + timedelta(days=1)))
    return rows


def response_times(rows: QuerySet[HelpRequest]) -> list[StationTimes]:
    """Per station of `rows` (by tree order), the time from request to first response (the
    taking) of its taken or done requests, and its open ones. Two queries."""
    taken: dict[int, list[timedelta]] = defaultdict(list)
    open_count: dict[int, int] = defaultdict(int)
    oldest: dict[int, datetime] = {}
    for station_id, status, created, taken_at in rows.values_list(
        "organization_id", "status", "created_at", "taken_at"
    ):
        if taken_at is not None:
            taken[station_id].append(taken_at - created)
        elif status == HelpStatus.OPEN:
            open_count[station_id] += 1
            if station_id not in oldest or created < oldest[station_id]:
                oldest[station_id] = created
    ids = set(taken) | set(open_count)
    stations = Organization.objects.filter(pk__in=ids).order_by("path")
    return [
        StationTimes(
            station=station,
            count=len(taken[station.pk]),
            median=_median(taken[station.pk]),
            max=max(taken[station.pk]) if taken[station.pk] else None,
            open=open_count[station.pk],
            oldest_open=oldest.get(station.pk),
        )
        for station in stations
    ]


def _median(spans: list[timedelta]) -> timedelta | None:
    """The median of `spans` (the mean of the two middle ones for an even count), exact: in
    whole microseconds, rounded half to even."""
    if not spans:
        return None
    micro = statistics.median(span // timedelta(microseconds=1) for span in spans)
    return timedelta(microseconds=round(micro))


# --- the places a form offers ---------------------------------------------------------------


def _district_of(division: Division) -> Division | None:
    current: Division | None = division
    while current is not None and current.level > DivisionLevel.COUNTY:
        current = current.parent
    return current


def places_for_volunteer(volunteer: Volunteer) -> list[tuple[str, str]]:
    """(code, name) of the streets and communities a volunteer's request may name: those of
    the district they live in (their home division's), else of their registration's district."""
    area = _district_of(volunteer.home_division) if volunteer.home_division else None
    area = area or home_division_area(volunteer.organization)
    return [(place.code, label) for label, place in place_names(area)] if area else []


def places_for_office(user: Any) -> list[tuple[str, str]]:
    """(code, name) of the streets and communities of the districts (or the city) of the
    user's subtrees, for a call taken by phone."""
    prefixes = scope_prefixes(user, ALL_ROLES)
    roots = (
        Organization.objects.filter(depth=1)
        if prefixes is None
        else (Organization.objects.filter(path__in=prefixes))
    )
    seen: dict[str, str] = {}
    for root in roots.order_by("path"):
        area = home_division_area(root)
        if area is not None:
            for label, place in place_names(area):
                seen.setdefault(place.code, label)
    return list(seen.items())
