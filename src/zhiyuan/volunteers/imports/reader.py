"""Reading registration rosters (xlsx or csv, as Excel and WPS write them): the bytes into a
`Roster`, its header found and its columns mapped to fields, its rows as cells. `cells` turns
a row's cells into the raw person data that `rules.clean_person` checks; nothing here decides
whether a person may register.

- Formats are told from the bytes, not the file name: an xlsx is a zip; legacy .xls (an OLE
  file) is refused with a message to save it as xlsx; anything else is read as CSV
  (`common.spreadsheets.is_workbook`, `csv_rows`, which the hours back-fill and the target
  sheets read through too).
- CSV encodings: UTF-8 with or without BOM, else GB18030 (a superset of GBK and GB2312, what
  Chinese Excel and WPS write as "CSV"), which decodes every byte sequence those write.
- The header is the row, among the first HEADER_SEARCH_ROWS, that names the most known
  columns (title rows and merged group headers above it are skipped); header names are
  matched after NFKC, without spaces, brackets' contents and required-markers.
- A row is the list of its cells' values as the file holds them (str, int, float, bool, date,
  datetime or None): no object per cell (a 100,000-row roster has 1.8 million cells).
- A formula without a cached value (files saved by some tools, e.g. openpyxl) reads as "", and
  its row is a `Row` that names its column in `formulas`, for `cells` to refuse; formulas with
  cached values give those values.
- An xlsx is read by `common.spreadsheets.read_first_sheet` within ROSTER_LIMITS: its
  declarations are checked before any reader allocates (a 2 KB file naming XFD1048576 is
  refused), and the read runs in a contained child process, so a file that still makes the
  reader run away fails this import only. CSV is read here: what it takes grows with the
  file's size, which the upload bounds.
Row numbers are those Excel shows (1-based, counting every row above the data).
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.spreadsheets import (
    WorkbookLimits,
    WorkbookRefused,
    column_letters,
    csv_rows,
    is_workbook,
    read_first_sheet,
)

HEADER_SEARCH_ROWS = 20


MAX_COLUMNS = 200


# A 100,000-row roster unpacks to about 60 MB; far more, or a far higher ratio, is a zip bomb.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024


MAX_COMPRESSION_RATIO = 200


# Cells of a worksheet's used area (its last row × its last column): calamine holds them all,
# about 32 bytes each; a 200,000-row roster of 50 columns is 10 million.
MAX_GRID_CELLS = 10_000_000


# What an uploaded roster may hold, and what the process reading it may use
# (`common.spreadsheets`): a 200,000-row roster of 50 columns reads in well under 2 GB.
ROSTER_LIMITS = WorkbookLimits(
    cells=MAX_GRID_CELLS,
    strings=MAX_GRID_CELLS,
    unpacked_bytes=MAX_UNPACKED_BYTES,
    compression_ratio=MAX_COMPRESSION_RATIO,
)


REQUIRED_FIELDS = ("name", "document_number", "mobile")


# Header names people use for each field (compared after `header_key`).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "志愿者姓名", "真实姓名", "name", "fullname"),
    "gender": ("性别", "gender", "sex"),
    "document_type": ("证件类型", "身份证件类型", "documenttype", "idtype"),
    "document_number": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "身份证件号码",
        "证件号码",
        "证件号",
        "身份证",
        "idnumber",
        "idno",
        "idcardnumber",
    ),
    "birth_date": ("出生日期", "出生年月", "出生年月日", "生日", "dateofbirth", "birthdate"),
    "ethnicity": ("民族", "ethnicity"),
    "political_status": ("政治面貌", "politicalstatus"),
    "education": ("学历", "文化程度", "最高学历", "education"),
    "occupation": ("职业", "occupation"),
    "work_unit_name": (
        "工作单位",
        "单位",
        "所在单位",
        "工作单位或学校",
        "工作单位/学校",
        "单位或学校",
        "学校",
        "就读学校",
        "workunit",
        "workunitorschool",
        "school",
        "employer",
    ),
    "work_unit": ("单位代码", "单位组织代码", "workunitcode"),
    "mobile": (
        "手机",
        "手机号",
        "手机号码",
        "联系电话",
        "联系方式",
        "电话",
        "移动电话",
        "mobile",
        "mobilenumber",
        "phone",
    ),
    "email": ("电子邮箱", "邮箱", "电子邮件", "email", "e-mail"),
    "home_division": (
        "居住社区",
        "所在社区",
        "居住地",
        "社区",
        "社区或村",
        "居住地区划代码",
        "区划代码",
        "社区区划代码",
        "homedivision",
        "homecommunity",
        "community",
        "divisioncode",
    ),
    "address_detail": ("详细地址", "地址", "家庭住址", "居住地址", "现住址", "address"),
    "skills": ("技能", "特长", "专业特长", "技能特长", "skills"),
    "service_intentions": ("服务意向", "志愿服务意向", "意向服务类别", "serviceintentions"),
    "available_times": ("服务时间", "可服务时间", "空闲时间", "availabletimes"),
    "emergency_contact_name": ("紧急联系人", "紧急联系人姓名", "emergencycontact"),
    "emergency_contact_phone": (
        "紧急联系人电话",
        "紧急联系电话",
        "紧急联系人手机",
        "emergencycontactphone",
    ),
    "age_basis": ("注册依据", "agebasis"),
    "guardian_name": ("监护人姓名", "监护人", "guardianname"),
    "guardian_relation": ("监护人关系", "与监护人关系", "guardianrelation"),
    "guardian_mobile": ("监护人手机", "监护人电话", "监护人联系电话", "guardianmobile"),
    "school_consent_reference": ("学校同意书编号", "学校同意编号", "schoolconsentreference"),
}


# Columns that offices add and that carry nothing to import.
IGNORED_HEADERS = frozenset(
    {"序号", "编号", "no", "no.", "备注", "remarks", "注册编号", "原行号", "问题", "problems"}
)


_HEADER_INDEX = {alias: field for field, aliases in HEADER_ALIASES.items() for alias in aliases}


_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|<[^>]*>")


class RosterError(ValidationError):
    """The file as a whole cannot be read (format, header, required columns)."""


def header_key(text: Any) -> str:
    """A header cell as compared: NFKC, lower-case, without bracketed notes such as
    "（必填）", required-markers, colons and whitespace."""
    key = unicodedata.normalize("NFKC", str(text or "")).lower()
    key = _BRACKETED.sub("", key)
    return re.sub(r"[\s*:：\u3000]", "", key)


class Row(list[Any]):
    """The values of a row that holds formulas without cached values: "" in their cells, and
    their columns (0-based, from the row's first) in `formulas`. Other rows are plain lists."""

    formulas: frozenset[int] = frozenset()


def with_formulas(values: list[Any], formulas: set[int]) -> Row:
    """`values` as a Row whose cells at `formulas` (positions within it) hold formulas without
    cached values: those cells read "" ."""
    row = Row("" if position in formulas else value for position, value in enumerate(values))
    row.formulas = frozenset(position for position in formulas if position < len(row))
    return row


@dataclass
class Roster:
    """A readable roster: where the header is, which column is which field, and the rows."""

    header_row: int
    columns: dict[int, str]
    headers: dict[int, str]
    unknown_headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    first_column: int = 0
    last_row: int = 0  # the file's last row number (for progress bars)
    # rows numbered below skip[0] may be passed over unread (`skip_to`); shared with the reader
    skip: list[int] = field(default_factory=lambda: [0])

    def skip_to(self, number: int) -> None:
        """Let `rows` pass over the rows before row `number` without reading their cells (a
        forked helper that checks the second half of a file starts there). The caller still
        filters by row number: a CSV file's rows are all read."""
        self.skip[0] = number


def open_roster(data: bytes) -> Roster:
    """Read `data` (the file's bytes) as a roster. Raises RosterError with a message that says
    what to do (legacy xls, unreadable file, no header, missing required columns)."""
    skip = [0]
    if is_workbook(data, error=RosterError):
        grid, first_column, last_row = _xlsx_rows(data, skip)
    else:
        grid = csv_rows(data, max_columns=MAX_COLUMNS, error=RosterError)
        first_column, last_row = 0, data.count(b"\n") + 1
    sheet = _with_header(grid, first_column)
    sheet.last_row = last_row
    sheet.skip = skip
    return sheet


def _xlsx_rows(data: bytes, skip: list[int]) -> tuple[Iterator[tuple[int, list[Any]]], int, int]:
    """The first sheet's rows, read in a contained process after the workbook guard
    (`common.spreadsheets.read_first_sheet`); rows numbered below skip[0] are passed over."""
    try:
        sheet = read_first_sheet(data, limits=ROSTER_LIMITS, max_columns=MAX_COLUMNS)
    except WorkbookRefused as refused:
        if refused.code == "too_large":
            raise RosterError(
                _("The file unpacks to far more data than a roster holds; it was not read."),
                code="too_large",
            ) from None
        raise RosterError(refused.message, code=refused.code, params=refused.params) from None
    missing = sheet.formulas_without_values

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, values in sheet.rows(lambda: skip[0]):
            columns = missing.get(number - 1)
            if columns:
                formulas = {column - sheet.first_column for column in columns}
                values = with_formulas(values, {p for p in formulas if p >= 0})
            yield number, values

    return rows(), sheet.first_column, sheet.total_height


def column_letter(index: int) -> str:
    """0-based column index → Excel's letters (0 → A, 27 → AB)."""
    return column_letters(index)


def _with_header(rows: Iterator[tuple[int, list[Any]]], first_column: int) -> Roster:
    """Find the header among the first rows and map its columns to fields."""
    seen: list[tuple[int, list[Any]]] = []
    best: tuple[int, int, list[Any]] | None = None
    for number, cells in rows:
        seen.append((number, cells))
        score = len({_HEADER_INDEX.get(header_key(value)) for value in cells} - {None})
        if score >= 2 and (best is None or score > best[0]):
            best = (score, number, cells)
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        raise RosterError(
            _(
                "No header row found: one of the first %(rows)s rows must name the columns, "
                "e.g. 姓名, 身份证号, 手机号. Download the template to see them."
            ),
            code="no_header",
            params={"rows": HEADER_SEARCH_ROWS},
        )
    _score, header_row, header_cells = best
    columns, headers, unknown = _map_columns(header_cells)
    missing = [name for name in REQUIRED_FIELDS if name not in columns.values()]
    if missing:
        raise RosterError(
            _("Required columns are missing: %(columns)s. Add them to the header row."),
            code="missing_columns",
            params={"columns": "、".join(str(FIELD_LABELS[name]) for name in missing)},
        )
    remaining = [(n, c) for n, c in seen if n > header_row]

    def data_rows() -> Iterator[tuple[int, list[Any]]]:
        yield from remaining
        yield from rows

    return Roster(header_row, columns, headers, unknown, data_rows(), first_column)


def _map_columns(cells: list[Any]) -> tuple[dict[int, str], dict[int, str], list[str]]:
    columns: dict[int, str] = {}
    headers: dict[int, str] = {}
    unknown: list[str] = []
    for index, value in enumerate(cells):
        text = str(value or "").strip()
        key = header_key(text)
        if not key:
            continue
        headers[index] = text
        field_name = _HEADER_INDEX.get(key)
        if field_name and field_name not in columns.values():
            columns[index] = field_name
        elif key not in IGNORED_HEADERS:
            unknown.append(text)
    return columns, headers, unknown


FIELD_LABELS: dict[str, Any] = {
    "name": _("name"),
    "gender": _("gender"),
    "document_type": _("ID document type"),
    "document_number": _("ID number"),
    "birth_date": _("date of birth"),
    "ethnicity": _("ethnicity"),
    "political_status": _("political status"),
    "education": _("education"),
    "occupation": _("occupation"),
    "work_unit_name": _("work unit or school"),
    "work_unit": _("work unit code"),
    "mobile": _("mobile"),
    "email": _("email"),
    "home_division": _("home community (name or division code)"),
    "address_detail": _("address"),
    "skills": _("skills"),
    "service_intentions": _("service intentions"),
    "available_times": _("available times"),
    "emergency_contact_name": _("emergency contact"),
    "emergency_contact_phone": _("emergency contact phone"),
    "age_basis": _("age basis"),
    "guardian_name": _("guardian's name"),
    "guardian_relation": _("guardian's relation"),
    "guardian_mobile": _("guardian's mobile"),
    "school_consent_reference": _("school consent reference"),
}
