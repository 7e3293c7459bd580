"""The board: each organisation's state on each step, computed exactly on the fixture with
frozen dates (tests/workplan/conftest.py)."""

from datetime import date

import pytest

from tests.workplan.conftest import AFTER_A, AFTER_B, BEFORE, CITY, DISTRICT, GUOLIANG, Plan, org
from zhiyuan.workplan import selectors


def _states(board: selectors.Board) -> list[tuple[str, list[str | None]]]:
    return [(row.organization.code, [cell.state for cell in row.cells]) for row in board.rows]


pytestmark = pytest.mark.django_db

ROWS = ["430602001-SC", GUOLIANG, "430602001002-ST", "U-WP-SCHOOL"]


def test_before_the_due_dates_nothing_is_late(plan: Plan) -> None:
    board = selectors.board(plan.street, day=BEFORE)
    assert [s.name for s in board.steps] == ["准备部署", "规范建站"]
    assert _states(board) == [
        ("430602001-SC", ["done", "returned"]),
        (GUOLIANG, ["pending", "pending"]),
        ("430602001002-ST", ["missing", "missing"]),
        ("U-WP-SCHOOL", ["returned", None]),
    ]
    assert board.counts[plan.a.pk] == {
        "done": 1,
        "late": 0,
        "returned": 1,
        "pending": 1,
        "missing": 1,
    }
    assert board.counts[plan.b.pk] == {
        "done": 0,
        "late": 0,
        "returned": 1,
        "pending": 1,
        "missing": 1,
    }
    assert board.totals == {"done": 1, "late": 0, "returned": 2, "pending": 2, "missing": 2}


def test_after_a_due_date_every_cell_without_an_accepted_report_is_late(plan: Plan) -> None:
    board = selectors.board(plan.street, day=AFTER_A)
    assert _states(board) == [
        ("430602001-SC", ["done", "returned"]),
        (GUOLIANG, ["late", "pending"]),
        ("430602001002-ST", ["late", "missing"]),
        ("U-WP-SCHOOL", ["late", None]),
    ]
    on_the_due_day = selectors.board(plan.street, day=date(2026, 6, 15))
    assert [row.cells[1].state for row in on_the_due_day.rows] == [
        "returned",
        "pending",
        "missing",
        None,
    ]
    after = selectors.board(plan.street, day=AFTER_B)
    assert [row.cells[1].state for row in after.rows] == ["late", "late", "late", None]
    assert after.totals == {"done": 1, "late": 6, "returned": 0, "pending": 0, "missing": 0}


def test_the_board_filters_by_subtree(plan: Plan) -> None:
    district = selectors.board(org(DISTRICT), day=BEFORE)
    codes = [row.organization.code for row in district.rows]
    assert codes[:1] == ["430602001-SC"] and set(ROWS) <= set(codes)
    assert all(code.startswith(("430602", "U-WP")) for code in codes)
    station = selectors.board(plan.guoliang, day=BEFORE)
    assert _states(station) == [(GUOLIANG, ["pending", "pending"])]
    city = selectors.board(org(CITY), day=BEFORE)
    assert len(city.rows) > len(district.rows)


def test_the_board_reads_in_three_queries(
    plan: Plan, django_assert_max_num_queries: object
) -> None:
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        selectors.board(org(CITY), day=BEFORE)


def test_the_to_do_list_of_a_street(plan: Plan, street_admin: object) -> None:
    found = selectors.to_report(street_admin, day=BEFORE)
    assert [(t.step.name, t.organization.code, t.state) for t in found] == [
        ("准备部署", "430602001-SC", "done"),
        ("规范建站", "430602001-SC", "returned"),
    ]
