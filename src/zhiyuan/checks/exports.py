"""Exports of spot checks: a campaign's sample with its outcomes, and the cases, as xlsx
(`common.xlsx`) and as PDF (`common.pdf`, the Chinese font embedded, A4 landscape, tables of
TABLE_ROWS rows as the reports and the hours exports lay them out). Names, registration
numbers, masked ID numbers; never a full ID number or a phone. Every export is audited
(checks.campaign.exported, checks.cases.exported). A sample is hundreds of rows, a subtree's
cases as many: both are answered at once.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from zhiyuan.checks.enums import CheckedDetail
from zhiyuan.checks.models import Campaign, Case, CheckItem
from zhiyuan.common import pdf
from zhiyuan.common.audit import log_action
from zhiyuan.common.masking import mask_document
from zhiyuan.common.xlsx import Table as XlsxTable
from zhiyuan.common.xlsx import write_table
from zhiyuan.volunteers.exports import text_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
TABLE_ROWS = 200


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _details(values: Iterable[str]) -> str:
    labels = dict(CheckedDetail.choices)
    return "、".join(str(labels.get(v, v)) for v in values)


def item_headers() -> list[str]:
    return [
        _("No."),
        _("Kind"),
        _("Stratum"),
        _("Name"),
        _("ID number"),
        _("Registration number"),
        _("Registration body"),
        _("Channel"),
        _("Hour record"),
        _("Checker"),
        _("Attempts"),
        _("Outcome"),
        _("Details wrong"),
        _("Note"),
        _("Checked"),
    ]


ITEM_WIDTHS = (6, 10, 22, 10, 22, 16, 20, 12, 28, 10, 8, 14, 16, 30, 16)
ITEM_PDF_WIDTHS = (8, 14, 24, 14, 0, 22, 26, 14, 30, 14, 10, 18, 0, 40, 0)


def item_rows(items: QuerySet[CheckItem]) -> list[list[str]]:
    rows = []
    for item in items.select_related(
        "volunteer", "body__organization", "hour_record__activity", "assigned_to"
    ).prefetch_related("attempts"):
        record = item.hour_record
        hours = (
            f"{record.activity.title} {_when(record.start)}–{_when(record.end)[-5:]}"
            if record
            else ""
        )
        rows.append(
            [
                str(item.position),
                item.get_kind_display(),
                item.stratum,
                item.volunteer.name,
                mask_document(item.volunteer.document_number),
                item.volunteer.registration_number or "",
                item.body.organization.name,
                item.volunteer.get_channel_display(),
                hours,
                item.assigned_to.name if item.assigned_to else "",
                str(len(item.attempts.all())),
                item.get_outcome_display() if item.outcome else "",
                _details(item.wrong_fields),
                item.note,
                _when(item.outcome_at),
            ]
        )
    return rows


def case_headers() -> list[str]:
    return [
        _("Case"),
        _("Kind"),
        _("Opened by"),
        _("Name"),
        _("Registration number"),
        _("Responsible"),
        _("Finding"),
        _("Opened"),
        _("Status"),
        _("Decision"),
        _("Decision note"),
        _("Decided by"),
        _("Decided"),
    ]


CASE_WIDTHS = (8, 14, 14, 10, 16, 22, 30, 16, 8, 16, 30, 10, 16)
CASE_PDF_WIDTHS = (10, 18, 16, 14, 22, 28, 36, 18, 10, 20, 36, 14, 18)


def case_rows(cases: QuerySet[Case]) -> list[list[str]]:
    return [
        [
            str(case.pk),
            case.get_kind_display(),
            case.get_source_display(),
            case.volunteer.name,
            case.volunteer.registration_number or "",
            case.organization.name,
            case.finding,
            _when(case.opened_at),
            case.get_status_display(),
            case.get_decision_display() if case.decision else "",
            case.decision_note,
            case.decided_by.name if case.decided_by else "",
            _when(case.decided_at),
        ]
        for case in cases.select_related("volunteer", "organization", "decided_by")
    ]


def as_xlsx(
    title: str, headers: list[str], widths: Sequence[float], rows: list[list[str]]
) -> bytes:
    table = XlsxTable(sheet=title[:31], headers=headers, widths=list(widths))
    return write_table(table, ([text_cell(v) for v in row] for row in rows), title=title)


def as_pdf(title: str, headers: list[str], widths: Sequence[float], rows: list[list[str]]) -> bytes:
    """A4 landscape; columns of width 0 are left out (the PDF is for reading and signing)."""
    kept = [i for i, w in enumerate(widths) if w]
    scale = 267 / sum(widths[i] for i in kept)  # the page's width inside its margins, in mm
    heading = pdf.paragraph_style("title", size=14, spaceAfter=4)
    cell = pdf.paragraph_style("cell", size=7)
    head = pdf.paragraph_style("head", size=7, color=colors.white)
    header = [pdf.paragraph(headers[i], head) for i in kept]
    story: list[Any] = [pdf.paragraph(title, heading), Spacer(1, 4 * mm)]
    body = [[pdf.paragraph(row[i], cell) for i in kept] for row in rows]
    for start in range(0, max(len(body), 1), TABLE_ROWS):
        table = Table(
            [header, *body[start : start + TABLE_ROWS]],
            colWidths=[widths[i] * scale * mm for i in kept],
            repeatRows=1,
        )
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#24292f")),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    printed = _("Printed %(when)s") % {"when": _when(timezone.now())}
    return pdf.render_pdf(story, title=title, pagesize=landscape(A4), footer=printed)


def export_campaign(
    campaign: Campaign, items: QuerySet[CheckItem], fmt: str, *, actor: Any
) -> bytes:
    """The sample of `campaign` with its outcomes as `fmt` ("xlsx" or "pdf"). The caller has
    the campaign in the actor's scope. Audit: checks.campaign.exported."""
    title = _("Spot check %(title)s: sample and outcomes") % {"title": str(campaign)}
    rows = item_rows(items)
    made = (as_pdf if fmt == "pdf" else as_xlsx)(
        title, item_headers(), ITEM_PDF_WIDTHS if fmt == "pdf" else ITEM_WIDTHS, rows
    )
    log_action(
        actor,
        "checks.campaign.exported",
        campaign,
        organization=campaign.organization,
        data={"format": fmt, "rows": len(rows)},
    )
    return made


def export_cases(cases: QuerySet[Case], fmt: str, *, actor: Any, organization: Any) -> bytes:
    """The cases of `cases` (read through the actor's scope) as `fmt`. Audit:
    checks.cases.exported (on the organisation whose cases they are)."""
    title = _("Cases of %(name)s") % {"name": organization.name}
    rows = case_rows(cases)
    made = (as_pdf if fmt == "pdf" else as_xlsx)(
        title, case_headers(), CASE_PDF_WIDTHS if fmt == "pdf" else CASE_WIDTHS, rows
    )
    log_action(
        actor,
        "checks.cases.exported",
        organization,
        organization=organization,
        data={"format": fmt, "rows": len(rows)},
    )
    return made
