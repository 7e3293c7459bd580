"""The board's xlsx and PDF agree with the board, cell by cell; the command writes them."""

from pathlib import Path

import pytest
from django.core.management import call_command

from tests.reports.readback import pdf_table, squeezed, xlsx_table
from tests.workplan.conftest import AFTER_A, Plan
from zhiyuan.workplan import exports, selectors

pytestmark = pytest.mark.django_db

EXPECTED_ROWS = [
    ["岳阳楼街道志愿服务中心", "Streets and townships", "Done", "Returned"],
    ["郭亮社区志愿服务站", "Communities and villages", "Late", "Awaiting review"],
    ["汴河社区志愿服务站", "Communities and villages", "Late", "Not reported"],
    ["市二中", "Units", "Late", "—"],
    ["Done", "", "1", "0"],
    ["Late", "", "3", "0"],
    ["Returned", "", "0", "1"],
    ["Awaiting review", "", "0", "1"],
    ["Not reported", "", "0", "1"],
    ["Asked", "", "4", "3"],
]


def test_the_cells_say_what_the_board_says(plan: Plan) -> None:
    cells = exports.board_cells(selectors.board(plan.street, day=AFTER_A))
    assert cells.header == [
        "Organisation",
        "Level",
        "1. 准备部署 (2026-05-15)",
        "2. 规范建站 (2026-06-15)",
    ]
    assert cells.rows + cells.sums == EXPECTED_ROWS


def test_the_xlsx_holds_the_boards_cells(plan: Plan) -> None:
    board = selectors.board(plan.street, day=AFTER_A)
    cells = exports.board_cells(board)
    header, rows = xlsx_table(exports.render(board, "xlsx"), cells.header)
    assert header == cells.header
    assert rows == EXPECTED_ROWS


def test_the_pdf_holds_the_boards_cells(plan: Plan) -> None:
    board = selectors.board(plan.street, day=AFTER_A)
    cells = exports.board_cells(board)
    content = exports.render(board, "pdf")
    headers, rows = pdf_table(content, cells.header)
    assert headers == squeezed([cells.header])
    assert rows == squeezed(EXPECTED_ROWS)
    assert content.startswith(b"%PDF-")


def test_the_command_adds_the_defaults_and_writes_the_board(plan: Plan, tmp_path: Path) -> None:
    call_command("workplan", "defaults", "--city", "4306-GC", "--year", "2026")
    assert len(selectors.city_steps(plan.city)) == 7
    target = tmp_path / "board.xlsx"
    call_command(
        "workplan",
        "board",
        "--under",
        "430602001-SC",
        "--date",
        "2026-05-16",
        "-o",
        str(target),
    )
    board = selectors.board(plan.street, day=AFTER_A)
    header, rows = xlsx_table(target.read_bytes(), exports.board_cells(board).header)
    assert len(header) == 2 + 7
    assert [row[:4] for row in rows] == EXPECTED_ROWS
