"""Exports of service records: a list of records with its total, as xlsx and as PDF (the
Chinese font embedded by `common.pdf`). Names, registration numbers, activities and times;
never an ID number or a phone. Every export is audited (hours.records.exported)."""

from collections.abc import Iterable
from io import BytesIO
from typing import Any

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from zhiyuan.common import pdf
from zhiyuan.common.audit import log_action
from zhiyuan.hours import rules
from zhiyuan.hours.models import HourRecord
from zhiyuan.volunteers.exports import WORKBOOK_OPTIONS, text_cell

#: An export holds at most this many records (a larger one is split by period).
MAX_ROWS = 20000


def _headers() -> list[str]:
    return [
        _("Name"),
        _("Registration number"),
        _("Activity"),
        _("Organiser"),
        _("Start"),
        _("End"),
        _("Hours"),
        _("Status"),
        _("Source"),
        _("Service content"),
    ]


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _values(record: HourRecord) -> list[str]:
    return [
        record.volunteer.name,
        record.volunteer.registration_number or "",
        record.activity.title,
        record.organizer.name,
        _local(record.start),
        _local(record.end),
        f"{rules.hours(record.minutes):.2f}",
        str(record.get_status_display()),
        str(record.get_source_display()),
        record.content,
    ]


def records_xlsx(records: Iterable[HourRecord], *, title: str, counted_minutes: int) -> bytes:
    """A workbook of `records` under `title`, then the counted total in hours."""
    buffer = BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **WORKBOOK_OPTIONS})
    sheet = book.add_worksheet(_("Service records")[:31])
    bold = book.add_format({"bold": True})
    plain = book.add_format({})
    sheet.write_string(0, 0, text_cell(title), bold)
    for column, header in enumerate(_headers()):
        sheet.write_string(2, column, header, bold)
    row = 3
    for record in records:
        for column, value in enumerate(_values(record)):
            sheet.write_string(row, column, text_cell(value), plain)
        row += 1
    sheet.write_string(row + 1, 0, _("Confirmed hours"), bold)
    sheet.write_string(row + 1, 6, f"{rules.hours(counted_minutes):.2f}", bold)
    for column, width in enumerate((10, 18, 24, 20, 17, 17, 8, 12, 14, 30)):
        sheet.set_column(column, column, width)
    book.close()
    return buffer.getvalue()


def records_pdf(records: Iterable[HourRecord], *, title: str, counted_minutes: int) -> bytes:
    """A PDF (A4 landscape) of `records` under `title`, then the counted total in hours."""
    heading = pdf.paragraph_style("title", size=14, spaceAfter=4)
    cell = pdf.paragraph_style("cell", size=8)
    head = pdf.paragraph_style("head", size=8, color=colors.white)
    data: list[list[Paragraph]] = [[pdf.paragraph(h, head) for h in _headers()]]
    for record in records:
        data.append([pdf.paragraph(value, cell) for value in _values(record)])
    data.append(
        [
            pdf.paragraph(_("Confirmed hours"), cell),
            *[pdf.paragraph("", cell)] * 5,
            pdf.paragraph(f"{rules.hours(counted_minutes):.2f}", cell),
            *[pdf.paragraph("", cell)] * 3,
        ]
    )
    widths = [w * mm for w in (18, 30, 40, 34, 24, 24, 14, 18, 22, 43)]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#24292f")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [pdf.paragraph(title, heading), Spacer(1, 4 * mm), table]
    printed = _("Printed %(when)s") % {"when": _local(timezone.now())}
    return pdf.render_pdf(story, title=title, pagesize=landscape(A4), footer=printed)


def log_export(actor: Any, organization: Any, *, kind: str, rows: int) -> None:
    """The audit entry of an export (on the organisation whose records were exported)."""
    log_action(
        actor,
        "hours.records.exported",
        organization,
        organization=organization,
        data={"format": kind, "rows": rows},
    )
