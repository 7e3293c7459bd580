"""Attachment 7 of the plan, the service-team statistics table (志愿者服务队统计表), for any
subtree and reference date.

One row per active service team and general service team, nested under the districts and
streets above it (`nesting`): its name, its kind (and specialty), the organisation it stands
under, its leader and the leader's contact (masked, as everywhere on screen and on paper), its
members (registered volunteers, the one definition, whose membership was approved and had not
ended on the reference date), each item of the five haves (or the city's own list) as assessed
on the reference date, its items met, and its activities and service hours of the year up to
the reference date (`standard_tables`).

The leader is the team's responsible person with its contact phone, as the organisation's page
records them; where none is recorded, the users holding the team-leader role on the team, with
the first one's mobile.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from zhiyuan.accounts.models import Role
from zhiyuan.common.masking import mask_phone
from zhiyuan.organizations.enums import OrgKind, RoleKind
from zhiyuan.organizations.models import Organization
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
from zhiyuan.volunteers.enums import MembershipStatus
from zhiyuan.volunteers.models import Membership

NUMBER = 7
TEAM_KINDS = (OrgKind.SERVICE_TEAM, OrgKind.GENERAL_SERVICE_TEAM)
#: Widths of the columns other than the items, in millimetres.
FIXED_MM = {"unit": 36, "kind": 24, "parent": 34, "leader": 16, "contact": 23, "members": 12}


def title() -> str:
    return _("Volunteer service team statistics table")


@dataclass(frozen=True)
class Leader:
    name: str
    contact: str  # masked


@dataclass(frozen=True)
class Teams(Standing):
    """Attachment 7's figures for `root`'s subtree on `day`: the teams nested by the tree, the
    items in force, each team's parent organisation (name) and leader."""

    parents: dict[str, str]
    leaders: dict[int, Leader]


def teams(root: Organization, day: date) -> Teams:
    """The figures of Attachment 7 for `root`'s subtree on `day`. Raises ValidationError for a
    future date. A fixed number of queries, whatever the size of the subtree."""
    check_day(day)
    found = list(
        Organization.objects.filter(
            path__startswith=root.path, kind__in=TEAM_KINDS, is_active=True
        ).order_by("path")
    )
    paths = [team.path for team in found]
    subtree = counting.Subtree(root)
    members = members_by_team(subtree, day)
    year = this_year(subtree, paths, day)
    items, standing = standing_items(root, Standard.TEAM, found, day)
    lines = [
        Line(
            team,
            standing[team.pk],
            members.get(team.path, 0),
            year.activities.get(team.path, 0),
            year.minutes.get(team.path, 0),
        )
        for team in found
    ]
    top = nest(root, lines, lambda line: line.organization.path, kind=LineGroup)
    return Teams(root, day, items, top, _parents(found), _leaders(found))


def members_by_team(subtree: counting.Subtree, day: date) -> dict[str, int]:
    """Per team path in the subtree: the registered volunteers (counted on `day`) whose
    membership was approved on or before `day` and had not ended by it. One query."""
    memberships = Membership.objects.filter(
        status__in=[MembershipStatus.APPROVED, MembershipStatus.LEFT],
        joined_on__lte=day,
        volunteer__in=counting.counted_on(day),
    ).filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
    found = subtree.measured(memberships, "team", {"members": Count("volunteer", distinct=True)})
    return {path: values["members"] for path, values in found.items()}


def _parents(found: list[Organization]) -> dict[str, str]:
    """Per team path: the name of the organisation directly above it. One query."""
    step = Organization.steplen
    parents = {team.path[:-step] for team in found if team.depth > 1}
    return dict(Organization.objects.filter(path__in=parents).values_list("path", "name"))


def _leaders(found: list[Organization]) -> dict[int, Leader]:
    """Per team id: its responsible person and masked contact phone, else its team leaders'
    names and the first one's masked mobile. One query (for the teams that need it)."""
    leaders = {
        team.pk: Leader(team.responsible_person, mask_phone(team.contact_phone))
        for team in found
        if team.responsible_person
    }
    roles = (
        Role.objects.filter(
            organization_id__in=[team.pk for team in found if team.pk not in leaders],
            kind=RoleKind.TEAM_LEADER,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("organization_id", "granted_at", "pk")
    )
    users: dict[int, list[Role]] = defaultdict(list)
    for role in roles:
        users[role.organization_id].append(role)
    for team_id, held in users.items():
        names = "、".join(role.user.name for role in held)
        leaders[team_id] = Leader(names, mask_phone(held[0].user.mobile))
    return leaders


# --- the table -------------------------------------------------------------------------------


def columns(items: list[StandardItem]) -> tuple[Column, ...]:
    """Widths in millimetres, 263 in all: the items share what the other columns leave, the
    name and the parent share what the items do not."""
    room = PAGE_MM - sum(FIXED_MM.values()) - sum(c.width_mm for c in year_columns())
    for_items, spare = item_columns(items, room)
    return (
        Column("unit", _("Team"), Align.LEFT, FIXED_MM["unit"] + spare / 2),
        Column("kind", _("Kind"), Align.LEFT, FIXED_MM["kind"]),
        Column("parent", _("Under"), Align.LEFT, FIXED_MM["parent"] + spare / 2),
        Column("leader", _("Leader"), Align.LEFT, FIXED_MM["leader"]),
        Column("contact", _("Contact"), Align.LEFT, FIXED_MM["contact"]),
        Column("members", _("Members"), Align.RIGHT, FIXED_MM["members"]),
        *for_items,
        *year_columns(),
    )


def _kind(team: Organization) -> str:
    """ "Service team", or "Service team · Health and medical" for a specialised one."""
    kind = str(team.get_kind_display())
    return f"{kind} · {team.get_specialty_display()}" if team.specialty else kind


def table(result: Teams, *, preparer: str, prepared_on: date) -> StatisticsTable:
    """Attachment 7 as a StatisticsTable for the page, the xlsx, the PDF, the CSV and the API."""
    items = result.items
    layout = columns(items)
    step = Organization.steplen

    def line_row(line: Line, level: int) -> Row:
        team = line.organization
        leader = result.leaders.get(team.pk, Leader("", ""))
        cells = (
            text_cell(team.name),
            text_cell(_kind(team)),
            text_cell(result.parents.get(team.path[:-step], "") or "—"),
            text_cell(leader.name or "—"),
            text_cell(leader.contact or "—"),
            count_cell(line.people),
            *item_cells(line, items),
            *year_cells(line.activities, line.minutes),
        )
        return Row(RowKind.UNIT, level, cells, team.pk, team.code)

    return StatisticsTable(
        number=NUMBER,
        title=title(),
        unit_name=result.root.name,
        unit_code=result.root.code,
        reference_date=result.day,
        prepared_on=prepared_on,
        preparer=preparer,
        columns=layout,
        rows=tuple(table_rows(result, layout, line_row, people="members", teams=True)),
        notes=(
            _(
                "Members: registered volunteers whose membership of the team was approved on "
                "or before the reference date and had not ended by it. Contacts are masked."
            ),
            *item_notes(items, teams=True),
        ),
        compact=result.compact,
    )


def build(root: Organization, day: date, *, preparer: str = "") -> StatisticsTable:
    """Attachment 7 for `root`'s subtree on `day`, prepared today by `preparer`. Raises
    ValidationError for a future date."""
    return table(teams(root, day), preparer=preparer, prepared_on=selectors.local_today())
