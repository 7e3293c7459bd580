"""Parts add up to their whole: the dashboard's children to its headline, and every subtotal
of Attachments 3 and 5 to the rows under it; where a figure is deliberately not added in (a
volunteer counts toward their work unit's task and their community's, the city as a whole
counts each once), the page says so.

A small hand-checked fixture on top of `targets` (tests/reports/conftest.py: v1, v2, v4, v6
counted in 岳阳楼区, v3 pending, v5 suspended), across the management area
岳阳经济技术开发区 (YYETDZ-GC), whose township's centre 430602402-SC stands under it in the tree
although the township belongs to 岳阳楼区 in the statistics:
- m1 registered through the management area's township centre, work unit 区政府办 (in 岳阳楼区);
- m2 registered through the same centre, no work unit;
- m3 applied through the management area's volunteer association (pending);
- c1 registered through the city's volunteer association, no work unit.

By the organisation registered through, each once: 岳阳楼区 v1 v2 v4 v6 (4, pending v3),
云溪区 none, the management area m1 m2 (2, pending m3), the rest of the city c1 (1): 7 counted
and 2 pending, the city's headline. By Attachment 3's tasks: 岳阳楼区 counts v1 twice (市一中 and
郭亮社区) and m1 (区政府办): 1 + 2 (区政府办: v4, m1) + 2 (郭亮社区) + 0 (汴河社区) toward its
255 targeted = 5 (2.0 %), 6 with 无人数公司's v6; the management area's station (no population)
counts nobody.
"""

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from tests.reports.conftest import CITY, Fixture
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import attachment3, attachment5, dashboard
from zhiyuan.reports.enums import RowKind
from zhiyuan.reports.tables import StatisticsTable

pytestmark = pytest.mark.django_db

AREA = "YYETDZ-GC"
AREA_CENTRE = "430602402-SC"


@pytest.fixture
def across(targets: Fixture, city_admin: User) -> Fixture:
    people.registered(city_admin, AREA_CENTRE, work_unit=targets.office.code)
    people.registered(city_admin, AREA_CENTRE)
    people.apply(city_admin, "YYETDZ-VA")
    people.registered(city_admin, "4306-VA")
    return targets


def _org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def test_the_dashboards_children_add_up_to_its_headline(across: Fixture) -> None:
    board = dashboard.build(_org(CITY), across.today)
    rows = [
        (
            p.organization.code,
            p.rest,
            p.counts.registered,
            p.counts.pending,
            p.target,
            p.counted_for_tasks,
            p.completion,
        )
        for p in board.progress
    ]
    assert rows == [
        ("430602-GC", False, 4, 1, 255, 6, Decimal("2.0")),
        ("430603-GC", False, 0, 0, None, 0, None),
        (AREA, False, 2, 1, None, 0, None),
        (CITY, True, 1, 0, None, 0, None),
    ]
    assert (board.headline.counted, board.headline.pending) == (7, 2)
    assert sum(p.counts.registered for p in board.progress) == board.headline.counted
    assert sum(p.counts.pending for p in board.progress) == board.headline.pending


def test_a_childs_row_is_its_own_dashboards_headline(across: Fixture) -> None:
    city = dashboard.build(_org(CITY), across.today)
    for row in city.progress:
        if row.rest:
            continue
        own = dashboard.build(row.organization, across.today).headline
        assert (row.counts.registered, row.counts.pending) == (own.counted, own.pending)


def test_a_streets_rows_add_up_with_its_centres_own_registrations(across: Fixture) -> None:
    street = dashboard.build(_org("430602001-SC"), across.today)
    # 郭亮社区 v1 v2 (pending v3); the centre itself v4 (v5 suspended).
    assert [(p.name, p.rest, p.counts.registered, p.counts.pending) for p in street.progress] == [
        ("汴河社区", False, 0, 0),
        ("郭亮社区", False, 2, 1),
        ("市一中", False, 0, 0),
        ("岳阳楼街道", True, 1, 0),
    ]
    assert sum(p.counts.registered for p in street.progress) == street.headline.counted == 3


def test_the_page_adds_up_and_says_why_the_task_figures_do_not(
    across: Fixture, login_en: Callable[[User], Client], city_admin: User
) -> None:
    page = login_en(city_admin).get("/reports/dashboard/").content.decode()
    assert '<b class="tile-value" id="counted">7</b>' in page
    assert '<td class="right" id="progress-counted">7</td>' in page
    assert "Elsewhere in 岳阳市" in page
    assert "the rows add up to the count above" in page
    assert "one volunteer may count toward two tasks and these figures do not add up" in page


def _sums_add_up(table: StatisticsTable, key: str) -> int:
    """Checks that each subtotal of `table` (rows nested as `nesting.flatten` lays them out: a
    group's lines at its level, its groups one level deeper, then its subtotal at its level)
    and the total add up the column `key` of the rows under them; returns the total."""
    column = [c.key for c in table.columns].index(key)
    lines: dict[int, int] = defaultdict(int)
    subtotals: dict[int, int] = defaultdict(int)
    total = None
    for row in table.rows:
        value = row.cells[column].number
        assert isinstance(value, int), row.texts
        if row.kind == RowKind.UNIT:
            lines[row.level] += value
        elif row.kind == RowKind.SUBTOTAL:
            assert value == lines[row.level] + subtotals[row.level + 1], row.texts
            lines[row.level] = subtotals[row.level + 1] = 0
            subtotals[row.level] += value
        elif row.kind == RowKind.TOTAL:
            assert value == lines[0] + subtotals[1], row.texts
            total = value
    assert total is not None
    return total


def test_attachment5s_subtotals_add_up_to_the_headline_each_volunteer_once(
    across: Fixture,
) -> None:
    with translation.override("en"):
        table = attachment5.build(_org(CITY), across.today)
    assert _sums_add_up(table, "registered") == 7
    assert _sums_add_up(table, "pending") == 2
    subtotals = {r.organization_code: r.cells[1].number for r in table.rows if r.is_sum}
    assert (subtotals["430602-GC"], subtotals[AREA], subtotals[""]) == (4, 2, 7)
    assert any("each volunteer once" in note for note in table.notes)


def test_attachment3s_subtotals_add_their_rows_and_the_city_line_stands_beside(
    across: Fixture,
) -> None:
    with translation.override("en"):
        table = attachment3.build(_org(CITY), across.today)
    # v1 counts toward 市一中 and 郭亮社区, m1 toward 区政府办 though registered in the area.
    assert _sums_add_up(table, "registered") == 6
    assert _sums_add_up(table, "pending") == 2  # v3 toward 市一中 and 郭亮社区
    area = [row for row in table.rows if row.kind == RowKind.AREA]
    assert [(row.texts[5], row.texts[6]) for row in area] == [("7", "2")]
    assert any("a volunteer may count toward a work unit and a community" in n for n in table.notes)
    assert any("counts each registered volunteer of the city once" in n for n in table.notes)
