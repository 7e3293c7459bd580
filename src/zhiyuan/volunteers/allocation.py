"""Attachment 2 of the plan, the registration-number allocation table (注册编号分配表): every
registration body a user may see, with its code, the format its numbers take, how many it issued
this year, how many registered volunteers it holds, and the organisations it delegated to.

One reading feeds the page, the spreadsheet and the PDF (`documents`), in a constant number of
queries however many bodies there are.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch

from zhiyuan.organizations.access import scope
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import selectors
from zhiyuan.volunteers.models import (
    Delegation,
    RegistrationBody,
    RegistrationNumberSequence,
    RegistrationPolicy,
    Volunteer,
)
from zhiyuan.volunteers.services import format_number


@dataclass(frozen=True)
class AllocationRow:
    """One body of the table. `example` is the body's first number of `year` in its policy's
    format (e.g. 430600126000001); `issued` how many numbers it issued in `year`;
    `registered` its registered volunteers now (selectors.registered_volunteers);
    `delegations` its live delegations, in tree order."""

    body: RegistrationBody
    example: str
    issued: int
    registered: int
    delegations: tuple[Delegation, ...]


def _policy_for(organization: Organization, policies: list[RegistrationPolicy]) -> Any:
    """The nearest ancestor-or-self's policy among `policies` (the rule of
    `selectors.policy_for`, without a query per body); the defaults where none applies."""
    applying = [p for p in policies if organization.path.startswith(p.organization.path)]
    if not applying:
        return RegistrationPolicy()
    return max(applying, key=lambda policy: len(policy.organization.path))


def allocation_bodies(user: Any) -> Any:
    """Registration bodies inside `user`'s scope, by code, with organisation and live
    delegations loaded."""
    live = Delegation.objects.filter(revoked_at__isnull=True).select_related("organization")
    return (
        scope(user, RegistrationBody.objects.all())
        .select_related("organization")
        .prefetch_related(
            Prefetch("delegations", queryset=live.order_by("organization__path"), to_attr="live")
        )
        .order_by("code")
    )


def allocation_table(user: Any, *, year: int) -> list[AllocationRow]:
    """Attachment 2 for what `user` may see (the access layer's scope on the bodies), for
    `year` (the sequence counts and the example number), in a constant number of queries."""
    return allocation_rows(allocation_bodies(user), year=year)


def allocation_rows(bodies: Any, *, year: int) -> list[AllocationRow]:
    """The rows of the bodies of `bodies` (a queryset from `allocation_bodies`), in its order."""
    bodies = list(bodies)
    if not bodies:
        return []
    issued = dict(
        RegistrationNumberSequence.objects.filter(body__in=bodies, year=year).values_list(
            "body_id", "last_value"
        )
    )
    registered = dict(
        selectors.registered_volunteers(Volunteer.objects.filter(body__in=bodies))
        .order_by()
        .values("body_id")
        .annotate(count=Count("pk"))
        .values_list("body_id", "count")
    )
    policies = list(RegistrationPolicy.objects.select_related("organization"))
    return [
        AllocationRow(
            body=body,
            example=format_number(_policy_for(body.organization, policies), body, year, 1),
            issued=issued.get(body.pk, 0),
            registered=registered.get(body.pk, 0),
            delegations=tuple(body.live),
        )
        for body in bodies
    ]
