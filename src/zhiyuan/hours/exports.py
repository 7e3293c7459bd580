"""Exports of service records (issue 12, item 7): the records of an activity, or of a subtree
and period, with their counted total, as xlsx and as PDF (the Chinese font embedded by
`common.pdf`). Names, registration numbers, activities and times; never an ID number or a
phone. Every export is audited (hours.records.exported).

Fast at any size, as the ledger's (`volunteers.exports`): rows are read as tuples of values in
chunks (a server-side cursor on PostgreSQL), the labels of statuses and sources are resolved
once per export, the xlsx cells are written by `common.xlsx`'s Rust writer, and a PDF is laid
out as tables of TABLE_ROWS rows (ReportLab splits one long table at every page and measures
what is left again: 5,000 rows took 10.4 s of CPU as one table, 8.0 s as tables of 200). An export of more than EXPORT_IMMEDIATE_ROWS records is written in the
background (`export_requests`) by the producer registered here (`build_records_export`, kind
RECORDS) and downloaded from "my exports" by its requester only; smaller ones are answered at
once by the page, with the same content.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from zhiyuan.accounts.selectors import home_organization
from zhiyuan.common import pdf
from zhiyuan.common.audit import log_action
from zhiyuan.common.exports import XLSX, ExportFile, Progress, export_params, exporter
from zhiyuan.common.models import Export
from zhiyuan.common.xlsx import Table as XlsxTable
from zhiyuan.common.xlsx import write_table
from zhiyuan.hours import rules, selectors
from zhiyuan.hours.enums import HourSource, HourStatus
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.access import covers, scope_prefixes
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.exports import text_cell

RECORDS = "hours.records"
PDF = "application/pdf"
CONTENT_TYPES = {"xlsx": XLSX, "pdf": PDF}
#: The most records one file holds: an xlsx sheet holds 1,048,576 rows; a PDF of 20,000 is
#: about 600 pages, for printing and signing, not for reading.
MAX_ROWS = {"xlsx": 1_000_000, "pdf": 20_000}
#: Rows fetched from the database at a time.
CHUNK_ROWS = 5000
#: Rows of one table of a PDF: ReportLab measures a table's rows again at every page break.
TABLE_ROWS = 200
VALUES = (
    "volunteer__name",
    "volunteer__registration_number",
    "activity__title",
    "organizer__name",
    "start",
    "end",
    "minutes",
    "status",
    "source",
    "content",
)
_XLSX_WIDTHS = (10, 18, 24, 20, 17, 17, 8, 12, 14, 30)
_PDF_WIDTHS = (18, 30, 40, 34, 24, 24, 14, 18, 22, 43)


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


def _local(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# --- what is exported ------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordFilter:
    """The office's choice (`forms.PeriodForm`): an organisation's subtree, local days from
    `start` to `end` (both included, either open), a status, an activity."""

    organization: Organization | None = None
    start: date | None = None
    end: date | None = None
    status: str = ""
    activity: int | None = None

    def params(self) -> dict[str, Any]:
        """As JSON values, kept with a background export (`from_params`)."""
        return {
            "organization": self.organization.pk if self.organization else None,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "status": self.status,
            "activity": self.activity,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "RecordFilter":
        """The filter `params` wrote. Raises PermissionDenied for an organisation deleted
        since (its records are no longer anyone's to export)."""
        organization = None
        if params.get("organization") is not None:
            organization = Organization.objects.filter(pk=params["organization"]).first()
            if organization is None:
                raise PermissionDenied
        return cls(
            organization=organization,
            start=date.fromisoformat(params["start"]) if params.get("start") else None,
            end=date.fromisoformat(params["end"]) if params.get("end") else None,
            status=str(params.get("status") or ""),
            activity=params.get("activity"),
        )


def records_to_export(user: Any, filters: RecordFilter) -> QuerySet[HourRecord]:
    """The records `filters` chooses among those `user` sees, in time order. Raises
    PermissionDenied when `user` sees no records at all, or not the filter's organisation
    (roles lost since a background export was asked for)."""
    if scope_prefixes(user) == []:
        raise PermissionDenied
    if filters.organization is not None and not covers(user, filters.organization):
        raise PermissionDenied
    found = selectors.filter_records(
        selectors.records(user),
        organization=filters.organization,
        start=filters.start,
        end=filters.end,
        status=filters.status,
        activity=filters.activity,
    )
    return found.order_by("start", "pk")


def export_title(filters: RecordFilter) -> str:
    """ "Service records of <where> <from>–<to>", in the current language."""
    where = filters.organization.name if filters.organization else _("your area")
    title = _("Service records of %(where)s") % {"where": where}
    if filters.start or filters.end:
        title += f" {filters.start or ''}–{filters.end or ''}"
    return title


def file_name(kind: str, today: date) -> str:
    """服务记录-YYYYMMDD.xlsx (or .pdf), in the current language."""
    return f"{_('Service records')}-{today:%Y%m%d}.{kind}"


# --- the cells -------------------------------------------------------------------------------


class RecordCells:
    """Turns rows of VALUES into the export's text cells; the labels of statuses and sources
    are resolved once, in the current language."""

    def __init__(self) -> None:
        self.statuses = {value: str(label) for value, label in HourStatus.choices}
        self.sources = {value: str(label) for value, label in HourSource.choices}

    def row(self, values: tuple[Any, ...]) -> list[str]:
        name, number, activity, organizer, start, end, minutes, status, source, content = values
        return [
            text_cell(name),
            text_cell(number or ""),
            text_cell(activity),
            text_cell(organizer),
            _local(start),
            _local(end),
            f"{rules.hours(minutes):.2f}",
            self.statuses.get(status, status),
            self.sources.get(source, source),
            text_cell(content),
        ]


def _total_row(counted_minutes: int) -> list[str]:
    return [_("Confirmed hours"), "", "", "", "", "", f"{rules.hours(counted_minutes):.2f}"] + [
        ""
    ] * 3


@dataclass(frozen=True)
class Written:
    content: bytes
    rows: int


def write_records(
    queryset: QuerySet[HourRecord],
    *,
    kind: str,
    title: str,
    progress: Callable[[int], None] | None = None,
) -> Written:
    """The records of `queryset` (scoped and ordered by the caller; at most MAX_ROWS[kind]
    are written) as `kind` ("xlsx" or "pdf") under `title`, then their counted total in hours
    (`selectors.counted`). `progress(n)` is called after each record. Raises KeyError for
    another kind, pdf.FontUnavailable when no font can print Chinese."""
    limit = MAX_ROWS[kind]
    counted = selectors.total_minutes(selectors.counted(queryset.order_by()))
    cells = RecordCells()
    rows = queryset.values_list(*VALUES)[:limit].iterator(chunk_size=CHUNK_ROWS)
    count = 0

    def record_rows() -> Iterator[list[str]]:
        nonlocal count
        for values in rows:
            yield cells.row(values)
            count += 1
            if progress is not None:
                progress(count)

    if kind == "pdf":
        content = records_pdf(record_rows(), title=title, counted_minutes=counted)
    else:
        content = records_xlsx(record_rows(), title=title, counted_minutes=counted)
    return Written(content, count)


def records_xlsx(rows: Iterable[list[str]], *, title: str, counted_minutes: int) -> bytes:
    """A workbook of the cells `rows` under `title` (row 1; the header is row 3), then an
    empty row and the counted total in hours."""
    table = XlsxTable(sheet=_("Service records"), headers=_headers(), widths=list(_XLSX_WIDTHS))
    closing = [[""] * len(_XLSX_WIDTHS), _total_row(counted_minutes)]
    return write_table(table, _then(rows, closing), title=title)


def _then(rows: Iterable[list[str]], closing: list[list[str]]) -> Iterator[list[str]]:
    yield from rows
    yield from closing


def records_pdf(rows: Iterable[list[str]], *, title: str, counted_minutes: int) -> bytes:
    """A PDF (A4 landscape) of the cells `rows` under `title`, then the counted total in
    hours; every page repeats the header."""
    heading = pdf.paragraph_style("title", size=14, spaceAfter=4)
    cell = pdf.paragraph_style("cell", size=8)
    head = pdf.paragraph_style("head", size=8, color=colors.white)
    header = [pdf.paragraph(h, head) for h in _headers()]
    story: list[Any] = [pdf.paragraph(title, heading), Spacer(1, 4 * mm)]
    chunk: list[list[Paragraph]] = []
    for values in rows:
        chunk.append([pdf.paragraph(value, cell) for value in values])
        if len(chunk) == TABLE_ROWS:
            story.append(_pdf_table(header, chunk))
            chunk = []
    chunk.append([pdf.paragraph(value, cell) for value in _total_row(counted_minutes)])
    story.append(_pdf_table(header, chunk))
    printed = _("Printed %(when)s") % {"when": _local(timezone.now())}
    return pdf.render_pdf(story, title=title, pagesize=landscape(A4), footer=printed)


def _pdf_table(header: list[Paragraph], rows: list[list[Paragraph]]) -> Table:
    # Each table starts with the header (repeated on every page it runs onto); the tables
    # follow one another without a gap, so the list reads as one.
    table = Table([header, *rows], colWidths=[w * mm for w in _PDF_WIDTHS], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#24292f")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def log_export(actor: Any, organization: Any, *, kind: str, rows: int) -> None:
    """The audit entry of an export (on the organisation whose records were exported)."""
    log_action(
        actor,
        "hours.records.exported",
        organization,
        organization=organization,
        data={"format": kind, "rows": rows},
    )


def export_records(user: Any, filters: RecordFilter, *, kind: str) -> ExportFile:
    """The records `filters` chooses among `user`'s as a file of `kind`, written now (the
    page's immediate export, and the background producer). Raises PermissionDenied (see
    `records_to_export`), KeyError for another kind, pdf.FontUnavailable.
    Audit: hours.records.exported (format, rows) on the filter's organisation, else the
    user's highest."""
    return _export(user, filters, kind=kind, progress=None)


def _export(
    user: Any, filters: RecordFilter, *, kind: str, progress: Progress | None
) -> ExportFile:
    found = records_to_export(user, filters)
    written = write_records(found, kind=kind, title=export_title(filters), progress=progress)
    where = filters.organization or home_organization(user)
    if where is not None:
        log_export(user, where, kind=kind, rows=written.rows)
    name = file_name(kind, timezone.localdate())
    return ExportFile(written.content, name, CONTENT_TYPES[kind], written.rows)


@exporter(RECORDS)
def build_records_export(export: Export, progress: Progress) -> ExportFile:
    """The records of a background export, read now through the requester's scope (a role
    lost since it was asked for fails it: PermissionDenied): `export_records` with the
    export's filters and kind."""
    params = export_params(export)
    filters = RecordFilter.from_params(params.get("filters", {}))
    return _export(export.requested_by, filters, kind=str(params.get("kind")), progress=progress)
