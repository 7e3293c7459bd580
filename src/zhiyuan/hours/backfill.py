"""Back-filling service hours from paper (issue 12, item 5): offices still collect signed
sheets, and type them into a spreadsheet of one row per record: the activity (its number or,
if unique in the area, its title), the volunteer (registration number or ID number, and the
name to cross-check), the start, and the end or the minutes, with the service content.

The roster import's conventions (volunteers/imports):
- the file is read by `common.spreadsheets.table_rows`: a workbook through `read_first_sheet`
  (guarded, contained), CSV as UTF-8 or GB18030; the header is found among the first rows by Chinese or English
  names;
- an ID number stored as a number has lost digits already: refused, never repaired;
- the upload is a dry run: every row is checked and its problems kept as (row, column, kept
  messages: no personal data), read in the reader's language;
- the import is all or nothing: a sheet with problems is corrected and uploaded again; the
  import checks every row again in its transaction and writes all of them or none;
- imported records are pending until the organiser confirms them, like any other;
- a row naming an activity outside the importer's area is refused (and the message does not
  say whether such an activity exists elsewhere).
"""

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.activities.models import Activity, Slot
from zhiyuan.common.audit import Change, log_action, log_actions
from zhiyuan.common.excel import CODE_AS_NUMBER, ID_NUMBER_AS_NUMBER, in_scientific_notation
from zhiyuan.common.identity import normalize_document_number
from zhiyuan.common.masking import mask_document
from zhiyuan.common.spreadsheets import WorkbookLimits, column_letters, table_rows
from zhiyuan.common.text import holds_personal_number
from zhiyuan.hours import permissions, rules, selectors, services
from zhiyuan.hours.enums import HourSource, ImportState
from zhiyuan.hours.models import HourRecord, HoursImport
from zhiyuan.organizations.access import scope
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import HOLDING_STATUSES
from zhiyuan.volunteers.imports.files import purged_error
from zhiyuan.volunteers.imports.messages import kept, render
from zhiyuan.volunteers.imports.reader import header_key
from zhiyuan.volunteers.models import Volunteer, document_digest

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 30
HEADER_SEARCH_ROWS = 10
#: A record of more than a day is a mistake on the sheet, not a shift.
MAX_MINUTES = 24 * 60
LIMITS = WorkbookLimits(
    cells=MAX_ROWS * MAX_COLUMNS * 4, strings=200_000, unpacked_bytes=64 * 1024 * 1024
)

HEADERS: dict[str, tuple[str, ...]] = {
    "activity_id": ("活动编号", "活动id", "活动号", "activityid", "activitynumber", "activity"),
    "activity_title": ("活动名称", "活动", "活动标题", "activitytitle", "title"),
    "registration_number": ("注册编号", "志愿者编号", "志愿者注册编号", "registrationnumber"),
    "document_number": ("身份证号", "身份证号码", "证件号码", "证件号", "公民身份号码", "idnumber"),
    "name": ("姓名", "志愿者姓名", "name"),
    "start": ("开始时间", "开始", "服务开始时间", "start", "starttime", "from"),
    "end": ("结束时间", "结束", "服务结束时间", "end", "endtime", "to", "until"),
    "minutes": ("时长分钟", "服务时长分钟", "分钟", "时长", "minutes", "duration"),
    "content": ("服务内容", "内容", "备注", "content", "servicecontent"),
}
_INDEX = {header_key(alias): name for name, aliases in HEADERS.items() for alias in aliases}
LABELS: dict[str, Any] = {
    "activity_id": _("activity number"),
    "activity_title": _("activity title"),
    "registration_number": _("registration number"),
    "document_number": _("ID number"),
    "name": _("name"),
    "start": _("start"),
    "end": _("end"),
    "minutes": _("minutes"),
    "content": _("service content"),
}
_EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - a calendar origin, made local below
_TEXT_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日 %H时%M分",
)


class SheetError(ValidationError):
    """The file as a whole cannot be read (format, header, required columns, too many rows)."""


@dataclass
class Row:
    """A checked row, ready to write."""

    number: int
    activity: Activity
    slot: Slot | None
    volunteer: Volunteer
    start: datetime
    end: datetime
    content: str


class _Problem(Exception):
    def __init__(self, column: str, message: Any, params: dict[str, Any] | None = None):
        super().__init__(message)
        self.column, self.message, self.params = column, message, params or {}


# --- reading --------------------------------------------------------------------------------


def _grid(data: bytes) -> list[tuple[int, list[Any]]]:
    rows = table_rows(data, limits=LIMITS, max_columns=MAX_COLUMNS, error=SheetError)
    return list(islice(rows, MAX_ROWS + HEADER_SEARCH_ROWS + 1))


def _columns(grid: list[tuple[int, list[Any]]]) -> tuple[int, dict[str, int], dict[int, str]]:
    """The header row's number, field → column index, column index → the header as written."""
    for number, values in grid[:HEADER_SEARCH_ROWS]:
        found: dict[str, int] = {}
        for index, value in enumerate(values):
            name = _INDEX.get(header_key(value))
            if name and name not in found:
                found[name] = index
        if {"start"} <= set(found) and len(found) >= 3:
            missing = []
            if not {"activity_id", "activity_title"} & set(found):
                missing.append(LABELS["activity_id"])
            if not {"registration_number", "document_number"} & set(found):
                missing.append(LABELS["registration_number"])
            if not {"end", "minutes"} & set(found):
                missing.append(LABELS["end"])
            if missing:
                raise SheetError(
                    _("Required columns are missing: %(columns)s. Add them to the header row."),
                    code="missing_columns",
                    params={"columns": "、".join(str(label) for label in missing)},
                )
            headers = {i: str(v or "").strip() for i, v in enumerate(values)}
            return number, found, headers
    raise SheetError(
        _(
            "No header row found: one of the first %(rows)s rows must name the columns, e.g. "
            "活动编号, 注册编号, 开始时间, 结束时间."
        ),
        code="no_header",
        params={"rows": HEADER_SEARCH_ROWS},
    )


# --- cells ----------------------------------------------------------------------------------


def _quoted(text: str, limit: int) -> str:
    """A cell's text as a problem quotes it, at most `limit` characters: masked like an ID
    number when it holds an ID or mobile number (`common.text.holds_personal_number`), which a
    shifted column puts in any cell; problems are kept in clear and shown."""
    return (mask_document(text) if holds_personal_number(text) else text)[:limit]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def _instant(value: Any, column: str, *, day: date | None = None) -> datetime:
    """A local date and time from a cell: a date-time cell, an Excel serial number or text;
    a time alone (for the end) falls on `day`."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=None, microsecond=0)
    elif isinstance(value, time) and day is not None:
        moment = datetime.combine(day, value.replace(tzinfo=None, microsecond=0))
    elif isinstance(value, date):
        raise _Problem(column, _("Give the time as well as the date."))
    elif isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 100000:
        moment = _EXCEL_EPOCH + timedelta(seconds=round(float(value) * 86400))
    else:
        moment = _parse_text(_text(value), column, day=day)
    try:
        return timezone.make_aware(moment)
    except Exception:  # a local time that never existed (a summer-time gap)
        raise _Problem(column, _("This time does not exist in the local time zone.")) from None


def _parse_text(text: str, column: str, *, day: date | None) -> datetime:
    if not text:
        raise _Problem(column, _("This cell is empty."))
    for pattern in _TEXT_FORMATS:
        try:
            return datetime.strptime(text, pattern)  # noqa: DTZ007 - made local by the caller
        except ValueError:
            continue
    if day is not None and re.fullmatch(r"\d{1,2}:\d{2}", text):
        hour, minute = (int(part) for part in text.split(":"))
        if hour < 24 and minute < 60:
            return datetime.combine(day, time(hour, minute))
    raise _Problem(
        column,
        _("Write a date and time such as 2026-03-01 09:30 (%(text)s)."),
        {"text": _quoted(text, 40)},
    )


def _minutes(value: Any, column: str) -> int:
    if isinstance(value, bool):
        raise _Problem(column, _("Write the minutes as a whole number."))
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(_text(value))
        except ValueError:
            raise _Problem(column, _("Write the minutes as a whole number.")) from None
    if not number.is_integer() or not 0 < number <= MAX_MINUTES:
        raise _Problem(
            column,
            _("Write the minutes as a whole number from 1 to %(max)s."),
            {"max": MAX_MINUTES},
        )
    return int(number)


class _Sheet:
    """Checks the rows of one sheet for one importer and one organisation."""

    def __init__(self, actor: Any, organization: Organization, headers: dict[int, str]):
        self.actor = actor
        self.organization = organization
        self.headers = headers
        # What each activity number or title found, read once per sheet (rows repeat them).
        self.activities: dict[tuple[str, str], list[Activity]] = {}
        self.taken: dict[int, list[tuple[datetime, datetime, int]]] = {}

    def column(self, columns: dict[str, int], name: str) -> str:
        index = columns.get(name)
        if index is None:
            with _source_language():
                return str(LABELS[name])
        return f"{column_letters(index)} {self.headers.get(index, '')}".strip()

    def row(self, number: int, values: list[Any], columns: dict[str, int]) -> Row:
        def cell(name: str) -> Any:
            index = columns.get(name)
            return values[index] if index is not None and index < len(values) else None

        def col(name: str) -> str:
            return self.column(columns, name)

        activity = self.activity(cell("activity_id"), cell("activity_title"), columns)
        volunteer = self.volunteer(cell("registration_number"), cell("document_number"), columns)
        name = _text(cell("name"))
        if name and name != volunteer.name:
            raise _Problem(col("name"), _("The name does not match the volunteer's registration."))
        start = _instant(cell("start"), col("start"))
        end_cell, minutes_cell = cell("end"), cell("minutes")
        if end_cell not in (None, ""):
            end = _instant(end_cell, col("end"), day=timezone.localtime(start).date())
            if end <= start and isinstance(end_cell, time | str) and ":" in str(end_cell)[:5]:
                end += timedelta(days=1)  # a time alone past midnight: the next day
            if minutes_cell not in (None, "") and rules.minutes_between(start, end) != _minutes(
                minutes_cell, col("minutes")
            ):
                raise _Problem(col("minutes"), _("The minutes do not match the start and the end."))
        elif minutes_cell not in (None, ""):
            end = start + timedelta(minutes=_minutes(minutes_cell, col("minutes")))
        else:
            raise _Problem(col("end"), _("Give the end or the minutes."))
        try:
            start, end = services.check_times(start, end)
            services.check_subject(volunteer, activity, None)
        except ValidationError as error:
            field = next(iter(error.error_dict)) if hasattr(error, "error_dict") else "start"
            message = error.error_dict[field][0] if hasattr(error, "error_dict") else error
            raise _Problem(
                col(field if field in LABELS else "start"), message.message, message.params
            ) from None
        content = _text(cell("content"))
        try:
            content = services.clean_content(content)
        except ValidationError as error:
            raise _Problem(col("content"), error.messages[0]) from None
        self.refuse_overlap(volunteer, start, end, col("start"), number)
        return Row(
            number, activity, self.slot_of(activity, start, end), volunteer, start, end, content
        )

    def activity(self, number: Any, title: Any, columns: dict[str, int]) -> Activity:
        if number not in (None, ""):
            column = self.column(columns, "activity_id")
            text = _text(number)
            if not text.isdigit() or len(text) > 18:
                raise _Problem(column, _("Write the activity's number as it shows on its page."))
            matches = self.found_activities(("number", text), Activity.objects.filter(pk=int(text)))
        else:
            column = self.column(columns, "activity_title")
            text = _text(title)
            if not text:
                raise _Problem(column, _("This cell is empty."))
            matches = self.found_activities(
                ("title", text),
                scope(
                    self.actor, Activity.objects.filter(title=text), permissions.RECORDING
                ).filter(organizer__path__startswith=self.organization.path),
            )
            if len(matches) > 1:
                raise _Problem(
                    column,
                    _(
                        "Several activities in your area have this title: give the activity's number."
                    ),
                )
        found = matches[0] if matches else None
        if (
            found is None
            or not found.organizer.path.startswith(self.organization.path)
            or not permissions.records_for(self.actor, found.organizer)
        ):
            raise _Problem(
                column,
                _(
                    "%(activity)s is not an activity of %(organization)s or below it; hours are back-filled by the organiser."
                ),
                {"activity": _quoted(text, 60), "organization": self.organization.name},
            )
        return found

    def found_activities(
        self, key: tuple[str, str], queryset: QuerySet[Activity]
    ) -> list[Activity]:
        """The first two activities of `queryset` with their organisers, read once per `key`."""
        if key not in self.activities:
            self.activities[key] = list(queryset.select_related("organizer")[:2])
        return self.activities[key]

    def volunteer(self, number: Any, document: Any, columns: dict[str, int]) -> Volunteer:
        holding = Volunteer.objects.filter(status__in=HOLDING_STATUSES)
        if number not in (None, ""):
            column = self.column(columns, "registration_number")
            if isinstance(number, float) or (isinstance(number, int) and len(str(number)) > 15):
                raise _Problem(column, CODE_AS_NUMBER)
            text = _text(number)
            if in_scientific_notation(text):
                raise _Problem(column, CODE_AS_NUMBER)
            found = holding.filter(registration_number=text).first()
        elif document not in (None, ""):
            column = self.column(columns, "document_number")
            if isinstance(document, int | float) and not isinstance(document, bool):
                raise _Problem(column, ID_NUMBER_AS_NUMBER)
            text = _text(document)
            if in_scientific_notation(text):
                raise _Problem(column, ID_NUMBER_AS_NUMBER)
            found = holding.filter(
                document_digest=document_digest(normalize_document_number(text))
            ).first()
        else:
            raise _Problem(
                self.column(columns, "registration_number"),
                _("Name the volunteer by registration number or ID number."),
            )
        if found is None:
            raise _Problem(column, _("No registered volunteer has this number."))
        return found

    def refuse_overlap(
        self, volunteer: Volunteer, start: datetime, end: datetime, column: str, number: int
    ) -> None:
        for other_start, other_end, other_row in self.taken.get(volunteer.pk, []):
            if start < other_end and other_start < end:
                raise _Problem(
                    column,
                    _("This overlaps row %(row)s of the same volunteer."),
                    {"row": other_row},
                )
        other = selectors.overlapping(volunteer, start, end)
        if other is not None:
            raise _Problem(
                column,
                _("This overlaps a record already in the ledger: %(activity)s, %(start)s."),
                {
                    "activity": other.activity.title,
                    "start": timezone.localtime(other.start).strftime("%Y-%m-%d %H:%M"),
                },
            )
        self.taken.setdefault(volunteer.pk, []).append((start, end, number))

    @staticmethod
    def slot_of(activity: Activity, start: datetime, end: datetime) -> Slot | None:
        return (
            activity.slots.filter(starts_at__lte=start, ends_at__gte=end)
            .order_by("starts_at")
            .first()
        )


def _source_language() -> Any:
    from django.utils import translation

    return translation.override(None)


def check_rows(
    data: bytes, *, actor: Any, organization: Organization
) -> tuple[list[Row], list[dict[str, Any]]]:
    """Read and check every row of a sheet. Returns the checked rows and the problems (row,
    column, kept messages). Raises SheetError for a file that cannot be read as a sheet."""
    with _source_language():  # problems are kept in no language (`kept`)
        return _check_rows(data, actor=actor, organization=organization)


def _check_rows(
    data: bytes, *, actor: Any, organization: Organization
) -> tuple[list[Row], list[dict[str, Any]]]:
    grid = _grid(data)
    header_row, columns, headers = _columns(grid)
    body = [(n, v) for n, v in grid if n > header_row and any(_text(x) for x in v)]
    if len(body) > MAX_ROWS:
        raise SheetError(
            _("A sheet holds at most %(max)s rows; split the file."),
            code="too_many_rows",
            params={"max": MAX_ROWS},
        )
    sheet = _Sheet(actor, organization, headers)
    rows: list[Row] = []
    problems: list[dict[str, Any]] = []
    for number, values in body:
        try:
            rows.append(sheet.row(number, values, columns))
        except _Problem as problem:
            problems.append(
                {
                    "row": number,
                    "column": problem.column,
                    "texts": [kept(problem.message, problem.params)],
                }
            )
    return rows, problems


def problem_text(problem: dict[str, Any]) -> str:
    """A kept problem in the reader's language."""
    return " ".join(render(text) for text in problem.get("texts", []))


def error_text(item: HoursImport) -> str:
    """Why a sheet could not be read, in the reader's language ("" when it was read)."""
    return " ".join(render(text) for text in item.error)


# --- the import -----------------------------------------------------------------------------


def upload_sheet(
    data: bytes, *, filename: str, organization: Organization, actor: Any
) -> HoursImport:
    """Keep an uploaded sheet (encrypted: it names people) and check it (the dry run).
    Raises PermissionDenied (not a leader or administrator of `organization`),
    ValidationError (an empty or too large file). Audit: hours.import.checked."""
    permissions.require_records_for(actor, organization)
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    if len(data) > MAX_BYTES:
        raise ValidationError({"file": _("A sheet may be at most 5 MB.")})
    item = HoursImport(
        organization=organization,
        uploaded_by=services.acting_user(actor),
        filename=str(filename)[:200] or "hours.xlsx",
        file_sha256=hashlib.sha256(data).hexdigest(),
        file_size=len(data),
        content=base64.b64encode(data).decode(),
    )
    try:
        rows, problems = check_rows(data, actor=actor, organization=organization)
    except SheetError as error:
        item.state = ImportState.FAILED
        item.error = [kept(error.message, error.params)]
        rows, problems = [], []
    item.rows_total = len(rows) + len(problems)
    item.rows_valid = len(rows)
    item.problems = problems
    with transaction.atomic():
        item.save()
        log_action(
            actor,
            "hours.import.checked",
            item,
            organization=organization,
            data={
                "rows": item.rows_total,
                "valid": item.rows_valid,
                "file_sha256": item.file_sha256,
            },
        )
    return item


def import_sheet(item: HoursImport, *, actor: Any) -> int:
    """Write every row of a checked sheet as a pending record, all or none: the rows are
    checked again in the transaction (the ledger may have changed since the dry run). Returns
    the number of records. Raises PermissionDenied, ValidationError (problems: the sheet's
    problems are stored again and nothing is written; already imported; could not be read).
    Audit: hours.record.created per record, hours.import.imported."""
    permissions.require_records_for(actor, item.organization)
    if item.state != ImportState.CHECKED:
        raise ValidationError(
            _("This sheet was already imported or could not be read."), code="state"
        )
    if item.problems:
        raise ValidationError(
            _("The sheet has problems: correct them in the file and upload it again."),
            code="problems",
        )
    if not item.content:
        raise purged_error()
    data = base64.b64decode(item.content)
    with transaction.atomic():
        locked = HoursImport.objects.select_for_update().get(pk=item.pk)
        if locked.state != ImportState.CHECKED:
            raise ValidationError(
                _("This sheet was already imported or could not be read."), code="state"
            )
        rows, problems = check_rows(data, actor=actor, organization=item.organization)
        if problems:
            transaction.set_rollback(True)
        else:
            records = [_write(row, actor, locked) for row in rows]
            locked.state = ImportState.IMPORTED
            locked.imported_count = len(records)
            locked.imported_by = services.acting_user(actor)
            locked.imported_at = timezone.now()
            locked.content = ""  # the sheet names people by ID number: done with, its hash stays
            locked.save()
            log_actions(
                actor,
                [
                    Change(
                        "hours.record.created",
                        r,
                        r.organizer,
                        {"source": r.source, "minutes": r.minutes},
                    )
                    for r in records
                ],
            )
            log_action(
                actor,
                "hours.import.imported",
                locked,
                organization=locked.organization,
                data={"rows": len(records)},
            )
    if problems:
        HoursImport.objects.filter(pk=item.pk).update(problems=problems, rows_valid=len(rows))
        item.refresh_from_db()
        raise ValidationError(
            _(
                "The ledger changed since the check: %(count)s rows have problems now; nothing was imported."
            ),
            code="problems",
            params={"count": len(problems)},
        )
    item.refresh_from_db()
    return item.imported_count


def _write(row: Row, actor: Any, item: HoursImport) -> HourRecord:
    return services.record_hours(
        row.volunteer,
        activity=row.activity,
        slot=row.slot,
        start=row.start,
        end=row.end,
        content=row.content,
        actor=actor,
        source=HourSource.BACKFILL,
        hours_import=item,
    )


def purge_expired_sheets(*, now: Any = None) -> int:
    """Delete the files of sheets uploaded more than ROSTER_RETENTION_DAYS ago and never
    imported (an imported sheet's file is deleted at once); their SHA-256 and problems stay.
    Returns how many were deleted. A periodic job, as for rosters (the same period: both name
    people by ID number)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ROSTER_RETENTION_DAYS)
    return HoursImport.objects.filter(uploaded_at__lt=cutoff).exclude(content="").update(content="")
