"""Reads of spot checks and cases, always through the access layer, and the verification rates.

Rates (issue 14; plan §三(二)3): per registration body and per organiser, over the items whose
outcome is recorded and the volunteers' own reports:

- a body: every checked item of a registration it keeps (either kind) and every "this is not
  me" report; confirmed = outcome "confirmed"; denials = "denies having registered" and the
  reports, less those whose case was decided "disputed" (refuted with evidence);
- an organiser: every checked hour record it organised and every "I did not serve this"
  report; confirmed = "confirmed"; denials = "denies the hours" and the reports, less the
  disputed.
Rates are exact: Decimal percentages rounded half up to one decimal (`reports.tables.percent`,
1 of 16 is 6.3 %). A body or organiser whose denial rate is above CHECKS_DENIAL_FLAG_PERCENT is
flagged.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from zhiyuan.checks.enums import CaseKind, CaseSource, CaseStatus, Decision, ItemKind, Outcome
from zhiyuan.checks.models import (
    Campaign,
    Case,
    CheckItem,
    InPersonRequirement,
    ReportLinkUse,
)
from zhiyuan.organizations.access import ALL_ROLES, scope, scope_prefixes, within
from zhiyuan.organizations.enums import OrgLevel, RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.reports.tables import percent

#: The levels of the offices that run spot checks (plan §三(二)3: the city office's 电话抽查).
OFFICE_LEVELS = (OrgLevel.CITY, OrgLevel.DISTRICT)


def campaigns(user: Any) -> QuerySet[Campaign]:
    """The spot checks `user` sees: those whose area lies inside the subtree of a role they hold
    on a city- or district-level organisation (the offices that check), or of a checker role.
    The staff of the street, body or unit being checked do not see a check or its sample (they
    could warn the people drawn before the call); they see the cases it opens (`cases`)."""
    found = Campaign.objects.select_related("organization", "opened_by")
    prefixes = scope_prefixes(user, ALL_ROLES)
    if prefixes is None:
        return found
    offices = list(
        Organization.objects.filter(path__in=prefixes, level__in=OFFICE_LEVELS).values_list(
            "path", flat=True
        )
    )
    checking = scope_prefixes(user, (RoleKind.CHECKER,)) or []
    reached = [*offices, *checking]
    if not reached:
        return found.none()
    return found.filter(within(Campaign, reached))


def items(user: Any, campaign: Campaign) -> QuerySet[CheckItem]:
    """`campaign`'s items in sample order (the caller has the campaign in scope)."""
    return (
        campaign.items.select_related(
            "volunteer", "body__organization", "organizer", "hour_record__activity", "assigned_to"
        )
        .annotate(attempt_count=Count("attempts"))
        .order_by("position")
    )


def my_items(user: Any) -> QuerySet[CheckItem]:
    """The items assigned to `user` (a checker) in open campaigns, on registrations still in
    their scope: undone first."""
    from zhiyuan.checks.enums import CampaignStatus

    mine = CheckItem.objects.filter(assigned_to=user, campaign__status=CampaignStatus.OPEN)
    return (
        scope(user, mine, ("checker",))
        .select_related("campaign", "volunteer", "body__organization", "hour_record__activity")
        .annotate(attempt_count=Count("attempts"))
        .order_by("outcome", "campaign_id", "position")
    )


def checkable_item(user: Any, pk: int) -> CheckItem | None:
    """An item `user` may work on or look at: assigned to them, or in a campaign they see."""
    base = CheckItem.objects.select_related(
        "campaign__organization",
        "volunteer__organization",
        "volunteer__body__organization",
        "hour_record__activity",
        "organizer",
        "assigned_to",
    )
    item = base.filter(pk=pk).first()
    if item is None:
        return None
    if (
        item.assigned_to_id == getattr(user, "pk", None)
        and scope(user, CheckItem.objects.filter(pk=pk), ("checker",)).exists()
    ):
        return item
    if campaigns(user).filter(pk=item.campaign_id).exists():
        return item
    return None


def cases(user: Any) -> QuerySet[Case]:
    """The cases whose responsible organisation lies in `user`'s scope (the body's or the
    organiser's roles, and the offices above them)."""
    return scope(
        user,
        Case.objects.select_related(
            "volunteer",
            "body__organization",
            "organization",
            "hour_record__activity",
            "item__campaign",
            "decided_by",
        ),
        ALL_ROLES,
    )


def volunteer_cases(volunteer_ids: list[int]) -> QuerySet[Case]:
    """The volunteer's own reports (what the portal shows them), newest first."""
    return Case.objects.filter(
        volunteer_id__in=volunteer_ids, source=CaseSource.VOLUNTEER
    ).select_related("body__organization", "organization", "hour_record__activity")


def link_digest(token: str) -> str:
    """The SHA-256 (hex) a used report link is recorded by (`ReportLinkUse.token_digest`)."""
    return hashlib.sha256(token.encode()).hexdigest()


def require_unused_link(token: str) -> None:
    """Raises ValidationError ("link_used") when the SMS's report link `token` already made its
    report: the answer names no one and nothing of the report."""
    if ReportLinkUse.objects.filter(token_digest=link_digest(token)).exists():
        raise link_used()


def link_used() -> ValidationError:
    return ValidationError(
        _(
            "This link was already used to make a report. Log in to “My reports” to follow "
            "what happens next."
        ),
        code="link_used",
    )


def in_person_requirements(user: Any) -> QuerySet[InPersonRequirement]:
    return scope(
        user,
        InPersonRequirement.objects.filter(lifted_at__isnull=True).select_related(
            "body__organization", "required_by"
        ),
        ALL_ROLES,
    )


# --- rates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """The verification figures of one body or organiser: `checked` (items with an outcome and
    the volunteers' reports), `confirmed`, `denials`, their percentages of `checked` (Decimal,
    half up to one decimal; None when nothing was checked), whether it is flagged, and for a
    body whether its new registrations are confirmed in person only."""

    organization: Organization
    body_id: int | None
    checked: int
    confirmed: int
    denials: int
    reports: int
    confirmed_rate: Decimal | None
    denial_rate: Decimal | None
    flagged: bool
    in_person: bool = False


def flag_threshold() -> Decimal:
    return Decimal(settings.CHECKS_DENIAL_FLAG_PERCENT)


def _rate(
    organization: Organization,
    counts: dict[str, int],
    *,
    body_id: int | None = None,
    in_person: bool = False,
) -> Rate:
    checked = counts["checked"] + counts["reports"]
    denials = counts["denials"] + counts["reports"] - counts["disputed"]
    denial_rate = percent(denials, checked)
    return Rate(
        organization=organization,
        body_id=body_id,
        checked=checked,
        confirmed=counts["confirmed"],
        denials=denials,
        reports=counts["reports"],
        confirmed_rate=percent(counts["confirmed"], checked),
        denial_rate=denial_rate,
        flagged=denial_rate is not None and denial_rate > flag_threshold(),
        in_person=in_person,
    )


def _tally(rows: Any, key: str, into: dict[int, dict[str, int]]) -> None:
    for row in rows:
        counts = into[row[key]]
        for name in ("checked", "confirmed", "denials", "reports", "disputed"):
            counts[name] += row.get(name, 0)


def _empty() -> dict[str, int]:
    return {"checked": 0, "confirmed": 0, "denials": 0, "reports": 0, "disputed": 0}


def body_rates(root: Organization) -> list[Rate]:
    """The verification rates of the registration bodies whose organisation lies in `root`'s
    subtree, highest denial rate first (then by name). Three queries."""
    from zhiyuan.volunteers.models import RegistrationBody

    prefix = root.path
    counts: dict[int, dict[str, int]] = defaultdict(_empty)
    checked = CheckItem.objects.filter(body__organization__path__startswith=prefix).exclude(
        outcome=""
    )
    denied = Q(outcome=Outcome.DENIES_REGISTRATION)
    _tally(
        checked.values("body_id").annotate(
            checked=Count("pk"),
            confirmed=Count("pk", filter=Q(outcome=Outcome.CONFIRMED)),
            denials=Count("pk", filter=denied),
            disputed=Count("pk", filter=denied & Q(case__decision=Decision.DISPUTED)),
        ),
        "body_id",
        counts,
    )
    reports = Case.objects.filter(
        body__organization__path__startswith=prefix,
        source=CaseSource.VOLUNTEER,
        kind=CaseKind.NOT_REGISTERED,
    )
    _tally(
        reports.values("body_id").annotate(
            reports=Count("pk"), disputed=Count("pk", filter=Q(decision=Decision.DISPUTED))
        ),
        "body_id",
        counts,
    )
    bodies = RegistrationBody.objects.filter(pk__in=counts).select_related("organization")
    required = set(
        InPersonRequirement.objects.filter(body_id__in=counts, lifted_at__isnull=True).values_list(
            "body_id", flat=True
        )
    )
    rates = [
        _rate(body.organization, counts[body.pk], body_id=body.pk, in_person=body.pk in required)
        for body in bodies
    ]
    return _ordered(rates)


def organizer_rates(root: Organization) -> list[Rate]:
    """The verification rates of the hour records' organisers in `root`'s subtree, highest
    denial rate first. Three queries."""
    prefix = root.path
    counts: dict[int, dict[str, int]] = defaultdict(_empty)
    checked = CheckItem.objects.filter(
        kind=ItemKind.HOURS, organizer__path__startswith=prefix
    ).exclude(outcome="")
    denied = Q(outcome=Outcome.DENIES_HOURS)
    _tally(
        checked.values("organizer_id").annotate(
            checked=Count("pk"),
            confirmed=Count("pk", filter=Q(outcome=Outcome.CONFIRMED)),
            denials=Count("pk", filter=denied),
            disputed=Count("pk", filter=denied & Q(case__decision=Decision.DISPUTED)),
        ),
        "organizer_id",
        counts,
    )
    reports = Case.objects.filter(
        organization__path__startswith=prefix,
        source=CaseSource.VOLUNTEER,
        kind=CaseKind.HOURS_DENIED,
    )
    _tally(
        reports.values("organization_id").annotate(
            reports=Count("pk"), disputed=Count("pk", filter=Q(decision=Decision.DISPUTED))
        ),
        "organization_id",
        counts,
    )
    organizers = Organization.objects.filter(pk__in=counts)
    return _ordered([_rate(org, counts[org.pk]) for org in organizers])


def _ordered(rates: list[Rate]) -> list[Rate]:
    return sorted(rates, key=lambda r: (-(r.denial_rate or Decimal(-1)), r.organization.name))


def open_case_count(user: Any, root: Organization) -> int:
    return (
        cases(user).filter(status=CaseStatus.OPEN, organization__path__startswith=root.path).count()
    )


def strata_labels(campaign: Campaign) -> list[dict[str, Any]]:
    """The campaign's strata with their key read out: the body's or the organiser's name and
    the channel's or the source's label (two queries)."""
    from zhiyuan.hours.enums import HourSource
    from zhiyuan.volunteers.enums import RegistrationChannel
    from zhiyuan.volunteers.models import RegistrationBody

    codes = {str(s["key"]).split("|", 1)[0] for s in campaign.strata}
    bodies = dict(
        RegistrationBody.objects.filter(code__in=codes).values_list("code", "organization__name")
    )
    organisers = dict(Organization.objects.filter(code__in=codes).values_list("code", "name"))
    channels = {**dict(RegistrationChannel.choices), **dict(HourSource.choices)}
    shown = []
    for stratum in campaign.strata:
        code, _bar, channel = str(stratum["key"]).partition("|")
        names = bodies if stratum["kind"] == ItemKind.REGISTRATION else organisers
        shown.append(
            {
                **stratum,
                "name": names.get(code, code),
                "channel": str(channels.get(channel, channel)),
            }
        )
    return shown
