"""Reading the account spreadsheet for `services.import_accounts` (the web upload and the
`import_accounts` command share it).

Formats: .xlsx (also .xlsm), the first sheet; .csv in UTF-8, UTF-8 with BOM
(what Excel writes) or GBK/GB18030 (what older Chinese Excel writes). The first non-empty row
names the columns, in Chinese or English (COLUMNS); other columns are ignored. Row numbers are
those a spreadsheet program shows, so problems can be found there.

Uploads are hostile input. An .xlsx of a few kilobytes can unpack to gigabytes, or name a cell
at XFD1048576 so that a reader building the sheet's whole rectangle asks for hundreds of
gigabytes (python-calamine then aborts the process; an .ods with repeated cells takes 5 GB).
So the archive's unpacked size is checked first (MAX_UNPACKED_BYTES), the workbook is read by
`common.spreadsheets.read_first_sheet` within ACCOUNT_LIMITS (what it declares is checked before
it is read, and the read runs in a contained child process: a file that still runs away fails
this upload only, never the web server), over the first MAX_COLUMNS columns only, and .xls/.ods
are not accepted.
"""

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from zhiyuan.accounts.services import MAX_IMPORT_ROWS, AccountRow
from zhiyuan.common.spreadsheets import WorkbookLimits, WorkbookRefused, read_first_sheet

#: Column -> header names accepted (compared after `_header_key`).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "username": ("用户名", "账号", "username"),
    "mobile": ("手机号", "手机", "手机号码", "mobile", "mobile number"),
    "organization": (
        "组织代码",
        "organisation code",
        "organization code",
        "organisation",
        "organization",
    ),
    "role": ("角色", "role"),
}
#: The header row of the downloadable template.
TEMPLATE_HEADERS = ("姓名", "用户名", "手机号", "组织代码", "角色")
COLUMN_LABELS = {
    "name": pgettext_lazy("person", "Name"),
    "username": gettext_lazy("Username"),
    "mobile": gettext_lazy("Mobile"),
    "organization": gettext_lazy("Organisation code"),
    "role": gettext_lazy("Role"),
}
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm"}
#: An .xlsx of 2,000 accounts unpacks to well under 1 MB.
MAX_UNPACKED_BYTES = 10 * 1024 * 1024
#: Columns read from each row; the five needed ones are expected among them.
MAX_COLUMNS = 50
#: What an account sheet may hold (a sheet of 20,000 rows by MAX_COLUMNS; 2,000 accounts fill a
#: tenth of it), and what the process reading it may use.
ACCOUNT_LIMITS = WorkbookLimits(
    cells=20_000 * MAX_COLUMNS,
    strings=20_000 * MAX_COLUMNS,
    unpacked_bytes=MAX_UNPACKED_BYTES,
    memory_bytes=512 * 1024 * 1024,
    cpu_seconds=30,
    wall_seconds=60,
)


@dataclass(frozen=True)
class AccountSheet:
    """The rows read, and for each column the letter it has in the file (A, B, …)."""

    rows: list[AccountRow]
    letters: dict[str, str]


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (as spreadsheet programs name columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _header_key(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip().lower().replace("_", " ")
    return " ".join(text.replace("*", "").split())


def _cell_text(value: object) -> str:
    """A cell as text: 13800138000.0 (a number typed in Excel) -> "13800138000"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _decode_csv(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _("The CSV file is neither UTF-8 nor GBK text. Save it again as CSV UTF-8."),
        code="bad_encoding",
    )


def _unreadable() -> ValidationError:
    return ValidationError(
        _("This file cannot be read as a spreadsheet. Save it again as .xlsx or .csv."),
        code="unreadable",
    )


def _csv_rows(content: bytes) -> Iterator[Sequence[Any]]:
    reader = csv.reader(io.StringIO(_decode_csv(content), newline=""))
    try:
        yield from reader
    except csv.Error:  # e.g. a field beyond csv.field_size_limit() (128 KiB)
        raise _unreadable() from None


def _xlsx_rows(content: bytes) -> Iterator[Sequence[Any]]:
    """The first sheet's rows from row 1 and column A, MAX_COLUMNS wide; empty rows and cells
    come as empty values."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _unreadable() from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValidationError(
            _("This spreadsheet unpacks to more than %(mb)s MB. Save only the accounts in it."),
            code="too_large",
            params={"mb": MAX_UNPACKED_BYTES // (1024 * 1024)},
        )
    try:
        sheet = read_first_sheet(content, limits=ACCOUNT_LIMITS, max_columns=MAX_COLUMNS)
    except WorkbookRefused as refused:
        if refused.code == "unreadable":
            raise _unreadable() from None
        raise
    before = [None] * sheet.first_column  # the empty columns left of the sheet's first used one
    for _number, values in sheet.rows():
        yield (before + values)[:MAX_COLUMNS] if before else values


def _raw_rows(content: bytes, suffix: str) -> Iterator[Sequence[Any]]:
    return _csv_rows(content) if suffix == ".csv" else _xlsx_rows(content)


def _is_blank(cells: Sequence[Any]) -> bool:
    # Cheap for the many empty rows a sparse sheet yields; text conversion comes after.
    return cells.count(None) + cells.count("") == len(cells)


def _find_columns(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    accepted = {_header_key(name): column for column, names in COLUMNS.items() for name in names}
    for index, value in enumerate(header):
        column = accepted.get(_header_key(value))
        if column is None:
            continue
        if column in positions:
            raise ValidationError(
                _("Two columns are headed %(header)s. Keep one."),
                code="duplicate_column",
                params={"header": value},
            )
        positions[column] = index
    missing = [str(COLUMN_LABELS[column]) for column in COLUMNS if column not in positions]
    if missing:
        raise ValidationError(
            _(
                "The first row must name the columns 姓名, 用户名, 手机号, 组织代码 and 角色 "
                "(or name, username, mobile, organisation code and role). Missing: %(missing)s."
            ),
            code="missing_columns",
            params={"missing": ", ".join(missing)},
        )
    return positions


def read_account_sheet(content: bytes, *, filename: str) -> AccountSheet:
    """Read the rows of an account spreadsheet.

    Raises ValidationError with codes "unsupported_format", "bad_encoding", "unreadable",
    "too_large" (unpacks beyond MAX_UNPACKED_BYTES), "empty", "missing_columns",
    "duplicate_column" or "too_many_rows" (MAX_IMPORT_ROWS).
    """
    suffix = PurePath(filename or "").suffix.lower()
    if suffix != ".csv" and suffix not in SPREADSHEET_SUFFIXES:
        raise ValidationError(
            _("Upload an Excel file (.xlsx) or a CSV file (.csv)."), code="unsupported_format"
        )
    positions: dict[str, int] | None = None
    rows: list[AccountRow] = []
    for number, raw in enumerate(_raw_rows(content, suffix), start=1):
        if _is_blank(raw):
            continue
        cells = [_cell_text(cell) for cell in raw]
        if not any(cells):
            continue
        if positions is None:
            positions = _find_columns(cells)
            continue
        if len(rows) == MAX_IMPORT_ROWS:
            raise ValidationError(
                _("A file may hold at most %(max)s accounts; split it into several files."),
                code="too_many_rows",
                params={"max": MAX_IMPORT_ROWS},
            )
        values = {col: cells[at] if at < len(cells) else "" for col, at in positions.items()}
        rows.append(AccountRow(row=number, **values))
    if positions is None:
        raise ValidationError(_("The file is empty."), code="empty")
    if not rows:
        raise ValidationError(_("The file has no accounts below its header row."), code="empty")
    return AccountSheet(rows=rows, letters={c: column_letter(i) for c, i in positions.items()})
