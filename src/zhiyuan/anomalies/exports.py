"""Exports of anomaly flags (issue 14, item 6): the flags a user sees, filtered by rule and
state, as xlsx (`common.xlsx`) and PDF (`common.pdf`, the Chinese font embedded, as the reports'
and the hours' PDFs). One row per flag: its number, rule, status, organisation responsible,
facts, how many records and registrations, the people responsible (by name), when found and
closed and why. Never an ID number or a phone. Audited (anomalies.flags.exported). Flags are
few beside the ledgers (one per finding), so files are written at once, at most MAX_ROWS.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from zhiyuan.accounts.selectors import home_organization
from zhiyuan.anomalies import selectors
from zhiyuan.anomalies.enums import FlagState, Responsibility, Rule
from zhiyuan.anomalies.models import Flag, FlagPerson
from zhiyuan.common import pdf
from zhiyuan.common.audit import log_action
from zhiyuan.common.exports import XLSX, ExportFile
from zhiyuan.common.xlsx import Table as XlsxTable
from zhiyuan.common.xlsx import write_table

PDF = "application/pdf"
CONTENT_TYPES = {"xlsx": XLSX, "pdf": PDF}
MAX_ROWS = {"xlsx": 100_000, "pdf": 5_000}
_XLSX_WIDTHS = (8, 26, 8, 24, 30, 8, 8, 36, 17, 17, 30)
_PDF_WIDTHS = (12, 36, 14, 30, 36, 12, 12, 40, 22, 22, 36)


def headers() -> list[str]:
    return [
        _("Number"),
        _("Rule"),
        _("Status"),
        _("Organisation responsible"),
        _("Facts"),
        _("Records"),
        _("Volunteers"),
        _("People responsible"),
        _("Found"),
        _("Closed"),
        _("Reason for closing"),
    ]


def facts_text(facts: dict[str, Any]) -> str:
    """A flag's facts as "key: value; …" (keys are the rules' own, in English)."""
    return "; ".join(f"{key}: {value}" for key, value in sorted(facts.items()))


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def people_text(people: Iterable[FlagPerson]) -> str:
    roles = dict(Responsibility.choices)
    return "; ".join(f"{p.user.name or p.user.username} ({roles[p.role]})" for p in people)


def rows(found: QuerySet[Flag]) -> list[list[str]]:
    """The cells of the flags `found` (scoped and ordered by the caller)."""
    rules = dict(Rule.choices)
    states = dict(FlagState.choices)
    flags = list(selectors.with_counts(found).prefetch_related("people__user")[: MAX_ROWS["xlsx"]])
    return [
        [
            str(flag.pk),
            str(rules[flag.rule]),
            str(states[flag.state]),
            flag.organization.name,
            facts_text(flag.facts),
            str(flag.n_records),  # type: ignore[attr-defined]
            str(flag.n_volunteers),  # type: ignore[attr-defined]
            people_text(flag.people.all()),
            _local(flag.found_at),
            _local(flag.closed_at),
            flag.close_reason,
        ]
        for flag in flags
    ]


def file_name(kind: str, today: date) -> str:
    return f"{_('Anomaly flags')}-{today:%Y%m%d}.{kind}"


def export_flags(user: Any, found: QuerySet[Flag], *, kind: str) -> ExportFile:
    """The flags `found` (already scoped to `user`) as a file of `kind` ("xlsx" or "pdf").
    Raises KeyError for another kind, pdf.FontUnavailable when no font prints Chinese.
    Audit: anomalies.flags.exported (format, rows) on the user's highest organisation."""
    cells = rows(found)[: MAX_ROWS[kind]]
    title = _("Anomaly flags")
    content = flags_pdf(cells, title=title) if kind == "pdf" else flags_xlsx(cells, title=title)
    where = home_organization(user)
    if where is not None:
        log_action(
            user,
            "anomalies.flags.exported",
            where,
            organization=where,
            data={"format": kind, "rows": len(cells)},
        )
    return ExportFile(
        content, file_name(kind, timezone.localdate()), CONTENT_TYPES[kind], len(cells)
    )


def flags_xlsx(cells: list[list[str]], *, title: str) -> bytes:
    table = XlsxTable(sheet=_("Anomaly flags"), headers=headers(), widths=list(_XLSX_WIDTHS))
    return write_table(table, iter(cells), title=title)


def flags_pdf(cells: list[list[str]], *, title: str) -> bytes:
    heading = pdf.paragraph_style("title", size=14, spaceAfter=4)
    cell = pdf.paragraph_style("cell", size=8)
    head = pdf.paragraph_style("head", size=8, color=colors.white)
    header = [pdf.paragraph(h, head) for h in headers()]
    body = [[pdf.paragraph(value, cell) for value in row] for row in cells]
    table = Table([header, *body], colWidths=[w * mm for w in _PDF_WIDTHS], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#24292f")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story: list[Any] = [pdf.paragraph(title, heading), Spacer(1, 4 * mm), table]
    printed = _("Printed %(when)s") % {"when": _local(timezone.now())}
    return pdf.render_pdf(story, title=title, pagesize=landscape(A4), footer=printed)
