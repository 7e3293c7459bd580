"""The office dashboard's figures for a subtree, on a day: a fixed number of queries, each a
GROUP BY or a conditional aggregate over the registrations of the subtree (by the path copied
on the row, an indexed range), never one query per organisation.

- Headline: the registered volunteers counted (the one definition, as every table counts them:
  `counting.counted_on`) registered through the subtree, the applications awaiting
  confirmation beside them (never added in), and the share of the resident population against
  the rate: for a city, its rate of the built-up area's population (Attachment 3's last line);
  for a community's station, the community rate of its divisions' population; for any other
  organisation, the city rate of its divisions' population (where recorded).
- Progress to target by child organisation: the districts or streets right below the top (and
  the units right below it), sorted with the furthest behind first (the lowest completion;
  those without a target last). Each with the volunteers registered through it (each once, by
  the organisation registered through), which add up, with a last row for the rest of the
  subtree (the top itself, its association, its teams…), to the headline; and Attachment 3's
  subtotal of it (`attachment3.allocation`): its target, the volunteers counted toward its
  rows, gap and completion, which do not add up to the headline (a volunteer counts toward
  their work unit's row and their community's), as the page says.
- Registrations and confirmations over the last twelve months: applications made (by
  `applied_at`, local time) and registrations confirmed (by `registered_on`) per month, whatever
  became of them since. One GROUP BY by the month applied (a CASE of the months' bounds) and
  the day confirmed.
- Composition of the counted volunteers by gender, age band (Attachment 5's: under 18, 18–35,
  36–59, 60 and over, completed years on the day) and political status (party members with
  probationary ones, league members, the public and others): conditional counts in the
  counting of Attachment 3 (`counting.tally`: for a whole tree one scan of the counted
  registrations gives both); its total is the headline's count.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Aggregate, Case, IntegerField, Q, QuerySet, Value, When
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
    """A row of the table of children: an organisation right below the top (a district's or
    street's group of Attachment 3, or a unit or station of its own), or, with `rest`, the rest
    of the top's subtree (the top itself and what no other row covers: its association, its
    teams…).

    `counts`: the volunteers registered through it or below it (each once, by the organisation
    registered through: what its own dashboard's headline counts); the rows' counts add up to
    the top's headline. The task figures are Attachment 3's subtotal of it (a unit's row counts
    by work unit, a community's by registration: one volunteer may count in two rows, so these
    do not add up to the headline): its (summed) target, the volunteers `counted_for_tasks`,
    gap and completion (None: no target)."""

    organization: Organization
    counts: counting.Counts
    target: int | None
    counted_for_tasks: int
    gap: int | None
    completion: Decimal | None
    rest: bool = False

    @property
    def name(self) -> str:
        return selectors.short_name(self.organization)


def progress_by_child(result: attachment3.Allocation, tally: counting.Tally) -> list[Progress]:
    """The groups right below the top, then the units right below it, the furthest behind
    first (lowest completion; no target last; then tree order); last, where anyone registered
    there, the rest of the subtree. `tally`: the counts Attachment 3's `result` was built from."""
    tasks: list[tuple[Organization, int | None, int, int | None, Decimal | None]] = []
    for group in result.top.groups:
        total = group.sum
        has_target = total.target > 0
        tasks.append(
            (
                group.organization,
                total.target if has_target else None,
                total.counts.registered,
                total.gap if has_target else None,
                total.completion,
            )
        )
    for line in result.top.lines:
        tasks.append(
            (line.organization, line.target, line.counts.registered, line.gap, line.completion)
        )
    through = counting.attribute(tally.registrations, [task[0].path for task in tasks])
    found = [
        Progress(org, through.get(org.path, counting.NONE), target, counted, gap, completion)
        for org, target, counted, gap, completion in tasks
    ]
    found.sort(
        key=lambda p: (p.completion is None, p.completion or Decimal(0), p.organization.path)
    )
    everyone = counting.total(tally.registrations)
    covered = counting.total(through)
    rest = counting.Counts(
        everyone.registered - covered.registered, everyone.pending - covered.pending
    )
    if rest != counting.NONE:
        found.append(Progress(result.root, rest, None, 0, None, None, rest=True))
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
    `day` (applications by local time). One query: the rows grouped by the month each was
    applied in (a CASE of the months' bounds) and the day it was confirmed (a date: a few
    hundred days, put in their months here)."""
    starts = month_starts(day)
    bounds = [*starts, date.fromordinal(day.toordinal() + 1)]
    tz = timezone.get_current_timezone()
    moments = [timezone.make_aware(datetime.combine(d, time.min), tz) for d in bounds]
    rows = counting.raw_rows(
        in_subtree(Volunteer.objects.all(), root)
        .filter(Q(applied_at__gte=moments[0]) | Q(registered_on__gte=starts[0]))
        .order_by()
        .annotate(applied=_month_of("applied_at", moments))
        .values_list("applied", "registered_on")
        .annotate(n=counting.registrations())
    )
    applied, confirmed = [0] * len(starts), [0] * len(starts)
    for applied_in, registered_on, n in rows:
        if applied_in is not None:
            applied[applied_in] += n
        if registered_on is not None:
            confirmed_on = _as_date(registered_on)
            if starts[0] <= confirmed_on < bounds[-1]:
                confirmed[bisect_right(starts, confirmed_on) - 1] += n
    return [Month(start, applied[i], confirmed[i]) for i, start in enumerate(starts)]


def _as_date(value: date | str) -> date:
    """A date as the database driver gives it (SQLite's is text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _month_of(field: str, bounds: list[Any]) -> Case:
    """The index of the month `field` falls in (bounds[i] ≤ value < bounds[i + 1]), else NULL;
    the latest first, where most rows are."""
    last = len(bounds) - 1
    whens = [When(**{f"{field}__gte": bounds[last]}, then=Value(None))]
    whens += [
        When(**{f"{field}__gte": bounds[index]}, then=Value(index))
        for index in range(last - 1, -1, -1)
    ]
    return Case(*whens, default=Value(None), output_field=IntegerField())


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


def composition_measures(day: date) -> dict[str, Aggregate]:
    """What the composition counts besides the total, as conditional counts over the counted
    volunteers (`counting.tally`): each gender, the age bands below the last (by birth date),
    the party and league members. The last age band and the public are the rest."""
    measures: dict[str, Aggregate] = {
        f"gender:{key}": counting.registrations(Q(gender=key)) for key in Gender.values
    }
    low = None
    for key, _low, high in AGE_BANDS:
        if high is None:
            break
        younger = Q(birth_date__gt=years_before(day, high))
        measures[f"age:{key}"] = counting.registrations(
            younger if low is None else younger & Q(birth_date__lte=low)
        )
        low = years_before(day, high)
    for group in ("party", "league"):
        statuses = [status for status, found in POLITICAL_GROUPS.items() if found == group]
        measures[f"political:{group}"] = counting.registrations(Q(political_status__in=statuses))
    return measures


def composition_of(sums: dict[str, int]) -> Composition:
    """The composition from the sums of `composition_measures` and "registered" (the count)."""
    registered = sums["registered"]
    age = {key: sums.get(f"age:{key}", 0) for key, _low, _high in AGE_BANDS}
    last = AGE_BANDS[-1][0]
    age[last] = registered - sum(age.values())
    party, league = sums["political:party"], sums["political:league"]
    return Composition(
        {key: sums[f"gender:{key}"] for key in Gender.values},
        age,
        {"party": party, "league": league, "public": registered - party - league},
    )


def composition(root: Organization, day: date) -> Composition:
    """The counted volunteers registered through `root`'s subtree on `day`, composed."""
    return composition_of(
        counting.tally(counting.Subtree(root), day, composition_measures(day)).sums
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


@counting.report_transaction()
def build(root: Organization, day: date) -> Dashboard:
    """The dashboard of `root`'s subtree on `day` (not in the future)."""
    attachment3.check_day(day)
    tally = counting.tally(counting.Subtree(root), day, composition_measures(day))
    result = attachment3.allocation(root, day, tally=tally)
    makeup = composition_of(tally.sums)
    if result.area is not None:  # a city: Attachment 3's last line has it all
        area = result.area
        rate, denominator, pending = area.rate, area.denominator, area.counts.pending
    else:
        rate, denominator = _population(root, day)
        pending = counting.total(tally.registrations).pending
    headline = Headline(makeup.total, pending, rate, denominator.value, denominator.missing)
    progress = progress_by_child(result, tally)
    return Dashboard(root, day, headline, progress, over_time(root, day), makeup)
