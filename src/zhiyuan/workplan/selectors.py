"""Reads of the work plan, always through the access layer: the steps a user sees, which
organisations a step applies to, each organisation's state on each step (the board), a
step's reports for one organisation (the history), and what a report links to (the stations'
six-haves checklists, the reporting round's submissions).

A user sees the steps of the city above their roles (or of the cities inside them, for the
platform's staff); inside a step, the organisations of their own scope only.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from zhiyuan.organizations.access import scope, scope_prefixes, within
from zhiyuan.organizations.enums import OrgKind, OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING
from zhiyuan.reports.rounds import selectors as rounds
from zhiyuan.reports.selectors import COMMUNITY, city_of
from zhiyuan.reports.standards import selectors as standards
from zhiyuan.reports.standards.enums import Standard
from zhiyuan.workplan.enums import CellState, ReportStatus, StepLevel, StepLink
from zhiyuan.workplan.models import StepReport, WorkStep

STEP = Organization.steplen

#: The organisations that report at each level (module note of `enums.StepLevel`).
LEVEL_FILTERS: dict[str, Q] = {
    StepLevel.DISTRICT: Q(kind=OrgKind.GUIDANCE_COMMITTEE, level=OrgLevel.DISTRICT),
    StepLevel.STREET: Q(kind=OrgKind.SERVICE_CENTRE, level=OrgLevel.STREET),
    StepLevel.COMMUNITY: COMMUNITY,
    StepLevel.UNIT: Q(kind=OrgKind.WORK_UNIT),
}


def local_today() -> date:
    return timezone.localdate()


def level_of(organization: Organization) -> str:
    """The StepLevel value `organization` reports at, "" for an organisation that reports none
    (an association, a team, a public place's station)."""
    if organization.kind == OrgKind.WORK_UNIT:
        return StepLevel.UNIT.value
    if organization.kind == OrgKind.GUIDANCE_COMMITTEE and organization.level == OrgLevel.DISTRICT:
        return StepLevel.DISTRICT.value
    if organization.kind == OrgKind.SERVICE_CENTRE and organization.level == OrgLevel.STREET:
        return StepLevel.STREET.value
    if Organization.objects.filter(COMMUNITY, pk=organization.pk).exists():
        return StepLevel.COMMUNITY.value
    return ""


def levels_condition(levels: Iterable[str]) -> Q:
    """The organisations reporting at any of `levels` (nothing for none)."""
    condition = Q(pk__in=[])
    for level in levels:
        condition |= LEVEL_FILTERS[level]
    return condition


def reporting_organizations(root: Organization, levels: Iterable[str]) -> QuerySet[Organization]:
    """The active organisations of `root`'s subtree (itself included) reporting at `levels`,
    in tree order."""
    return (
        Organization.objects.filter(path__startswith=root.path, is_active=True)
        .filter(levels_condition(levels))
        .order_by("path")
    )


def applies_to(step: WorkStep, organization: Organization) -> bool:
    """Whether `step` asks `organization` to report: an active organisation of the step's city
    reporting at one of its levels."""
    return (
        organization.is_active
        and organization.path.startswith(step.organization.path)
        and level_of(organization) in step.levels
    )


# --- steps ---------------------------------------------------------------------------------


def visible_steps(user: Any) -> QuerySet[WorkStep]:
    """The steps of the cities above `user`'s roles or inside them, in use or retired, in each
    city's order."""
    rows = WorkStep.objects.select_related("organization", "round")
    prefixes = scope_prefixes(user)
    if prefixes is None:
        return rows.order_by("organization__path", "position", "pk")
    if not prefixes:
        return rows.none()
    above = {prefix[:end] for prefix in prefixes for end in range(STEP, len(prefix) + 1, STEP)}
    return rows.filter(Q(organization__path__in=above) | within(WorkStep, prefixes)).order_by(
        "organization__path", "position", "pk"
    )


def city_steps(city: Organization, *, retired: bool = False) -> list[WorkStep]:
    """`city`'s steps in their order: those in use, and with `retired` the others too."""
    rows = WorkStep.objects.filter(organization=city).select_related("round")
    if not retired:
        rows = rows.filter(is_active=True)
    return list(rows.order_by("position", "pk"))


def user_city(user: Any) -> Organization | None:
    """The city of `user`'s first role (in tree order), None without a role; platform staff
    get the first city."""
    prefixes = scope_prefixes(user)
    if prefixes is None:
        return Organization.objects.filter(level=OrgLevel.CITY).order_by("path").first()
    if not prefixes:
        return None
    first = Organization.objects.filter(path=prefixes[0]).first()
    return city_of(first) if first else None


def board_roots(user: Any) -> QuerySet[Organization]:
    """The subtrees a board can be filtered by: the city, the districts' guidance committees
    and the streets' service centres inside `user`'s scope, in tree order."""
    areas = (
        Q(level=OrgLevel.CITY, kind=OrgKind.GUIDANCE_COMMITTEE)
        | LEVEL_FILTERS[StepLevel.DISTRICT]
        | LEVEL_FILTERS[StepLevel.STREET]
    )
    return scope(user, Organization.objects.filter(areas, is_active=True)).order_by("path")


# --- states ----------------------------------------------------------------------------------


def cell_state(step: WorkStep, reports: list[StepReport], day: date) -> str:
    """The CellState value of an organisation on `step` on `day`, from its `reports` on the
    step, oldest first (precedence in `enums.CellState`). Late means: `day` is after the due
    date (Asia/Shanghai) and no report was accepted."""
    if any(report.status == ReportStatus.ACCEPTED for report in reports):
        return CellState.DONE.value
    if day > step.due_date:
        return CellState.LATE.value
    if not reports:
        return CellState.MISSING.value
    if reports[-1].status == ReportStatus.RETURNED:
        return CellState.RETURNED.value
    return CellState.PENDING.value


@dataclass(frozen=True)
class Cell:
    """An organisation on a step: its state (None: the step does not ask it) and its latest
    report (None: none)."""

    step: WorkStep
    state: str | None
    report: StepReport | None = None


@dataclass(frozen=True)
class BoardRow:
    organization: Organization
    level: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Board:
    """Per organisation of `root`'s subtree asked by a step, per step of its city: the state on
    `day`; per step (by id) and in all, how many organisations stand in each state."""

    root: Organization
    day: date
    steps: tuple[WorkStep, ...]
    rows: tuple[BoardRow, ...]
    counts: dict[int, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)


def _empty_counts() -> dict[str, int]:
    return dict.fromkeys(CellState.values, 0)


def board(root: Organization, *, day: date | None = None) -> Board:
    """The board of `root`'s subtree on `day` (default today): the steps in use of its city,
    the organisations any of them asks, each cell's state. Three queries whatever the size of
    the subtree. The caller checks that the reader may see `root` (`permissions.may_view`)."""
    day = day or local_today()
    city = city_of(root)
    steps = tuple(city_steps(city)) if city else ()
    levels = {level for step in steps for level in step.levels}
    organizations = list(reporting_organizations(root, levels)) if steps else []
    found: dict[tuple[int, int], list[StepReport]] = defaultdict(list)
    rows = StepReport.objects.filter(
        step__in=steps, organization__path__startswith=root.path
    ).select_related("reported_by", "decided_by")
    for report in rows.order_by("reported_at", "pk"):
        found[(report.step_id, report.organization_id)].append(report)
    counts = {step.pk: _empty_counts() for step in steps}
    totals = _empty_counts()
    board_rows = []
    for organization in organizations:
        level = _level_among(organization)
        cells = []
        for step in steps:
            if level not in step.levels:
                cells.append(Cell(step, None))
                continue
            reports = found[(step.pk, organization.pk)]
            state = cell_state(step, reports, day)
            counts[step.pk][state] += 1
            totals[state] += 1
            cells.append(Cell(step, state, reports[-1] if reports else None))
        board_rows.append(BoardRow(organization, level, tuple(cells)))
    return Board(root, day, steps, tuple(board_rows), counts, totals)


def _level_among(organization: Organization) -> str:
    """`level_of` without a query, for an organisation already known to report at some level."""
    if organization.kind == OrgKind.WORK_UNIT:
        return StepLevel.UNIT.value
    if organization.kind == OrgKind.GUIDANCE_COMMITTEE:
        return StepLevel.DISTRICT.value
    if organization.kind == OrgKind.SERVICE_CENTRE:
        return StepLevel.STREET.value
    return StepLevel.COMMUNITY.value


# --- one organisation on one step ----------------------------------------------------------


def reports_of(step: WorkStep, organization: Organization) -> list[StepReport]:
    """Every report of `organization` on `step`, oldest first: the history."""
    rows = StepReport.objects.filter(step=step, organization=organization)
    return list(
        rows.select_related("reported_by", "decided_by")
        .prefetch_related("stations")
        .order_by("reported_at", "pk")
    )


def live_report(step: WorkStep, organization: Organization) -> StepReport | None:
    """The report awaiting review or accepted, None when there is none."""
    return (
        StepReport.objects.filter(
            step=step,
            organization=organization,
            status__in=[ReportStatus.REPORTED, ReportStatus.ACCEPTED],
        )
        .order_by("-pk")
        .first()
    )


def visible_reports(user: Any) -> QuerySet[StepReport]:
    """The reports of the organisations inside `user`'s scope, newest first."""
    rows = StepReport.objects.select_related(
        "step", "step__organization", "organization", "reported_by", "decided_by"
    )
    return scope(user, rows).order_by("-reported_at", "-pk")


def awaiting_decision(user: Any) -> list[StepReport]:
    """Reports awaiting review that `user` decides on (an administrator role above the
    reporting organisation), oldest first."""
    prefixes = scope_prefixes(user, ADMINISTERING)
    rows = StepReport.objects.filter(status=ReportStatus.REPORTED).select_related(
        "step", "organization", "reported_by"
    )
    if prefixes is not None:
        if not prefixes:
            return []
        condition = Q(pk__in=[])
        for prefix in prefixes:
            # Strictly below the role's organisation: its own reports go up, not to itself.
            condition |= Q(organization__path__startswith=prefix) & ~Q(organization__path=prefix)
        rows = rows.filter(condition)
    return list(rows.order_by("reported_at", "pk")[:200])


@dataclass(frozen=True)
class ToReport:
    """An organisation `user` administers directly, on a step that asks it, with its state."""

    step: WorkStep
    organization: Organization
    state: str


def to_report(user: Any, *, day: date | None = None) -> list[ToReport]:
    """For each organisation `user` holds an administrator role on and each step in use of its
    city that asks it: its state on `day` (default today), the earliest due first."""
    if not getattr(user, "is_authenticated", False):
        return []
    day = day or local_today()
    own = list(
        Organization.objects.filter(
            roles__user=user, roles__kind__in=ADMINISTERING, is_active=True
        ).order_by("path")
    )
    found = []
    for organization in own:
        level = level_of(organization)
        city = city_of(organization) if level else None
        if city is None:
            continue
        for step in city_steps(city):
            if level in step.levels:
                state = cell_state(step, reports_of(step, organization), day)
                found.append(ToReport(step, organization, state))
    return sorted(found, key=lambda item: (item.step.due_date, item.step.position))


# --- what a report links to ----------------------------------------------------------------


@dataclass(frozen=True)
class StationState:
    """A station claimed built to standard: how many of the six-haves items stand met today."""

    station: Organization
    met: int
    total: int

    @property
    def all_met(self) -> bool:
        return self.total > 0 and self.met == self.total


def station_states(
    stations: Iterable[Organization], *, day: date | None = None
) -> list[StationState]:
    """Each of `stations` with its six-haves checklist standing on `day` (default today), in
    tree order (reports.standards: the list in force for the station, the assessments standing
    on the day). Two queries and one per distinct list owner."""
    day = day or local_today()
    stations = sorted(stations, key=lambda s: s.path)
    if not stations:
        return []
    met = standards.standing([station.pk for station in stations], Standard.STATION.value, day)
    lists: dict[str, list[str]] = {}
    found = []
    for station in stations:
        city = station.path[:STEP]
        if city not in lists:
            lists[city] = standards.items_for(station, Standard.STATION.value).codes
        codes = lists[city]
        count = sum(
            1 for code in codes if (row := met.get((station.pk, code))) is not None and row.met
        )
        found.append(StationState(station, count, len(codes)))
    return found


def stations_below(organization: Organization) -> QuerySet[Organization]:
    """The active service stations of `organization`'s subtree (itself included), in tree
    order: what a report of a stations step may claim."""
    return Organization.objects.filter(
        path__startswith=organization.path, kind=OrgKind.SERVICE_STATION, is_active=True
    ).order_by("path")


def round_state(user: Any, step: WorkStep, organization: Organization) -> str:
    """Where `organization` stands in the reporting round `step` links to (reports.rounds'
    states: "on-time", "late", "withdrawn", "missing"), "not-asked" when the round does not ask
    it or `user` may not see it there, "" when the step links to no round."""
    if step.link != StepLink.ROUND or step.round is None:
        return ""
    statuses = rounds.member_statuses(user, step.round)
    found = next((s for s in statuses if s.organization.pk == organization.pk), None)
    return found.state if found else "not-asked"


def round_states(user: Any, step: WorkStep) -> dict[int, str]:
    """Per organisation id of the round `step` links to, in `user`'s scope: its state there
    (two queries); empty for a step linking to no round."""
    if step.link != StepLink.ROUND or step.round is None:
        return {}
    return {s.organization.pk: s.state for s in rounds.member_statuses(user, step.round)}
