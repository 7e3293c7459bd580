"""Attachment 5 of the plan, the registered-volunteer statistics table (注册志愿者统计表), for any
subtree and reference date.

Who counts is the one definition (`counting.counted_on`: registered volunteers confirmed on or
before the reference date); applications awaiting confirmation stand in their own column and
are never added in.

One row per organisation through which volunteers registered (`Volunteer.organization`),
and one per community's or village's station even without any. A station's row also counts
those registered through its team or any organisation below it, a work unit's those through its
departments: a row is a community or a unit, as offices report them. Rows nest under the
districts and streets above them (`nesting`); a service centre's own registrations are a row of
its street. A subtotal adds every row below it and the total every row: each volunteer once.

The columns, counted in GROUP BY queries over the registrations of the subtree (`_counted`):
- counted; awaiting confirmation; new this year (confirmed since 1 January of the reference
  date's year);
- by gender; by age on the reference date: under 18, 18–35, 36–59, 60 and over;
- by political status: party members (probationary ones included), league members, the
  public, others (democratic parties, non-partisans);
- by education, and by occupation group: the occupation a volunteer gave is free text, so its
  group is read from keywords (`OCCUPATION_GROUPS`, the first group whose keywords it holds);
- the resident population where known and the counted volunteers' share of it, rounded half up
  to one decimal: a station's row of its community's divisions, a subtotal of its street's or
  district's, the total of the subtree's top organisation's.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiyuan.organizations.enums import OrgKind
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import counting, selectors
from zhiyuan.reports.attachment3 import check_day
from zhiyuan.reports.enums import RowKind
from zhiyuan.reports.nesting import Group, flatten, nest
from zhiyuan.reports.selectors import Denominator
from zhiyuan.reports.tables import (
    Align,
    Cell,
    Column,
    Row,
    StatisticsTable,
    count_cell,
    percent,
    percent_cell,
    text_cell,
)
from zhiyuan.volunteers.enums import Education, PoliticalStatus

NUMBER = 5
STEP = Organization.steplen

#: Organisations a row stands for with everything below them (a community, a unit).
WHOLE_KINDS = (OrgKind.SERVICE_STATION, OrgKind.WORK_UNIT)

#: Occupation groups, in order: a volunteer's group is the first whose keywords their
#: occupation holds ("退休教师" is retired, not staff); none: other or not given.
OCCUPATION_GROUPS: tuple[tuple[str, Promise, tuple[str, ...]], ...] = (
    ("occupation_retired", gettext_lazy("Retired"), ("退休", "离休")),
    ("occupation_student", gettext_lazy("Students"), ("学生", "在读", "在校")),
    (
        "occupation_official",
        gettext_lazy("Officials of party and government organs"),
        ("公务员", "干部", "机关", "参公"),
    ),
    (
        "occupation_staff",
        gettext_lazy("Staff of enterprises and institutions"),
        (
            "职工",
            "员工",
            "职员",
            "教师",
            "老师",
            "医生",
            "护士",
            "医务",
            "工程师",
            "工人",
            "会计",
            "经理",
            "律师",
            "社工",
            "技术",
            "企业",
            "事业单位",
            "农民工",
        ),
    ),
    ("occupation_farmer", gettext_lazy("Farmers"), ("农民", "务农", "村民", "渔民")),
)


def title() -> str:
    return _("Registered volunteer statistics table")


# --- what is counted -------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """A column: its key, heading and the condition on a registration that SQL counts (None:
    every counted one, or, for an occupation group, the group `occupation_key` gives)."""

    key: str
    label: Promise | str
    condition: Q | None = None


def years_before(day: date, years: int) -> date:
    """The latest birth date of a person `years` old on `day` (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


OTHER_OCCUPATION = "occupation_other"


@lru_cache(maxsize=4096)
def occupation_key(occupation: str) -> str:
    """The key of an occupation's group: the first group whose keywords it holds, else
    OTHER_OCCUPATION ("退休教师" is retired)."""
    for key, _label, keywords in OCCUPATION_GROUPS:
        if any(keyword in occupation for keyword in keywords):
            return key
    return OTHER_OCCUPATION


def occupations() -> tuple[Measure, ...]:
    """The occupation groups' columns (counted by `occupation_group`, not by a condition)."""
    return (
        *(Measure(key, label) for key, label, _keywords in OCCUPATION_GROUPS),
        Measure(OTHER_OCCUPATION, gettext_lazy("Other or not given")),
    )


def measures(day: date) -> tuple[Measure, ...]:
    """The columns counted by a condition for `day`, in the table's order."""
    adult, young, old = years_before(day, 18), years_before(day, 36), years_before(day, 60)
    party = [PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY_PARTY_MEMBER]
    others = [PoliticalStatus.DEMOCRATIC_PARTY, PoliticalStatus.NON_PARTISAN]
    return (
        Measure("registered", gettext_lazy("Registered volunteers counted"), None),
        Measure("new", gettext_lazy("New this year"), Q(registered_on__gte=date(day.year, 1, 1))),
        Measure("male", gettext_lazy("Male"), Q(gender="male")),
        Measure("female", gettext_lazy("Female"), Q(gender="female")),
        Measure("age_under_18", gettext_lazy("Under 18"), Q(birth_date__gt=adult)),
        Measure("age_18_35", "18–35", Q(birth_date__lte=adult, birth_date__gt=young)),
        Measure("age_36_59", "36–59", Q(birth_date__lte=young, birth_date__gt=old)),
        Measure("age_60_up", gettext_lazy("60 and over"), Q(birth_date__lte=old)),
        Measure("party", gettext_lazy("Party members"), Q(political_status__in=party)),
        Measure(
            "league",
            gettext_lazy("League members"),
            Q(political_status=PoliticalStatus.LEAGUE_MEMBER),
        ),
        Measure("public", gettext_lazy("The public"), Q(political_status=PoliticalStatus.PUBLIC)),
        Measure(
            "political_other",
            gettext_lazy("Other political status"),
            Q(political_status__in=others),
        ),
        Measure(
            "education_postgraduate",
            gettext_lazy("Postgraduate"),
            Q(education=Education.POSTGRADUATE),
        ),
        Measure(
            "education_undergraduate",
            gettext_lazy("Undergraduate"),
            Q(education=Education.UNDERGRADUATE),
        ),
        Measure(
            "education_college", gettext_lazy("Junior college"), Q(education=Education.COLLEGE)
        ),
        Measure(
            "education_senior",
            gettext_lazy("Senior secondary or vocational"),
            Q(education=Education.SENIOR_SECONDARY),
        ),
        Measure(
            "education_junior",
            gettext_lazy("Junior secondary or below"),
            Q(education__in=[Education.JUNIOR_SECONDARY, Education.PRIMARY]),
        ),
        Measure("education_none", gettext_lazy("Education not given"), Q(education="")),
    )


Figures = dict[str, int]


def _add(figures: list[Figures]) -> Figures:
    found: Figures = defaultdict(int)
    for one in figures:
        for key, value in one.items():
            found[key] += value
    return dict(found)


# --- the figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One organisation's row: its figures (by measure key, and "pending")."""

    organization: Organization
    figures: Figures


class LineGroup(Group[Line]):
    """A district's or street's part of the table, with what its subtotal adds."""

    groups: list["LineGroup"]  # type: ignore[assignment]  # `nest` makes them of this class

    @cached_property
    def figures(self) -> Figures:
        """Its lines' figures and its groups' (each line once, however deep the nesting);
        read once the table is nested."""
        return _add([*(line.figures for line in self.lines), *(g.figures for g in self.groups)])


@dataclass(frozen=True)
class Statistics:
    """Attachment 5's figures for `root`'s subtree on `day`: the nested rows, and the
    population on the day of each station's, grouping organisation's and the top one's
    jurisdiction (by organisation id; absent: it has none)."""

    root: Organization
    day: date
    top: LineGroup
    populations: dict[int, Denominator]

    @property
    def total(self) -> Figures:
        return self.top.figures

    def population_of(self, line: Line) -> Denominator | None:
        """A station's row's population; other rows count only part of their area: none."""
        if line.organization.kind != OrgKind.SERVICE_STATION:
            return None
        return self.populations.get(line.organization.pk)


@counting.report_transaction()
def statistics(root: Organization, day: date) -> Statistics:
    """The figures of Attachment 5 for `root`'s subtree on `day`. Raises ValidationError for a
    future date. A fixed number of queries, whatever the size of the subtree."""
    check_day(day)
    subtree = counting.Subtree(root)
    per_path = _counted(subtree, day)
    pending_counts = subtree.grouped(
        counting.pending_applications(day), "organization", counting.registrations()
    )
    for path, pending in pending_counts.items():
        per_path.setdefault(path, {})["pending"] = pending
    whole = set(
        Organization.objects.filter(path__startswith=root.path, kind__in=WHOLE_KINDS).values_list(
            "path", flat=True
        )
    )
    by_holder: dict[str, list[Figures]] = defaultdict(list)
    for path, figures in per_path.items():
        by_holder[_holder(path, root, whole)].append(figures)
    organizations = Organization.objects.filter(
        Q(path__in=list(by_holder))
        | Q(path__startswith=root.path, is_active=True) & selectors.COMMUNITY
    ).order_by("path")
    empty = dict.fromkeys(figure_keys(day), 0)
    lines = [Line(org, {**empty, **_add(by_holder.get(org.path, []))}) for org in organizations]
    top = nest(root, lines, lambda line: line.organization.path, own_group=True, kind=LineGroup)
    groups = [group.organization for group in _groups(top)]
    stations = [
        line.organization for line in lines if line.organization.kind == OrgKind.SERVICE_STATION
    ]
    populations = _populations([*stations, *groups, root], day)
    return Statistics(root, day, top, populations)


def figure_keys(day: date) -> list[str]:
    """The keys of a row's figures, in the order of the table's columns."""
    keys = [m.key for m in (*measures(day), *occupations())]
    return [keys[0], "pending", *keys[1:]]


def _counted(subtree: counting.Subtree, day: date) -> dict[str, Figures]:
    """Per path of an organisation registered through: the measures of its counted volunteers
    and their numbers per occupation group. Two queries: the measures grouped by the
    organisation, and the counts grouped by the organisation and the occupation as given (a
    few rows per organisation), each occupation put in its group here (`occupation_key`: a
    condition per group in SQL would test each keyword on every row)."""
    counted = counting.counted_on(day)
    found = subtree.measured(
        counted, "organization", {m.key: counting.registrations(m.condition) for m in measures(day)}
    )
    by_occupation = subtree.measured(
        counted, "organization", {"n": counting.registrations()}, split="occupation"
    )
    for path, figures in by_occupation.items():
        for key, value in figures.items():
            if key.startswith("occupation:"):
                found[path][occupation_key(key.removeprefix("occupation:"))] += value
    return found


def _groups(group: LineGroup) -> list[LineGroup]:
    found = []
    for child in group.groups:
        found += [child, *_groups(child)]
    return found


def _holder(path: str, root: Organization, whole: set[str]) -> str:
    """The path of the row `path`'s registrations count in: the highest station or work unit
    at or above it in the subtree, else the organisation itself."""
    for end in range(len(root.path), len(path) + 1, STEP):
        if path[:end] in whole:
            return path[:end]
    return path


def _populations(organizations: list[Organization], day: date) -> dict[int, Denominator]:
    """Per organisation id: the resident population of its jurisdiction on `day`, where every
    division of it has one (`selectors.population_total`). Two queries."""
    through = Organization.jurisdiction.through.objects.filter(
        organization_id__in={org.pk for org in organizations}
    )
    codes: dict[int, list[str]] = defaultdict(list)
    for organization_id, code in through.values_list("organization_id", "division_id"):
        codes[organization_id].append(code)
    figures = selectors.populations_on([c for found in codes.values() for c in found], day)
    return {pk: selectors.population_total(sorted(found), figures) for pk, found in codes.items()}


# --- the table -------------------------------------------------------------------------------


def columns(day: date) -> tuple[Column, ...]:
    """The organisation, the counted figures (`figure_keys`), the population and the share.
    Widths in millimetres, 262.5 in all (A4 landscape less 15 mm margins: 267)."""
    labels = {m.key: str(m.label) for m in (*measures(day), *occupations())}
    labels["pending"] = _("Awaiting confirmation (not counted)")
    return (
        Column("unit", _("Organisation"), Align.LEFT, 33.5),
        *(Column(key, labels[key], Align.RIGHT, 8.1) for key in figure_keys(day)),
        Column("population", _("Resident population"), Align.RIGHT, 15),
        Column("share", _("Share of the population"), Align.RIGHT, 11),
    )


class _Cells:
    """A row's cells; a number's cell made once per table (cells are immutable: some 90,000
    of a city's table are a few hundred distinct numbers)."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self.counts: dict[int | None, Cell] = {}

    def count(self, value: int | None) -> Cell:
        cell = self.counts.get(value)
        if cell is None:
            cell = self.counts[value] = count_cell(value)
        return cell

    def __call__(
        self, label: str, figures: Figures, population: Denominator | None
    ) -> tuple[Cell, ...]:
        value = population.value if population is not None else None
        share = None if value is None else percent(figures["registered"], value)
        count = self.count
        return (
            text_cell(label),
            *[count(figures[key]) for key in self.keys],
            count(value),
            percent_cell(share),
        )


def _name(organization: Organization) -> str:
    """A station's row is its community's ("郭亮社区"); other rows name the organisation."""
    if organization.kind == OrgKind.SERVICE_STATION:
        return selectors.short_name(organization)
    return organization.name


def notes() -> tuple[str, ...]:
    return (
        _(
            "Counted: registered volunteers (confirmed by the person, not suspended or "
            "cancelled, re-registered where required) confirmed on or before the reference "
            "date. Applications awaiting confirmation are shown beside them and never counted."
        ),
        _(
            "Each row counts the volunteers registered through its organisation; a station's "
            "row also those registered through its team and below it, a unit's those through "
            "its departments. Subtotals and the total add the rows below them: each volunteer "
            "once."
        ),
        _(
            "Ages are on the reference date; new this year: confirmed since 1 January. The "
            "occupation group is read from the occupation each volunteer gave."
        ),
        _(
            "Share of the population: the counted volunteers over the resident population of "
            "a station's community, or of the street, district or area of a subtotal or the "
            "total, where it is recorded."
        ),
    )


def table(result: Statistics, *, preparer: str, prepared_on: date) -> StatisticsTable:
    """Attachment 5 as a StatisticsTable for the page, the xlsx, the PDF, the CSV and the API."""
    day = result.day
    keys = figure_keys(day)
    cells = _Cells(keys)

    def line_row(line: Line, level: int) -> Row:
        org = line.organization
        return Row(
            RowKind.UNIT,
            level,
            cells(_name(org), line.figures, result.population_of(line)),
            org.pk,
            org.code,
        )

    def subtotal_row(group: LineGroup, level: int) -> Row:
        org = group.organization
        label = _("%(name)s subtotal") % {"name": selectors.short_name(org)}
        figures = cells(label, group.figures, result.populations.get(org.pk))
        return Row(RowKind.SUBTOTAL, level, figures, org.pk, org.code)

    rows = flatten(result.top, line_row=line_row, subtotal_row=subtotal_row)
    total = result.populations.get(result.root.pk)
    figures = {**dict.fromkeys(keys, 0), **result.total}
    rows.append(Row(RowKind.TOTAL, 0, cells(_("Total"), figures, total)))
    return StatisticsTable(
        number=NUMBER,
        title=title(),
        unit_name=result.root.name,
        unit_code=result.root.code,
        reference_date=day,
        prepared_on=prepared_on,
        preparer=preparer,
        columns=columns(day),
        rows=tuple(rows),
        notes=notes(),
        compact=True,
    )


def build(root: Organization, day: date, *, preparer: str = "") -> StatisticsTable:
    """Attachment 5 for `root`'s subtree on `day`, prepared today by `preparer`. Raises
    ValidationError for a future date."""
    return table(statistics(root, day), preparer=preparer, prepared_on=selectors.local_today())
