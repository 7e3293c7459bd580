"""The office dashboard's figures for a subtree, on a day: a fixed number of queries, each a
GROUP BY or a conditional aggregate over the registrations of the subtree (by the path copied
on the row, an indexed range), never one query per organisation.

- Headline: the registered volunteers counted (the one definition, as every table counts them:
  `counting.counted_on`) registered through the subtree, the applications awaiting
  confirmation beside them (never added in), and the share of the resident population against
  the rate: for a city, its rate of the built-up area's population (Attachment 3's last line);
  for a community's station, the community rate of its divisions' population; for any other
  organisation, the city rate of its divisions' population (where recorded).
- Progress to target by child organisation: Attachment 3's subtotals of the districts or
  streets right below the top (and the rows of units right below it), sorted with the furthest
  behind first (the lowest completion; those without a target last). The same figures as the
  table: `attachment3.allocation`.
- Registrations and confirmations over the last twelve months: applications made (by
  `applied_at`, local time) and registrations confirmed (by `registered_on`) per month, whatever
  became of them since. One query of 24 conditional counts.
- Composition of the counted volunteers by gender, age band (Attachment 5's: under 18, 18–35,
  36–59, 60 and over, completed years on the day) and political status (party members with
  probationary ones, league members, the public and others). One GROUP BY; its total is the
  headline's count.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.common.identity import Gender
from zhiyuan.organizations.access import after_subtree
from zhiyuan.organizations.enums import OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import attachment3, counting, selectors
from zhiyuan.reports.attachment5 import years_before
from zhiyuan.reports.tables import ceil_share, percent, rate_cell
from zhiyuan.volunteers.enums import PoliticalStatus
from zhiyuan.volunteers.models import Volunteer

MONTHS = 12

AGE_BANDS = (("under18", 0, 18), ("18-35", 18, 36), ("36-59", 36, 60), ("60+", 60, None))
POLITICAL_GROUPS = {
    PoliticalStatus.PARTY_MEMBER: "party",
    PoliticalStatus.PROBATIONARY_PARTY_MEMBER: "party",
    PoliticalStatus.LEAGUE_MEMBER: "league",
}


def age_band_labels() -> dict[str, str]:
    return {
        "under18": _("Under 18"),
        "18-35": _("18–35"),
        "36-59": _("36–59"),
        "60+": _("60 and over"),
    }


def political_labels() -> dict[str, str]:
    return {
        "party": _("Party members"),
        "league": _("League members"),
        "public": _("The public and others"),
    }


def in_subtree(queryset: QuerySet[Volunteer], root: Organization) -> QuerySet[Volunteer]:
    """Registrations made through `root`'s subtree (the path copied on the row: an indexed
    range); no filter for a root of the tree (a scan of every row is what it costs anyway)."""
    if root.depth == 1:
        return queryset
    return queryset.filter(
        organization_path__gte=root.path, organization_path__lt=after_subtree(root.path)
    )


# --- the headline ------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """Counted volunteers and pending applications of the subtree, and the population target:
    `rate` % of `population` (None: not recorded), as `target` people."""

    counted: int
    pending: int
    rate: Decimal
    population: int | None
    missing_divisions: tuple[str, ...] = ()

    @property
    def target(self) -> int | None:
        return None if self.population is None else ceil_share(self.rate, self.population)

    @property
    def rate_text(self) -> str:
        """The rate as tables write it: "10%", "12.5%"."""
        return rate_cell(self.rate).text

    @property
    def share(self) -> Decimal | None:
        """Counted volunteers as a percentage of the population, half up to one decimal."""
        return None if self.population is None else percent(self.counted, self.population)

    @property
    def completion(self) -> Decimal | None:
        return None if self.target is None else percent(self.counted, self.target)


def _population(root: Organization, day: date) -> tuple[Decimal, selectors.Denominator]:
    policy = selectors.target_policy_for(root)
    if root.level == OrgLevel.CITY:
        codes = [division.code for division in selectors.built_up_area(policy)]
        rate = Decimal(policy.city)
    else:
        codes = sorted(root.jurisdiction.values_list("code", flat=True))
        category = selectors.target_category(root)
        rate = policy.rate(category) if category and not root.unit_category else policy.city
    return rate, selectors.population_total(codes, selectors.populations_on(codes, day))


# --- progress by child -------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """A child organisation's part of Attachment 3: its (summed) target, counted volunteers,
    pending applications, gap and completion (None: no target)."""

    organization: Organization
    target: int | None
    registered: int
    pending: int
    gap: int | None
    completion: Decimal | None

    @property
    def name(self) -> str:
        return selectors.short_name(self.organization)


def progress_by_child(result: attachment3.Allocation) -> list[Progress]:
    """The groups right below the top, then the units right below it, the furthest behind
    first (lowest completion; no target last; then tree order)."""
    found = []
    for group in result.top.groups:
        total = group.sum
        has_target = total.target > 0
        found.append(
            Progress(
                group.organization,
                total.target if has_target else None,
                total.counts.registered,
                total.counts.pending,
                total.gap if has_target else None,
                total.completion,
            )
        )
    for line in result.top.lines:
        found.append(
            Progress(
                line.organization,
                line.target,
                line.counts.registered,
                line.counts.pending,
                line.gap,
                line.completion,
            )
        )
    found.sort(
        key=lambda p: (p.completion is None, p.completion or Decimal(0), p.organization.path)
    )
    return found


# --- over time ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    start: date
    applied: int
    confirmed: int


def month_starts(day: date, months: int = MONTHS) -> list[date]:
    """The first days of the `months` months up to `day`'s, oldest first."""
    index = day.year * 12 + day.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def over_time(root: Organization, day: date) -> list[Month]:
    """Applications made and registrations confirmed per month, the last MONTHS months up to
    `day` (applications by local time). One query."""
    starts = month_starts(day)
    ends = [*starts[1:], date.fromordinal(day.toordinal() + 1)]
    tz = timezone.get_current_timezone()

    def moment(d: date) -> Any:
        return timezone.make_aware(datetime.combine(d, time.min), tz)

    counts: dict[str, Any] = {}
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        counts[f"a{index}"] = Count(
            "pk", filter=Q(applied_at__gte=moment(start), applied_at__lt=moment(end))
        )
        counts[f"c{index}"] = Count("pk", filter=Q(registered_on__gte=start, registered_on__lt=end))
    rows = in_subtree(Volunteer.objects.all(), root).filter(
        Q(applied_at__gte=moment(starts[0])) | Q(registered_on__gte=starts[0])
    )
    found = rows.aggregate(**counts)
    return [
        Month(start, found[f"a{index}"], found[f"c{index}"]) for index, start in enumerate(starts)
    ]


# --- composition -------------------------------------------------------------------------


@dataclass(frozen=True)
class Composition:
    """Counted volunteers by gender, age band and political status group (keys as in
    Gender, AGE_BANDS, POLITICAL_GROUPS; missing keys are 0)."""

    gender: dict[str, int]
    age: dict[str, int]
    political: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.gender.values())


def _age_band(day: date) -> Case:
    whens = []
    for key, _low, high in AGE_BANDS:
        if high is not None:  # younger than `high`: born after the day `high` years before
            whens.append(When(birth_date__gt=years_before(day, high), then=Value(key)))
    return Case(*whens, default=Value(AGE_BANDS[-1][0]), output_field=CharField())


def composition(root: Organization, day: date) -> Composition:
    """One GROUP BY over the counted volunteers of the subtree on `day`."""
    rows = (
        in_subtree(counting.counted_on(day), root)
        .order_by()
        .annotate(band=_age_band(day))
        .values_list("gender", "political_status", "band")
        .annotate(n=Count("pk"))
    )
    gender: Counter[str] = Counter()
    age: Counter[str] = Counter()
    political: Counter[str] = Counter()
    for sex, status, band, n in rows:
        gender[sex] += n
        age[band] += n
        political[POLITICAL_GROUPS.get(status, "public")] += n
    return Composition(
        {key: gender[key] for key in Gender.values},
        {key: age[key] for key, _low, _high in AGE_BANDS},
        {key: political[key] for key in ("party", "league", "public")},
    )


# --- all of it ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    root: Organization
    day: date
    headline: Headline
    progress: list[Progress]
    months: list[Month]
    composition: Composition


def build(root: Organization, day: date) -> Dashboard:
    """The dashboard of `root`'s subtree on `day` (not in the future)."""
    result = attachment3.allocation(root, day)
    makeup = composition(root, day)
    if result.area is not None:  # a city: Attachment 3's last line has it all
        area = result.area
        rate, denominator, pending = area.rate, area.denominator, area.counts.pending
    else:
        rate, denominator = _population(root, day)
        pending = in_subtree(counting.pending_applications(day), root).count()
    headline = Headline(makeup.total, pending, rate, denominator.value, denominator.missing)
    return Dashboard(root, day, headline, progress_by_child(result), over_time(root, day), makeup)
