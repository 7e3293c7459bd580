"""A StatisticsTable (`tables.py`) as a file: xlsx, PDF or CSV, all from the same cells.

- xlsx: a title, the unit, the reference date and the preparer, then the header row and the
  rows. Numbers are values (never formulas) in a format that shows the cell's text exactly;
  text cells are text (a text a spreadsheet would run as a formula gets a leading apostrophe).
- PDF: A4 landscape, Chinese text with the font embedded (`common.pdf`), the header row on
  every page, the unit's name with a place for its seal, the reference date, the preparer and
  the date prepared, "第 x 页，共 y 页" on every page.
- CSV: UTF-8 with a byte-order mark (Excel and WPS open it in Chinese), the header row and the
  rows as the page shows them.
"""

import csv
import io
from typing import Any

import xlsxwriter
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from zhiyuan.common import pdf
from zhiyuan.reports.enums import ReportFormat, RowKind
from zhiyuan.reports.tables import Align, Row, StatisticsTable
from zhiyuan.volunteers.exports import WORKBOOK_OPTIONS, text_cell

LINE = colors.black
HEAD_BACKGROUND = colors.HexColor("#eaeef2")
SUM_BACKGROUND = colors.HexColor("#f2f2f2")
MUTED = colors.HexColor("#555555")
INDENT_MM = 3.5
CONTENT_TYPES = {
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.PDF: "application/pdf",
    ReportFormat.CSV: "text/csv; charset=utf-8",
}


def heading(table: StatisticsTable) -> str:
    """附件3 注册登记任务分配表, in the reader's language."""
    return _("Attachment %(n)s %(title)s") % {"n": table.number, "title": table.title}


def unit_line(table: StatisticsTable) -> str:
    return _("Unit: %(name)s (seal)") % {"name": table.unit_name}


def date_line(table: StatisticsTable) -> str:
    return _("Reference date: %(date)s") % {"date": date_format(table.reference_date)}


def preparer_line(table: StatisticsTable) -> str:
    return _("Prepared by: %(name)s · Date: %(date)s") % {
        "name": table.preparer or "________",
        "date": date_format(table.prepared_on),
    }


def file_name(table: StatisticsTable, extension: str) -> str:
    """注册登记任务分配表-430602001-SC-20260601.xlsx and the like."""
    return f"{table.title}-{table.unit_code}-{table.reference_date:%Y%m%d}.{extension}"


def render_file(table: StatisticsTable, kind: str) -> bytes:
    """The file of `kind` (a ReportFormat value). Raises common.pdf.FontUnavailable for a PDF
    when no font can be used."""
    return {
        ReportFormat.XLSX: render_xlsx,
        ReportFormat.PDF: render_pdf,
        ReportFormat.CSV: render_csv,
    }[ReportFormat(kind)](table)


# --- xlsx ------------------------------------------------------------------------------------


def render_xlsx(table: StatisticsTable) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    sheet = workbook.add_worksheet(table.title[:31])
    width = len(table.columns)
    title = workbook.add_format({"bold": True, "font_size": 16, "align": "center"})
    head = workbook.add_format(
        {"bold": True, "border": 1, "bg_color": "#EAEEF2", "text_wrap": True, "valign": "vcenter"}
    )
    formats: dict[tuple[str, str, bool, int], Any] = {}

    def cell_format(align: str, number_format: str, is_sum: bool, indent: int) -> Any:
        key = (align, number_format, is_sum, indent)
        if key not in formats:
            spec: dict[str, Any] = {"border": 1, "valign": "top", "text_wrap": True}
            spec["align"] = {"left": "left", "right": "right", "centre": "center"}[align]
            spec["num_format"] = number_format or "@"
            if is_sum:
                spec |= {"bold": True, "bg_color": "#F2F2F2"}
            if indent:
                spec["indent"] = indent
            formats[key] = workbook.add_format(spec)
        return formats[key]

    for index, column in enumerate(table.columns):
        sheet.set_column(index, index, max(8, column.width_mm / 2.2))
    sheet.merge_range(0, 0, 0, width - 1, text_cell(heading(table)), title)
    sheet.write_string(1, 0, text_cell(unit_line(table)))
    sheet.write_string(2, 0, text_cell(date_line(table)))
    sheet.write_string(3, 0, text_cell(preparer_line(table)))
    header_row = 5
    for index, label in enumerate(table.header):
        sheet.write_string(header_row, index, text_cell(label), head)
    for offset, row in enumerate(table.rows, start=1):
        _xlsx_row(sheet, header_row + offset, table, row, cell_format)
    line = header_row + len(table.rows) + 2
    for note in table.notes:
        sheet.write_string(line, 0, text_cell(note))
        line += 1
    sheet.freeze_panes(header_row + 1, 1)
    sheet.repeat_rows(header_row)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    workbook.close()
    return buffer.getvalue()


def _xlsx_row(sheet: Any, line: int, table: StatisticsTable, row: Row, cell_format: Any) -> None:
    for index, (column, cell) in enumerate(zip(table.columns, row.cells, strict=True)):
        indent = row.level if index == 0 else 0
        if cell.number is not None:
            style = cell_format(column.align, cell.number_format, row.is_sum, indent)
            sheet.write_number(line, index, float(cell.number), style)
        else:
            align = Align.LEFT if index == 0 else column.align
            style = cell_format(align, "", row.is_sum, indent)
            sheet.write_string(line, index, text_cell(cell.text), style)


# --- PDF -------------------------------------------------------------------------------------


def render_pdf(table: StatisticsTable) -> bytes:
    """Raises common.pdf.FontUnavailable when no font can be used."""
    size = 6.5 if table.compact else 8.5
    styles = {
        Align.LEFT: pdf.paragraph_style("left", size=size),
        Align.RIGHT: pdf.paragraph_style("right", size=size, alignment=2),
        Align.CENTRE: pdf.paragraph_style("centre", size=size, alignment=1),
    }
    indented = {
        level: pdf.paragraph_style(f"indent{level}", size=size, leftIndent=level * INDENT_MM * mm)
        for level in range(6)
    }
    head = pdf.paragraph_style("head", size=size, alignment=1)
    data: list[list[Any]] = [[pdf.paragraph(label, head) for label in table.header]]
    for row in table.rows:
        cells = []
        for index, (column, cell) in enumerate(zip(table.columns, row.cells, strict=True)):
            style = indented[min(row.level, 5)] if index == 0 else styles[column.align]
            cells.append(pdf.paragraph(cell.text, style))
        data.append(cells)
    grid = Table(data, colWidths=[c.width_mm * mm for c in table.columns], repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("BOX", (0, 0), (-1, -1), 1, LINE),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BACKGROUND),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if table.compact:  # narrow columns: room for six digits in 8 mm
        commands += [
            ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
        ]
    for number, row in enumerate(table.rows, start=1):
        if row.is_sum or row.kind == RowKind.AREA:
            commands.append(("BACKGROUND", (0, number), (-1, number), SUM_BACKGROUND))
    grid.setStyle(TableStyle(commands))
    story = [*_pdf_heading(table), grid, Spacer(1, 3 * mm), *_pdf_closing(table)]
    return pdf.render_pdf(
        story,
        title=heading(table),
        pagesize=landscape(A4),
        footer=f"{heading(table)} · {table.unit_name} · {date_format(table.reference_date)}",
    )


def _pdf_heading(table: StatisticsTable) -> list[Flowable]:
    mark = pdf.paragraph_style("attachment", size=12, leading=16)
    title = pdf.paragraph_style("title", size=18, leading=26, alignment=1)
    meta = pdf.paragraph_style("meta", size=10, leading=14)
    meta_right = pdf.paragraph_style("meta-right", size=10, leading=14, alignment=2)
    line = Table(
        [[pdf.paragraph(unit_line(table), meta), pdf.paragraph(date_line(table), meta_right)]],
        colWidths=[180 * mm, 87 * mm],
        hAlign="LEFT",
    )
    line.setStyle(
        TableStyle([("LEFTPADDING", (0, 0), (0, 0), 0), ("RIGHTPADDING", (1, 0), (1, 0), 0)])
    )
    return [
        pdf.paragraph(_("Attachment %(n)s") % {"n": table.number}, mark),
        pdf.paragraph(table.title, title),
        Spacer(1, 2 * mm),
        line,
        Spacer(1, 2 * mm),
    ]


def _pdf_closing(table: StatisticsTable) -> list[Flowable]:
    """The notes, then the preparer, the head of the unit and a box for the unit's seal, kept
    together on one page."""
    note = pdf.paragraph_style("note", size=8, color=MUTED)
    meta = pdf.paragraph_style("sign", size=10, leading=14)
    seal = pdf.paragraph_style("seal", size=9, alignment=1, color=MUTED)
    signatures = Table(
        [
            [
                pdf.paragraph(preparer_line(table), meta),
                pdf.paragraph(_("Head of the unit: ________"), meta),
                pdf.paragraph(_("Seal of the unit"), seal),
            ]
        ],
        colWidths=[110 * mm, 112 * mm, 45 * mm],
        rowHeights=[32 * mm],
        hAlign="LEFT",
    )
    signatures.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (1, 0), "BOTTOM"),
                ("VALIGN", (2, 0), (2, 0), "MIDDLE"),
                ("BOX", (2, 0), (2, 0), 0.5, MUTED),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
            ]
        )
    )
    return [
        *[pdf.paragraph(text, note) for text in table.notes],
        Spacer(1, 3 * mm),
        KeepTogether([signatures]),
    ]


# --- CSV -------------------------------------------------------------------------------------


def render_csv(table: StatisticsTable) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([text_cell(label) for label in table.header])
    for row in table.rows:
        writer.writerow([text_cell(text) for text in row.texts])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
