"""What Attachments 6 (stations) and 7 (teams) share: a line per station or team with its
standard's items as assessed on the reference date, the people it counts, and its activities
and service hours of the year so far; the items' columns; the trailing figures' cells; and the
subtotals, which count the stations or teams, how many meet each item and every item, and add
the people, activities and hours (in minutes, then shown as hours).

Activities and hours count what the station or team organised and what any organisation
below it organised (a station's team): `counting.activities_by_organizer`,
`counting.minutes_by_organizer`, rolled up to the nearest station or team above.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zhiyuan.organizations.models import Organization
from zhiyuan.reports import counting, selectors
from zhiyuan.reports.enums import RowKind
from zhiyuan.reports.nesting import Group, flatten
from zhiyuan.reports.standards import selectors as standards
from zhiyuan.reports.standards.models import StandardItem
from zhiyuan.reports.tables import (
    Align,
    Cell,
    Column,
    Row,
    count_cell,
    hours_cell,
    met_cell,
    text_cell,
)

#: A4 landscape less 15 mm margins, less a little: the width the columns share.
PAGE_MM = 263
ITEM_MM = (8, 12)  # the narrowest and widest item column
#: More item columns than this only fit in the smaller type (`StatisticsTable.compact`).
ITEMS_AT_NORMAL_SIZE = 6


@dataclass(frozen=True)
class Line:
    """A station's or team's row: its items (code → met, None: never assessed, on the day),
    the people it counts (a station's registered volunteers, a team's members), and its
    activities and counted service minutes of the year up to the day."""

    organization: Organization
    items: dict[str, bool | None]
    people: int
    activities: int
    minutes: int

    @property
    def met(self) -> int:
        return sum(1 for met in self.items.values() if met)

    @property
    def all_met(self) -> bool:
        return bool(self.items) and all(self.items.values())


@dataclass(frozen=True)
class Sum:
    """What a subtotal or the total adds: how many lines, how many meet each item and all of
    them, and their people, activities and minutes."""

    lines: int
    items: dict[str, int]
    all_met: int
    people: int
    activities: int
    minutes: int


class LineGroup(Group[Line]):
    """A district's or street's part of Attachment 6 or 7, with its subtotal."""

    groups: list["LineGroup"]  # type: ignore[assignment]  # `nest` makes them of this class

    def sum(self, codes: list[str]) -> Sum:
        lines = list(self.all_lines())
        return Sum(
            len(lines),
            {code: sum(1 for line in lines if line.items.get(code)) for code in codes},
            sum(1 for line in lines if line.all_met),
            sum(line.people for line in lines),
            sum(line.activities for line in lines),
            sum(line.minutes for line in lines),
        )


@dataclass(frozen=True)
class Standing:
    """Attachment 6's or 7's figures for `root`'s subtree on `day`: the stations or teams
    nested by the tree, and the items in force."""

    root: Organization
    day: date
    items: list[StandardItem]
    top: LineGroup

    @property
    def codes(self) -> list[str]:
        return [item.code for item in self.items]

    @property
    def total(self) -> Sum:
        return self.top.sum(self.codes)

    @property
    def compact(self) -> bool:
        return len(self.items) > ITEMS_AT_NORMAL_SIZE


@dataclass(frozen=True)
class Year:
    """Activities and counted minutes per station or team path (rolled up from below)."""

    activities: dict[str, int]
    minutes: dict[str, int]


def this_year(subtree: counting.Subtree, paths: list[str], day: date) -> Year:
    """The activities and counted minutes of `day`'s year up to it, per path of `paths`
    (stations or teams), from the organiser and any organisation below it. Two queries."""
    return Year(
        counting.roll_up(counting.activities_by_organizer(subtree, day), paths),
        counting.roll_up(counting.minutes_by_organizer(subtree, day), paths),
    )


def standing_items(
    root: Organization, standard: str, organizations: list[Organization], day: date
) -> tuple[list[StandardItem], dict[int, dict[str, bool | None]]]:
    """The items in force under `root` and, per organisation id, each item's standing on
    `day` (None: never assessed). Three queries at most."""
    items = standards.items_for(root, standard).active
    found = standards.standing_in_subtree(root, standard, day)
    return items, {
        org.pk: {item.code: found.get((org.pk, item.code)) for item in items}
        for org in organizations
    }


def item_columns(items: list[StandardItem], room_mm: float) -> tuple[list[Column], float]:
    """A column per item, headed by its short name, and one for the items met; and the width
    left over (the caller widens a column of long text by it)."""
    width = max(ITEM_MM[0], min(ITEM_MM[1], (room_mm - 10) / max(len(items), 1)))
    columns = [Column(f"item_{item.code}", item.heading, Align.CENTRE, width) for item in items]
    columns.append(Column("items_met", _("Items met"), Align.RIGHT, 10))
    return columns, max(room_mm - 10 - width * len(items), 0)


def item_cells(line: Line, items: list[StandardItem]) -> list[Cell]:
    return [*(met_cell(line.items.get(item.code)) for item in items), count_cell(line.met)]


def year_cells(activities: int, minutes: int) -> list[Cell]:
    return [count_cell(activities), hours_cell(minutes)]


def year_columns() -> list[Column]:
    return [
        Column("activities", _("Activities this year"), Align.RIGHT, 14),
        Column("hours", _("Service hours this year"), Align.RIGHT, 16),
    ]


def table_rows(
    result: Standing,
    columns: tuple[Column, ...],
    line_row: Callable[[Line, int], Row],
    *,
    people: str,
    teams: bool,
) -> list[Row]:
    """The table's rows: each line's (`line_row`), each district's and street's subtotal and
    the total. A sum row gives its label, then, by column key, how many of its stations or
    teams meet each item and every item, the sum of the `people` column, and the year's
    activities and hours; its other cells are blank."""

    def sum_row(kind: str, label: str, total: Sum, level: int, org: Organization | None) -> Row:
        activities, hours = year_cells(total.activities, total.minutes)
        by_key = {
            **{f"item_{code}": count_cell(met) for code, met in total.items.items()},
            "items_met": count_cell(total.all_met),
            people: count_cell(total.people),
            "activities": activities,
            "hours": hours,
        }
        cells = (text_cell(label), *(by_key.get(c.key, text_cell("")) for c in columns[1:]))
        return Row(kind, level, cells, org.pk if org else None, org.code if org else "")

    def subtotal_row(group: LineGroup, level: int) -> Row:
        total = group.sum(result.codes)
        label = sum_label(selectors.short_name(group.organization), total.lines, teams=teams)
        return sum_row(RowKind.SUBTOTAL, label, total, level, group.organization)

    found = flatten(result.top, line_row=line_row, subtotal_row=subtotal_row)
    total = result.total
    found.append(sum_row(RowKind.TOTAL, total_label(total.lines, teams=teams), total, 0, None))
    return found


def sum_label(name: str, count: int, *, teams: bool) -> str:
    """ "岳阳楼街道 subtotal: 2 stations" (or teams)."""
    if teams:
        return ngettext(
            "%(name)s subtotal: %(count)s team", "%(name)s subtotal: %(count)s teams", count
        ) % {"name": name, "count": count}
    return ngettext(
        "%(name)s subtotal: %(count)s station", "%(name)s subtotal: %(count)s stations", count
    ) % {"name": name, "count": count}


def total_label(count: int, *, teams: bool) -> str:
    if teams:
        return ngettext("Total: %(count)s team", "Total: %(count)s teams", count) % {"count": count}
    return ngettext("Total: %(count)s station", "Total: %(count)s stations", count) % {
        "count": count
    }


def item_notes(items: list[StandardItem], *, teams: bool) -> list[str]:
    """What the item columns mean, naming each item in full."""
    listed = "；".join(f"{item.heading}: {item.label}" for item in items)
    return [
        _(
            "Items as assessed on the reference date: Yes, No, or — where never assessed "
            "(%(items)s). In a subtotal or the total, the number meeting each item and every "
            "item."
        )
        % {"items": listed},
        _(
            "Activities this year: those published or held with a slot from 1 January to the "
            "reference date, organised by the team or below it; service hours: the hours "
            "confirmed for records starting then, corrections counted in place of what they "
            "correct."
        )
        if teams
        else _(
            "Activities this year: those published or held with a slot from 1 January to the "
            "reference date, organised by the station or below it (its team); service hours: "
            "the hours confirmed for records starting then, corrections counted in place of "
            "what they correct."
        ),
    ]
