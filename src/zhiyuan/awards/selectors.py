"""Reads of the award campaigns: the campaigns a user sees, nominations through the access
layer with the volunteers' counted hours beside them (one query for a list), the review's
averages and ranking, what the portal publishes, and a volunteer's awards.

**The ranking** (`ranked`): within a category, the live nominations with at least one score,
by their average score (the mean of the scores, rounded half up to two decimals: the figure
published), highest first. Ties on that figure are broken, in this order, by the nominee's
counted hours when nominated (more first: the plan's "hours as a reference", 计划 §三(二)3),
then by the earlier nomination, then by the lower id: the same data always give the same order.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from zhiyuan.awards.enums import CampaignStatus, NominationStatus
from zhiyuan.awards.models import Campaign, Category, Nomination, Objection, Quota, Score
from zhiyuan.hours import selectors as hours_selectors
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.access import scope, scope_prefixes
from zhiyuan.organizations.models import Organization

STEP = Organization.steplen
LIVE = (NominationStatus.NOMINATED, NominationStatus.SHORTLISTED, NominationStatus.NOT_SHORTLISTED)
CENT = Decimal("0.01")


def campaigns(user: Any) -> QuerySet[Campaign]:
    """The campaigns `user` sees: those of organisations their roles cover, and those above
    any organisation they hold a role on (a street sees its city's campaigns). Newest first."""
    found = Campaign.objects.select_related("organization")
    prefixes = scope_prefixes(user)
    if prefixes is None:
        return found
    if not prefixes:
        return found.none()
    above = {p[:end] for p in prefixes for end in range(STEP, len(p), STEP)}
    condition = Q(organization__path__in=above)
    for prefix in prefixes:
        condition |= Q(organization__path__startswith=prefix)
    return found.filter(condition)


def nominations(user: Any) -> QuerySet[Nomination]:
    """The nominations made by organisations in `user`'s subtrees (a campaign's office sees
    all of its campaign's: they lie in its subtree)."""
    return scope(
        user,
        Nomination.objects.select_related(
            "campaign", "category", "nominator", "volunteer", "organization"
        ),
    )


def counted_minutes_subquery(volunteer_field: str = "volunteer_id") -> Subquery:
    """The counted minutes (`hours.selectors.counted`) of the volunteer named by the outer
    row's `volunteer_field`, all time: a subquery, so a list reads them in its own query."""
    rows = (
        hours_selectors.counted(HourRecord.objects.filter(volunteer_id=OuterRef(volunteer_field)))
        .order_by()
        .values("volunteer_id")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    return Subquery(rows, output_field=IntegerField())


def with_hours(queryset: QuerySet[Nomination]) -> QuerySet[Nomination]:
    """`queryset` with `counted_minutes` on each row: the volunteer's counted minutes now (0
    for an organisation's nomination)."""
    return queryset.annotate(counted_minutes=Coalesce(counted_minutes_subquery(), 0))


def counted_minutes(volunteer: Any) -> int:
    """A volunteer's counted minutes, all time."""
    return hours_selectors.total_minutes(
        hours_selectors.counted(HourRecord.objects.filter(volunteer=volunteer))
    )


def average(scores: Iterable[Decimal]) -> Decimal | None:
    """The mean of `scores` rounded half up to two decimals (exact: Decimal arithmetic), None
    without scores. 80, 85, 90.5 → 85.17."""
    values = list(scores)
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Standing:
    """A nomination with its scores' average and count, and its place (1…) among the scored
    nominations of its category (None: not scored)."""

    nomination: Nomination
    average: Decimal | None
    score_count: int
    rank: int | None


def rank_key(nomination: Nomination, mean: Decimal) -> tuple[Any, ...]:
    """The ranking's order (see the module's docstring): sorting by it puts the first first."""
    return (-mean, -nomination.hours_minutes, nomination.created_at, nomination.pk)


def ranked(category: Category) -> list[Standing]:
    """The live nominations of `category`, ranked (see the module's docstring); those without
    a score follow, unranked, in the order they were made. Two queries."""
    rows = list(
        category.nominations.filter(status__in=LIVE)
        .select_related("volunteer", "organization", "nominator")
        .prefetch_related("scores")
        .order_by("created_at", "pk")
    )
    scored: list[tuple[Nomination, Decimal, int]] = []
    unscored: list[Standing] = []
    for row in rows:
        values = [score.score for score in row.scores.all()]
        mean = average(values)
        if mean is None:
            unscored.append(Standing(row, None, 0, None))
        else:
            scored.append((row, mean, len(values)))
    scored.sort(key=lambda item: rank_key(item[0], item[1]))
    standings = [
        Standing(row, mean, count, place)
        for place, (row, mean, count) in enumerate(scored, start=1)
    ]
    return standings + unscored


def quotas(campaign: Campaign) -> list[tuple[Quota, int]]:
    """Each quota of `campaign` with the live nominations made under it so far. Two queries."""
    rows = list(campaign.quotas.select_related("unit", "category"))
    made = list(
        campaign.nominations.filter(status__in=LIVE).values_list("category_id", "nominator__path")
    )
    return [
        (
            quota,
            sum(
                1
                for category_id, path in made
                if category_id == quota.category_id and path.startswith(quota.unit.path)
            ),
        )
        for quota in rows
    ]


def own_score(nomination: Nomination, reviewer: Any) -> Score | None:
    return Score.objects.filter(nomination=nomination, reviewer=reviewer).first()


def objections(campaign: Campaign) -> QuerySet[Objection]:
    return campaign.objections.select_related(
        "nomination__volunteer", "nomination__organization", "nomination__category", "answered_by"
    )


# --- what the portal publishes ----------------------------------------------------------------


def public_campaigns() -> QuerySet[Campaign]:
    """Campaigns whose shortlist or results are out, newest first."""
    return Campaign.objects.filter(
        status__in=(CampaignStatus.NOTICE, CampaignStatus.FIXED)
    ).select_related("organization")


def public_entries(campaign: Campaign) -> QuerySet[Nomination]:
    """What the portal lists of a public campaign: the shortlist while on notice (the
    disqualified leave it), the awards once fixed; by category and rank."""
    status = (
        NominationStatus.AWARDED
        if campaign.status == CampaignStatus.FIXED
        else NominationStatus.SHORTLISTED
    )
    return (
        campaign.nominations.filter(status=status)
        .select_related("category", "nominator", "volunteer", "organization")
        .order_by("category__position", "category_id", "rank", "pk")
    )


def awards_of_volunteers(volunteer_ids: Iterable[int]) -> QuerySet[Nomination]:
    """The awards (fixed and published) of these registrations, newest first. One query."""
    return (
        Nomination.objects.filter(
            volunteer_id__in=list(volunteer_ids),
            status=NominationStatus.AWARDED,
            campaign__status=CampaignStatus.FIXED,
        )
        .select_related("campaign__organization", "category")
        .order_by("-awarded_on", "-pk")
    )
