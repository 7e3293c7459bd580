"""Attachment 3 of the plan, the registration-task allocation table (注册登记任务分配表), for any
subtree and reference date.

One row per unit with a target in the subtree (`selectors.target_units`): a work unit or other
organisation with a unit category, and each community's or village's station. Its target is
ceil(rate × headcount), or ceil(rate × resident population) for a community or village
(`enums.basis_of`); the rate is its category's in the city's target policy.

What each row counts (`counting`):
- a unit: the registered volunteers whose work unit it is (or a department below it), wherever
  they registered;
- a community or village: the registered volunteers registered through its station or an
  organisation below it.
So one volunteer can count toward their work unit and toward the community they registered in:
the rows are tasks, and each task counts the people it is about.

Rows are grouped by district and street (the guidance committees and service centres below the
subtree's top), in tree order, each group closed by its subtotal; the table ends with the total.
A subtotal adds its rows: targets, counted volunteers, pending confirmations, and gaps (each
unit's own gap: a unit ahead of its target does not make up for one behind). Its completion is
the counted volunteers of its rows that have a target over their targets. A unit without a
headcount (or a community without a population) is listed as such, with its counted volunteers,
and adds nothing to the targets.

For a city, a last line outside the sum: the city as a whole, its registered volunteers
(each once) against the city rate of the resident population of the built-up area.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhiyuan.organizations.enums import OrgLevel, UnitCategory
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import counting, selectors
from zhiyuan.reports.counting import Counts
from zhiyuan.reports.enums import RowKind, TargetBasis, basis_of
from zhiyuan.reports.models import TargetPolicy
from zhiyuan.reports.nesting import Group, flatten, nest
from zhiyuan.reports.selectors import Denominator
from zhiyuan.reports.tables import (
    Align,
    Column,
    Row,
    StatisticsTable,
    ceil_share,
    count_cell,
    percent,
    percent_cell,
    rate_cell,
    text_cell,
)

NUMBER = 3


def title() -> str:
    return _("Registration task allocation table")


# --- the figures -----------------------------------------------------------------------------


class Targeted:
    """A row with a target: `rate` % of its denominator (None: not recorded), rounded up,
    against the volunteers it counts."""

    rate: Decimal
    denominator: Denominator
    counts: Counts

    @property
    def target(self) -> int | None:
        if self.denominator.value is None:
            return None
        return ceil_share(self.rate, self.denominator.value)

    @property
    def gap(self) -> int | None:
        """How many more must register to meet the target (0 once met)."""
        return None if self.target is None else max(self.target - self.counts.registered, 0)

    @property
    def completion(self) -> Decimal | None:
        return None if self.target is None else percent(self.counts.registered, self.target)


@dataclass(frozen=True)
class Line(Targeted):
    """One unit's row: its category and rate, the denominator in force on the day (None: not
    recorded), its target (None without a denominator), and its counts."""

    organization: Organization
    category: str
    rate: Decimal
    denominator: Denominator
    counts: Counts

    @property
    def basis(self) -> str:
        return self.denominator.basis


@dataclass(frozen=True)
class Sum:
    """What a subtotal or the total adds up (see the module's note)."""

    target: int = 0
    counts: Counts = counting.NONE
    gap: int = 0
    toward_target: int = 0  # counted volunteers of the rows that have a target

    @classmethod
    def of_line(cls, line: Line) -> "Sum":
        if line.target is None:
            return cls(counts=line.counts)
        return cls(line.target, line.counts, line.gap or 0, line.counts.registered)

    def __add__(self, other: "Sum") -> "Sum":
        return Sum(
            self.target + other.target,
            self.counts + other.counts,
            self.gap + other.gap,
            self.toward_target + other.toward_target,
        )

    @property
    def completion(self) -> Decimal | None:
        return percent(self.toward_target, self.target)


class LineGroup(Group[Line]):
    """A district's or street's part of the table (`nesting.Group`) with what its subtotal
    adds: every line of its subtree."""

    groups: list["LineGroup"]  # type: ignore[assignment]  # `nest` makes them of this class

    @property
    def sum(self) -> Sum:
        return sum((Sum.of_line(line) for line in self.all_lines()), Sum())


@dataclass(frozen=True)
class AreaLine(Targeted):
    """The city as a whole: every volunteer registered in it, once, against the city rate of
    the resident population of its built-up area (None: no area marked, or a division of it
    without a population)."""

    rate: Decimal
    denominator: Denominator
    counts: Counts


@dataclass(frozen=True)
class Allocation:
    """Attachment 3's figures for `root`'s subtree on `day`: the units directly under the
    top, then the groups, the total, and the city as a whole (for a city)."""

    root: Organization
    day: date
    top: LineGroup
    area: AreaLine | None

    @property
    def total(self) -> Sum:
        return self.top.sum

    def lines(self) -> list[Line]:
        return list(self.top.all_lines())


def check_day(day: date) -> None:
    """Raises ValidationError (key "date") for a reference date in the future: nobody knows
    yet who will be registered then."""
    if day > selectors.local_today():
        raise ValidationError({"date": [_("The reference date cannot be in the future.")]})


@counting.report_transaction()
def allocation(root: Organization, day: date, *, tally: counting.Tally | None = None) -> Allocation:
    """The figures of Attachment 3 for `root`'s subtree on `day`, from `tally` (the subtree's
    counts on that day, `counting.tally`) when the caller has it. Raises ValidationError for
    a future date. A fixed number of queries, whatever the size of the subtree."""
    check_day(day)
    units = list(selectors.target_units(root))
    policy = selectors.target_policy_for(root)
    categories = {unit.pk: selectors.target_category(unit) for unit in units}
    denominators = _denominators(units, categories, day)
    if tally is None:
        tally = counting.tally(counting.Subtree(root), day)
    registrations = tally.registrations
    by_unit = _counts(tally, units, categories)
    lines = [
        Line(
            unit,
            categories[unit.pk],
            policy.rate(categories[unit.pk]),
            denominators[unit.pk],
            by_unit.get(unit.path, counting.NONE),
        )
        for unit in units
    ]
    top = nest(root, lines, lambda line: line.organization.path, kind=LineGroup)
    area = None
    if root.level == OrgLevel.CITY:
        area = _city_line(policy, counting.total(registrations), day)
    return Allocation(root, day, top, area)


def _denominators(
    units: list[Organization], categories: dict[int, str], day: date
) -> dict[int, Denominator]:
    staffed = [u.pk for u in units if basis_of(categories[u.pk]) == TargetBasis.HEADCOUNT]
    headcounts = selectors.headcounts_on(staffed, day)
    staffed_ids = set(staffed)
    through = Organization.jurisdiction.through.objects.filter(
        organization_id__in=[u.pk for u in units if u.pk not in staffed_ids]
    )
    jurisdiction: dict[int, list[str]] = defaultdict(list)
    for organization_id, code in through.values_list("organization_id", "division_id"):
        jurisdiction[organization_id].append(code)
    populations = selectors.populations_on(
        [code for codes in jurisdiction.values() for code in codes], day
    )
    result: dict[int, Denominator] = {}
    for unit in units:
        if basis_of(categories[unit.pk]) == TargetBasis.HEADCOUNT:
            found = headcounts.get(unit.pk)
            result[unit.pk] = Denominator(TargetBasis.HEADCOUNT, found.headcount if found else None)
        else:
            codes = sorted(jurisdiction[unit.pk])
            result[unit.pk] = selectors.population_total(codes, populations)
    return result


def _counts(
    tally: counting.Tally, units: list[Organization], categories: dict[int, str]
) -> dict[str, Counts]:
    """Per unit path: a community's by registration, a unit's by work unit (module note)."""
    territorial = [u.path for u in units if basis_of(categories[u.pk]) == TargetBasis.POPULATION]
    staffed = [u.path for u in units if basis_of(categories[u.pk]) == TargetBasis.HEADCOUNT]
    found = counting.attribute(tally.registrations, territorial)
    if staffed:
        found |= counting.attribute(tally.work_units, staffed)
    return found


def _city_line(policy: TargetPolicy, counts: Counts, day: date) -> AreaLine:
    codes = [division.code for division in selectors.built_up_area(policy)]
    denominator = selectors.population_total(codes, selectors.populations_on(codes, day))
    return AreaLine(policy.city, denominator, counts)


# --- the table -------------------------------------------------------------------------------


def columns() -> tuple[Column, ...]:
    """Widths in millimetres, 263 in all (A4 landscape less 15 mm margins: 267)."""
    return (
        Column("unit", _("Unit"), Align.LEFT, 60),
        Column("category", _("Category"), Align.LEFT, 56),
        Column("headcount", _("Headcount or resident population"), Align.RIGHT, 26),
        Column("rate", _("Rate"), Align.RIGHT, 14),
        Column("target", _("Target"), Align.RIGHT, 20),
        Column("registered", _("Registered volunteers counted"), Align.RIGHT, 23),
        Column("pending", _("Awaiting confirmation (not counted)"), Align.RIGHT, 24),
        Column("gap", _("Gap"), Align.RIGHT, 18),
        Column("completion", _("Completion"), Align.RIGHT, 22),
    )


def _category_label(category: str) -> str:
    return str(UnitCategory(category).label)


def line_row(line: Line, level: int) -> Row:
    unit = line.organization
    missing = _("not recorded")
    cells = (
        text_cell(selectors.short_name(unit)),
        text_cell(_category_label(line.category)),
        count_cell(line.denominator.value, missing=missing),
        rate_cell(line.rate),
        count_cell(line.target),
        count_cell(line.counts.registered),
        count_cell(line.counts.pending),
        count_cell(line.gap),
        percent_cell(line.completion),
    )
    return Row(RowKind.UNIT, level, cells, unit.pk, unit.code)


def _sum_row(kind: str, label: str, total: Sum, level: int, org: Organization | None) -> Row:
    cells = (
        text_cell(label),
        text_cell(""),
        text_cell(""),
        text_cell(""),
        count_cell(total.target),
        count_cell(total.counts.registered),
        count_cell(total.counts.pending),
        count_cell(total.gap),
        percent_cell(total.completion),
    )
    return Row(kind, level, cells, org.pk if org else None, org.code if org else "")


def _subtotal_row(group: LineGroup, level: int) -> Row:
    label = _("%(name)s subtotal") % {"name": selectors.short_name(group.organization)}
    return _sum_row(RowKind.SUBTOTAL, label, group.sum, level, group.organization)


def _area_row(area: AreaLine, root: Organization) -> Row:
    cells = (
        text_cell(_("%(name)s as a whole (built-up area)") % {"name": selectors.short_name(root)}),
        text_cell(_("Built-up area population")),
        count_cell(area.denominator.value, missing=_("not recorded")),
        rate_cell(area.rate),
        count_cell(area.target),
        count_cell(area.counts.registered),
        count_cell(area.counts.pending),
        count_cell(area.gap),
        percent_cell(area.completion),
    )
    return Row(RowKind.AREA, 0, cells, root.pk, root.code)


def notes(result: Allocation) -> tuple[str, ...]:
    found = [
        _(
            "Counted: registered volunteers (confirmed by the person, not suspended or "
            "cancelled, re-registered where required) confirmed on or before the reference "
            "date. Applications awaiting confirmation are shown beside them and never counted."
        ),
        _(
            "A unit counts the volunteers whose work unit it is, wherever they registered; a "
            "community or village counts those registered through its station or below it. "
            "Target = the rate × the headcount (a school's staff and students aged 14 and "
            "over; a community's resident population), rounded up."
        ),
        _(
            "Subtotals and the total add their rows: a volunteer may count toward a work unit "
            "and a community. The gap adds each unit's gap; the completion is the counted "
            "volunteers of the rows with a target over their targets."
        ),
    ]
    if result.area is not None:
        found.append(
            _(
                "The last line counts each registered volunteer of the city once, against the "
                "city rate of the resident population of the built-up area."
            )
        )
        if result.area.denominator.missing:
            found.append(
                _("Divisions of the built-up area without a resident population: %(codes)s.")
                % {"codes": "、".join(result.area.denominator.missing)}
            )
        elif not result.area.denominator.divisions:
            found.append(_("The city has not marked its built-up urban area."))
    return tuple(found)


def table(result: Allocation, *, preparer: str, prepared_on: date) -> StatisticsTable:
    """Attachment 3 as a StatisticsTable for the page, the xlsx, the PDF, the CSV and the API."""
    rows = flatten(result.top, line_row=line_row, subtotal_row=_subtotal_row)
    rows.append(_sum_row(RowKind.TOTAL, _("Total"), result.total, 0, None))
    if result.area is not None:
        rows.append(_area_row(result.area, result.root))
    return StatisticsTable(
        number=NUMBER,
        title=title(),
        unit_name=result.root.name,
        unit_code=result.root.code,
        reference_date=result.day,
        prepared_on=prepared_on,
        preparer=preparer,
        columns=columns(),
        rows=tuple(rows),
        notes=notes(result),
    )


def build(root: Organization, day: date, *, preparer: str = "") -> StatisticsTable:
    """Attachment 3 for `root`'s subtree on `day`, prepared today by `preparer`: what the page,
    the files, the command and the API show. Raises ValidationError for a future date."""
    return table(allocation(root, day), preparer=preparer, prepared_on=selectors.local_today())
