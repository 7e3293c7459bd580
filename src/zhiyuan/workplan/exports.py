"""The board (`selectors.board`) as a file: xlsx (`common.xlsx`) or PDF (ReportLab through
`common.pdf`, as the reports app draws its tables: the font embedded, A4 landscape, the header
row on every page, "page x of y" in the footer). Both are written from the same cells
(`board_cells`), which the page shows too.

Rows: one per organisation (its name and level, then its state on each step, "—" where the
step does not ask it), then one per state with how many organisations stand in it on each
step, and the total.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from zhiyuan.common import pdf, xlsx
from zhiyuan.volunteers.exports import text_cell
from zhiyuan.workplan.enums import CellState, StepLevel
from zhiyuan.workplan.selectors import Board

NOT_ASKED = "—"
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FORMATS = tuple(CONTENT_TYPES)
HEAD_BACKGROUND = colors.HexColor("#eaeef2")
SUM_BACKGROUND = colors.HexColor("#f2f2f2")


@dataclass(frozen=True)
class BoardCells:
    """The board as text: the header, one row per organisation, one per state (counts)."""

    title: str
    header: list[str]
    rows: list[list[str]]
    sums: list[list[str]]


def title(board: Board) -> str:
    return _("Work plan progress · %(name)s · %(date)s") % {
        "name": board.root.name,
        "date": board.day.isoformat(),
    }


def step_heading(position: int, label: str, due: Any) -> str:
    """ "1. 准备部署… (2026-05-15)": numbered, so that two steps of one name stay two columns."""
    return f"{position}. {label} ({due.isoformat()})"


def board_cells(board: Board) -> BoardCells:
    states = {value: str(label) for value, label in CellState.choices}
    levels = {value: str(label) for value, label in StepLevel.choices}
    header = [_("Organisation"), _("Level")] + [
        step_heading(n, step.label, step.due_date) for n, step in enumerate(board.steps, start=1)
    ]
    rows = [
        [row.organization.name, levels[row.level]]
        + [states[cell.state] if cell.state else NOT_ASKED for cell in row.cells]
        for row in board.rows
    ]
    sums = [
        [states[state], ""] + [str(board.counts[step.pk][state]) for step in board.steps]
        for state in CellState.values
    ]
    sums.append(
        [_("Asked"), ""] + [str(sum(board.counts[step.pk].values())) for step in board.steps]
    )
    return BoardCells(title(board), header, rows, sums)


def file_name(board: Board, extension: str) -> str:
    return f"workplan-{board.root.code}-{board.day:%Y%m%d}.{extension}"


def render(board: Board, kind: str) -> bytes:
    """The board as `kind` ("xlsx" or "pdf"). Raises common.pdf.FontUnavailable for a PDF
    when no font can be used."""
    return render_pdf(board) if kind == "pdf" else render_xlsx(board)


def render_xlsx(board: Board) -> bytes:
    cells = board_cells(board)
    widths = [30.0, 12.0] + [22.0] * len(board.steps)
    table = xlsx.Table(sheet=_("Work plan"), headers=cells.header, widths=widths)
    rows = [[text_cell(text) for text in row] for row in [*cells.rows, *cells.sums]]
    return xlsx.write_table(table, rows, title=cells.title)


def render_pdf(board: Board) -> bytes:
    cells = board_cells(board)
    size = 7.5 if len(board.steps) > 6 else 8.5
    text = pdf.paragraph_style("cell", size=size)
    centre = pdf.paragraph_style("cell-centre", size=size, alignment=1)
    head = pdf.paragraph_style("head", size=size, alignment=1)
    steps_width = 267 - 60 - 22
    step_width = steps_width / max(len(board.steps), 1)
    widths = [60 * mm, 22 * mm] + [step_width * mm] * len(board.steps)
    data: list[list[Any]] = [[pdf.paragraph(label, head) for label in cells.header]]
    for row in [*cells.rows, *cells.sums]:
        data.append([pdf.paragraph(t, text if i < 2 else centre) for i, t in enumerate(row)])
    grid = Table(data, colWidths=widths, repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BACKGROUND),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    first_sum = len(cells.rows) + 1
    commands.append(("BACKGROUND", (0, first_sum), (-1, -1), SUM_BACKGROUND))
    grid.setStyle(TableStyle(commands))
    heading = pdf.paragraph_style("title", size=16, leading=22, alignment=1)
    story = [pdf.paragraph(cells.title, heading), Spacer(1, 3 * mm), grid]
    return pdf.render_pdf(
        story,
        title=cells.title,
        pagesize=landscape(A4),
        footer=f"{board.root.name} · {date_format(board.day)}",
    )
