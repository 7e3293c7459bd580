"""Attachment 6 of the plan, the service-station statistics table (志愿者服务站统计表), for any
subtree and reference date.

One row per active service station (community stations and those of public places and homes,
plan §三(一)), nested under the districts and streets above it (`nesting`): its name, the
divisions it serves, its type and address, each item of the six haves (or the city's own list)
as assessed on the reference date, its items met, its team (the service teams directly below
it), the registered volunteers registered through it or below it (the one definition,
`counting.counted_on`), and its activities and service hours of the year up to the reference
date (`standard_tables`).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from zhiyuan.organizations.enums import OrgKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.structure import short_name as division_short_name
from zhiyuan.reports import counting, selectors
from zhiyuan.reports.attachment3 import check_day
from zhiyuan.reports.enums import RowKind
from zhiyuan.reports.nesting import nest
from zhiyuan.reports.standard_tables import (
    PAGE_MM,
    Line,
    LineGroup,
    Standing,
    item_cells,
    item_columns,
    item_notes,
    standing_items,
    table_rows,
    this_year,
    year_cells,
    year_columns,
)
from zhiyuan.reports.standards.enums import Standard
from zhiyuan.reports.standards.models import StandardItem
from zhiyuan.reports.tables import Align, Column, Row, StatisticsTable, count_cell, text_cell

NUMBER = 6
#: Widths of the columns other than the items, in millimetres.
FIXED_MM = {"unit": 26, "division": 21, "type": 26, "address": 18, "team": 35, "volunteers": 14}


def title() -> str:
    return _("Volunteer service station statistics table")


@dataclass(frozen=True)
class Stations(Standing):
    """Attachment 6's figures for `root`'s subtree on `day`: the stations nested by the tree,
    the items in force, and each station's divisions and team (names)."""

    divisions: dict[int, str]
    teams: dict[str, str]


def stations(root: Organization, day: date) -> Stations:
    """The figures of Attachment 6 for `root`'s subtree on `day`. Raises ValidationError for a
    future date. A fixed number of queries, whatever the size of the subtree."""
    check_day(day)
    found = list(
        Organization.objects.filter(
            path__startswith=root.path, kind=OrgKind.SERVICE_STATION, is_active=True
        ).order_by("path")
    )
    paths = [station.path for station in found]
    subtree = counting.Subtree(root)
    counted = counting.roll_up(subtree.grouped(counting.counted_on(day), "organization"), paths)
    year = this_year(subtree, paths, day)
    items, standing = standing_items(root, Standard.STATION, found, day)
    lines = [
        Line(
            station,
            standing[station.pk],
            counted.get(station.path, 0),
            year.activities.get(station.path, 0),
            year.minutes.get(station.path, 0),
        )
        for station in found
    ]
    top = nest(root, lines, lambda line: line.organization.path, kind=LineGroup)
    return Stations(root, day, items, top, _divisions(found), _teams(root, set(paths)))


def _divisions(found: list[Organization]) -> dict[int, str]:
    """Per station id: the divisions it serves, by their short names. One query."""
    through = Organization.jurisdiction.through.objects.filter(
        organization_id__in=[station.pk for station in found]
    ).select_related("division")
    names: dict[int, list[str]] = defaultdict(list)
    for row in through.order_by("division_id"):
        names[row.organization_id].append(division_short_name(row.division))
    return {pk: "、".join(found) for pk, found in names.items()}


def _teams(root: Organization, paths: set[str]) -> dict[str, str]:
    """Per station path: the names of the active service teams directly below it. One
    query."""
    teams = Organization.objects.filter(
        path__startswith=root.path, kind=OrgKind.SERVICE_TEAM, is_active=True
    ).order_by("path")
    names: dict[str, list[str]] = defaultdict(list)
    step = Organization.steplen
    for path, name in teams.values_list("path", "name"):
        if path[:-step] in paths:
            names[path[:-step]].append(name)
    return {path: "、".join(found) for path, found in names.items()}


# --- the table -------------------------------------------------------------------------------


def columns(items: list[StandardItem]) -> tuple[Column, ...]:
    """Widths in millimetres, 263 in all: the items share what the other columns leave, the
    address takes what the items do not."""
    room = PAGE_MM - sum(FIXED_MM.values()) - sum(c.width_mm for c in year_columns())
    for_items, spare = item_columns(items, room)
    return (
        Column("unit", _("Station"), Align.LEFT, FIXED_MM["unit"]),
        Column("division", _("Division"), Align.LEFT, FIXED_MM["division"]),
        Column("type", _("Type"), Align.LEFT, FIXED_MM["type"]),
        Column("address", _("Address"), Align.LEFT, FIXED_MM["address"] + spare),
        *for_items,
        Column("team", _("Its team"), Align.LEFT, FIXED_MM["team"]),
        Column("volunteers", _("Registered volunteers counted"), Align.RIGHT, 14),
        *year_columns(),
    )


def table(result: Stations, *, preparer: str, prepared_on: date) -> StatisticsTable:
    """Attachment 6 as a StatisticsTable for the page, the xlsx, the PDF, the CSV and the API."""
    items = result.items
    layout = columns(items)

    def line_row(line: Line, level: int) -> Row:
        station = line.organization
        cells = (
            text_cell(selectors.short_name(station)),
            text_cell(result.divisions.get(station.pk, "") or "—"),
            text_cell(str(station.get_station_type_display()) or "—"),
            text_cell(station.address or "—"),
            *item_cells(line, items),
            text_cell(result.teams.get(station.path, "") or "—"),
            count_cell(line.people),
            *year_cells(line.activities, line.minutes),
        )
        return Row(RowKind.UNIT, level, cells, station.pk, station.code)

    return StatisticsTable(
        number=NUMBER,
        title=title(),
        unit_name=result.root.name,
        unit_code=result.root.code,
        reference_date=result.day,
        prepared_on=prepared_on,
        preparer=preparer,
        columns=layout,
        rows=tuple(table_rows(result, layout, line_row, people="volunteers", teams=False)),
        notes=(
            _(
                "Registered volunteers counted: those registered through the station or an "
                "organisation below it (its team), confirmed on or before the reference date."
            ),
            *item_notes(items, teams=False),
        ),
        compact=result.compact,
    )


def build(root: Organization, day: date, *, preparer: str = "") -> StatisticsTable:
    """Attachment 6 for `root`'s subtree on `day`, prepared today by `preparer`. Raises
    ValidationError for a future date."""
    return table(stations(root, day), preparer=preparer, prepared_on=selectors.local_today())
