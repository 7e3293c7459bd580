"""Counting volunteers for targets and tables: in a few GROUP BY queries over a subtree, never
one query per organisation, then rolled up along the tree's materialised path in memory.

Who counts is `zhiyuan.volunteers.selectors.registered_volunteers`, the one definition (MISSION
§2: confirmed by the person, not suspended or cancelled, re-registered for the year where the
city requires it), on the registrations confirmed on or before the reference date. Beside
them, never added in, the applications still awaiting the person's confirmation
(`pending_applications`).

A volunteer counts in two places, through two different links of the registration:
- toward the territorial tree through the organisation they registered through
  (`Volunteer.organization`): a community's figures, and the city's as a whole;
- toward their work unit's target through `Volunteer.work_unit` (where they work or study,
  wherever they registered).

Activities and service hours (Attachments 6 and 7) count per organiser the same way: the
activities published or held with a slot starting in the reference date's year up to that
date, and the service hours counted (`hours.selectors.counted`) of records starting then.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from django.db import connection, connections, transaction
from django.db.models import Aggregate, Count, Q, QuerySet, Sum
from django.utils import timezone

from zhiyuan.activities.enums import ActivityStatus
from zhiyuan.activities.models import Activity
from zhiyuan.hours import selectors as hours_selectors
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.access import after_subtree
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import RegistrationStatus
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.selectors import registered_volunteers

STEP = Organization.steplen


#: PostgreSQL settings for the statistics' queries (`report_transaction`).
REPORT_SETTINGS = {
    # A city's GROUP BY with a dozen conditional counts costs more than jit_above_cost, and
    # compiling it to machine code took 250 ms, longer than it saved (docs/benchmarks.md).
    "jit": "off",
    # Enough to group a city's registrations by organisation and work unit in memory (a
    # hash of some 30,000 groups) instead of sorting them through temporary files.
    "work_mem": "32MB",
}


@contextmanager
def report_transaction() -> Iterator[None]:
    """The statistics' queries inside, on PostgreSQL in a transaction with REPORT_SETTINGS,
    its own (SET LOCAL), put back on leaving a transaction it was nested in. Elsewhere
    nothing: SQLite has neither setting."""
    if connection.vendor != "postgresql":
        yield
        return
    nested = connection.in_atomic_block
    names = list(REPORT_SETTINGS)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT "
                + ", ".join(["current_setting(%s), set_config(%s, %s, true)"] * len(names)),
                [value for name in names for value in (name, name, REPORT_SETTINGS[name])],
            )
            found = cursor.fetchone()
        before = dict(zip(names, found[::2], strict=True))
        yield
        if nested:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
                    [value for name in names for value in (name, before[name])],
                )


def raw_rows(query: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a GROUP BY `query` (a `values_list(…).annotate(…)`) as the database gives
    them, without the ORM's converter per value: what these queries select (paths, ids,
    counts and sums) needs none beyond `int`, and a city's tens of thousands of rows of a
    dozen counts spent more in the converters than in the scan (docs/benchmarks.md)."""
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True)
class Counts:
    """Registered volunteers counted, and applications awaiting confirmation beside them."""

    registered: int = 0
    pending: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.registered + other.registered, self.pending + other.pending)


NONE = Counts()


def registrations(condition: Q | None = None) -> Count:
    """The number of registrations (meeting `condition`), counted by `status`: never null and
    in the statistics index, so that PostgreSQL counts from the index alone (COUNT of the id,
    which the index does not hold, read every row: a parallel scan of the table instead of an
    index-only scan, 552 → 323 ms for a city; docs/benchmarks.md)."""
    return Count("status", filter=condition)


def counted_on(day: date) -> QuerySet[Volunteer]:
    """The registered volunteers (the one definition) confirmed on or before `day`, for the
    year of `day` where re-registration is required. A registration since suspended or
    cancelled does not count for an earlier date either: the ledger keeps its status now."""
    return registered_volunteers(Volunteer.objects.filter(registered_on__lte=day), year=day.year)


def pending_applications(day: date) -> QuerySet[Volunteer]:
    """Applications made on or before `day` (local time) that still await the person's
    confirmation: shown beside the counted volunteers, never counted."""
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return Volunteer.objects.filter(status=RegistrationStatus.APPLIED, applied_at__lt=end)


class Subtree:
    """The organisations of `root`'s subtree by id (one query): what counts are grouped by
    (an integer, cheaper to group than a path) and mapped back to paths with."""

    def __init__(self, root: Organization) -> None:
        self.root = root
        self.paths = dict(
            Organization.objects.filter(path__startswith=root.path).values_list("id", "path")
        )
        self.known = set(self.paths.values())
        # The whole tree needs no filter: a scan of every registration is what it costs anyway,
        # and a filter (a join, or the ids) would cost as much again.
        self.everything = len(self.paths) == Organization.objects.count()

    def grouped(
        self, queryset: QuerySet[Any], link: str, count: Aggregate | None = None
    ) -> dict[str, int]:
        """Counts of `queryset` per path of the organisation its `link` (a foreign key to an
        organisation) names, for organisations of the subtree (`count`: how a row is counted,
        by default its primary key; registrations: `registrations()`)."""
        found = self.measured(queryset, link, {"count": count or Count("pk")})
        return {path: values["count"] for path, values in found.items()}

    def measured(
        self,
        queryset: QuerySet[Any],
        link: str,
        measures: Mapping[str, Aggregate],
        *,
        split: str = "",
    ) -> dict[str, dict[str, int]]:
        """`measures` (name → aggregate, e.g. `Count("pk", filter=Q(gender="male"))`) of
        `queryset` per path of the organisation its `link` names, for organisations of the
        subtree: one GROUP BY query. With `split` (a field), the rows are also grouped by it,
        and each path's figures add its first measure under "<split>:<value>" for each value
        (e.g. "occupation:教师", the counted volunteers who gave that occupation).

        A link with a path copy on the row (a registration's `organization_path`) is filtered
        by its range and grouped by it, without a join: with the registrations' statistics
        index (`volunteers.Volunteer`, "volunteer_statistics") that reads one index, never the
        rows."""
        key = self.key(queryset, link)
        grouped = [key, split] if split else [key]
        query = self.restrict(queryset, link).order_by().values_list(*grouped).annotate(**measures)
        names = list(measures)
        found: dict[str, dict[str, int]] = {}
        for row in raw_rows(query):
            path = row[0] if key.endswith("_path") else self.paths.get(row[0])
            if path not in self.known:
                continue
            figures = found.setdefault(str(path), defaultdict(int))
            values = row[len(grouped) :]
            for name, value in zip(names, values, strict=True):
                figures[name] += int(value or 0)
            if split:
                figures[f"{split}:{row[1]}"] += int(values[0] or 0)
        return found

    def key(self, queryset: QuerySet[Any], link: str) -> str:
        """What rows are grouped by: the path copy of `link` on the row, else its id."""
        copy = f"{link}_path"
        if any(field.name == copy for field in queryset.model._meta.concrete_fields):
            return copy
        return f"{link}_id"

    def restrict(self, queryset: QuerySet[Any], link: str) -> QuerySet[Any]:
        """`queryset` limited to rows whose `link` names an organisation of the subtree (no
        filter for the whole tree)."""
        return queryset if self.everything else queryset.filter(self._within(queryset, link))

    def _within(self, queryset: QuerySet[Any], link: str) -> Q:
        key = self.key(queryset, link)
        if key.endswith("_path"):
            return Q(**{f"{key}__gte": self.root.path, f"{key}__lt": after_subtree(self.root.path)})
        return Q(**{f"{link}__path__startswith": self.root.path})


def by_registration_path(subtree: Subtree, day: date) -> dict[str, Counts]:
    """Per path of an organisation in the subtree: the volunteers registered through it
    (counted, pending). Two queries."""
    return _merge(
        subtree.grouped(counted_on(day), "organization", registrations()),
        subtree.grouped(pending_applications(day), "organization", registrations()),
    )


def by_work_unit_path(subtree: Subtree, day: date) -> dict[str, Counts]:
    """Per path of an organisation in the subtree: the volunteers whose work unit it is
    (counted, pending), wherever they registered. Two queries."""
    return _merge(
        subtree.grouped(counted_on(day), "work_unit", registrations()),
        subtree.grouped(pending_applications(day), "work_unit", registrations()),
    )


@dataclass(frozen=True)
class Tally:
    """A subtree's counts on a day by both links (`by_registration_path`,
    `by_work_unit_path`), and the sums over the counted volunteers registered through it of
    further measures (by name: e.g. the dashboard's composition) and of "registered" (them
    all)."""

    subtree: Subtree
    registrations: dict[str, Counts]
    work_units: dict[str, Counts]
    sums: dict[str, int]


def tally(subtree: Subtree, day: date, measures: Mapping[str, Aggregate] | None = None) -> Tally:
    """The counts of `subtree` on `day` by both links, and `measures` (name → aggregate over
    the counted volunteers, e.g. `Count("pk", filter=Q(gender="male"))`) summed over those
    registered through it. For the whole tree the two links read the same rows: one GROUP BY
    by both, over the counted and over the pending (one scan of the registrations, not two).
    For a subtree, whose work units' staff may have registered elsewhere: four queries, as
    `by_registration_path` and `by_work_unit_path`."""
    measures = dict(measures or {})
    counted, pending = counted_on(day), pending_applications(day)
    if subtree.everything:
        registered, staff, sums = _by_both_links(subtree, counted, measures)
        applied, applied_staff, _none = _by_both_links(subtree, pending, {})
    else:
        found = subtree.measured(
            counted, "organization", {"registered": registrations(), **measures}
        )
        registered = {path: values["registered"] for path, values in found.items()}
        sums = {name: sum(values[name] for values in found.values()) for name in measures}
        staff = subtree.grouped(counted, "work_unit", registrations())
        applied = subtree.grouped(pending, "organization", registrations())
        applied_staff = subtree.grouped(pending, "work_unit", registrations())
    sums = {"registered": sum(registered.values()), **sums}
    return Tally(subtree, _merge(registered, applied), _merge(staff, applied_staff), sums)


def _by_both_links(
    subtree: Subtree, queryset: QuerySet[Volunteer], measures: Mapping[str, Aggregate]
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Over the whole tree: `queryset`'s rows per path registered through and per path of the
    work unit, and `measures` summed over the rows registered through a known organisation.
    One GROUP BY by both (a few rows per organisation: its volunteers' work units)."""
    rows = raw_rows(
        queryset.order_by()
        .values_list("organization_path", "work_unit_id")
        .annotate(registered=registrations(), **measures)
    )
    known, paths = subtree.known, subtree.paths
    by_path: dict[str, int] = defaultdict(int)
    by_unit: dict[str, int] = defaultdict(int)
    sums = [0] * len(measures)
    for path, unit, number, *figures in rows:
        if unit is not None and paths.get(unit) in known:
            by_unit[paths[unit]] += number
        if path in known:
            by_path[path] += number
            for index, figure in enumerate(figures):
                sums[index] += figure or 0
    return dict(by_path), dict(by_unit), dict(zip(measures, sums, strict=True))


def _merge(registered: Mapping[str, int], pending: Mapping[str, int]) -> dict[str, Counts]:
    return {
        path: Counts(registered.get(path, 0), pending.get(path, 0))
        for path in {*registered, *pending}
    }


def attribute(counts: Mapping[str, Counts], targets: Iterable[str]) -> dict[str, Counts]:
    """Roll `counts` (per organisation path) up to `targets` (paths): each path's counts go to
    the nearest of `targets` at or above it, once; paths with none above them are left out.
    A volunteer whose work unit is a department of a unit counts toward the unit."""
    return _nearest(counts, targets, NONE)


def total(counts: Mapping[str, Counts]) -> Counts:
    return sum(counts.values(), NONE)


def roll_up(values: Mapping[str, int], targets: Iterable[str]) -> dict[str, int]:
    """`values` (per organisation path) added up to the nearest of `targets` at or above each
    path, once; paths with none above them are left out (`attribute` for plain numbers)."""
    return _nearest(values, targets, 0)


V = TypeVar("V", int, Counts)


def _nearest(values: Mapping[str, V], targets: Iterable[str], zero: V) -> dict[str, V]:
    wanted = set(targets)
    result: dict[str, V] = {}
    for path, value in values.items():
        for end in range(len(path), 0, -STEP):
            if path[:end] in wanted:
                result[path[:end]] = result.get(path[:end], zero) + value
                break
    return result


def year_start(day: date) -> date:
    return date(day.year, 1, 1)


def activities_by_organizer(subtree: Subtree, day: date) -> dict[str, int]:
    """Per organiser's path in the subtree: its activities of `day`'s year up to `day`, those
    published or finished (not drafts, not cancelled) with a slot starting in that time. One
    query."""
    start = hours_selectors.local_start(year_start(day))
    end = hours_selectors.local_start(day + timedelta(days=1))
    held = Activity.objects.filter(
        status__in=[ActivityStatus.PUBLISHED, ActivityStatus.FINISHED],
        slots__starts_at__gte=start,
        slots__starts_at__lt=end,
    )
    found = subtree.measured(held, "organizer", {"activities": Count("pk", distinct=True)})
    return {path: values["activities"] for path, values in found.items()}


def minutes_by_organizer(subtree: Subtree, day: date) -> dict[str, int]:
    """Per organiser's path in the subtree: the service minutes that count
    (`hours.selectors.counted`) of records starting in `day`'s year up to `day`. One query."""
    start = hours_selectors.local_start(year_start(day))
    end = hours_selectors.local_start(day + timedelta(days=1))
    records = hours_selectors.counted(HourRecord.objects.filter(start__gte=start, start__lt=end))
    found = subtree.measured(records, "organizer", {"minutes": Sum("minutes")})
    return {path: values["minutes"] for path, values in found.items()}
