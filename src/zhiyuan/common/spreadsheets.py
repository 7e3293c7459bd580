"""Reading uploaded workbooks (.xlsx) so that no file, however small, can take down the process
that reads it: roster imports, account sheets, hours back-fill and target sheets all read
through `read_first_sheet`. An upload that may be a workbook or CSV text (the roster, the hours
back-fill and the target sheet) is told apart and read by `table_rows` (`is_workbook`,
`csv_rows` for the parts).

Readers that build a sheet as a dense grid (python-calamine, as fast as any) allocate for the
whole rectangle from A1 to the farthest cell a sheet names, and reserve room for as many shared
strings as the file declares: a 2 KB file naming XFD1048576, or declaring four billion strings,
asks for hundreds of gigabytes and the process aborts. So, at two depths:

1. `guard_xlsx` refuses such files before any reader allocates. It reads what the workbook
   declares, the way readers find it: the workbook part (`xl/workbook.xml`, and the one
   `_rels/.rels` names), its sheets and shared strings through the workbook's relationships
   (targets relative or absolute, at any path), plus anything under `xl/worksheets/`. In each
   sheet it finds the `<dimension ref>` and every cell's and row's `r` reference, whatever the
   attribute quoting (single or double quotes, spaces around `=`), and where some cell or row has
   no reference it follows them exactly as readers number them; in the shared strings the
   declared counts and the `<si>` items. XML is parsed with defusedxml; sheets and strings are
   scanned as a stream, in chunks cut after a `>`, so the scan itself never holds a whole part.
2. The guard and the read run in a child process with limits (`sandbox.run_contained`): a file
   the guard lets through but that still makes the reader run away ends that child, and the
   caller gets a ValidationError ("This file is too large or damaged to read; …") instead of
   losing its worker or web process.

The rows come back pickled in batches of BATCH_ROWS, unpickled one batch at a time as they are
read, so the reading process holds the file's rows in their compact pickled form.
"""

import csv
import io
import pickle
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import python_calamine
from defusedxml import DefusedXmlException, ElementTree
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.sandbox import ContainedFailure, ProcessLimits, run_contained

MiB = 1024 * 1024


@dataclass(frozen=True)
class WorkbookLimits:
    """What an upload of one kind may hold: cells of a sheet's grid (its last row × its last
    column), shared strings, bytes unpacked, the unpacked-to-packed ratio; and what the process
    reading it may use (`sandbox.ProcessLimits`)."""

    cells: int
    strings: int
    unpacked_bytes: int
    compression_ratio: int = 200
    memory_bytes: int = 2048 * MiB
    cpu_seconds: int = 120
    wall_seconds: int = 300

    @property
    def process(self) -> ProcessLimits:
        return ProcessLimits(self.memory_bytes, self.cpu_seconds, self.wall_seconds)


class WorkbookRefused(ValidationError):
    """The workbook was not read. Codes: "unreadable" (not a workbook, or malformed XML),
    "too_large" (unpacks to too much), "too_many_cells" (a sheet reaches too far),
    "too_many_strings" (too many shared strings), "too_large_or_damaged" (the reading process
    ran away and was stopped)."""


def _unreadable() -> WorkbookRefused:
    return WorkbookRefused(
        _("The file could not be read as an Excel workbook. Save it again as .xlsx."),
        code="unreadable",
    )


def _too_large() -> WorkbookRefused:
    return WorkbookRefused(
        _(
            "The file unpacks to far more data than a spreadsheet of this kind holds; it was not read."
        ),
        code="too_large",
    )


def _too_many_cells(cell: str) -> WorkbookRefused:
    return WorkbookRefused(
        _(
            "The sheet reaches as far as cell %(cell)s: far more rows and columns than a "
            "spreadsheet of this kind holds, so it was not read. Copy only the rows needed into a "
            "new workbook and upload that."
        ),
        code="too_many_cells",
        params={"cell": cell},
    )


def _too_many_strings() -> WorkbookRefused:
    return WorkbookRefused(
        _(
            "The file declares far more different texts than a spreadsheet of this kind holds, "
            "so it was not read. Copy only the rows needed into a new workbook and upload that."
        ),
        code="too_many_strings",
    )


def _ran_away() -> WorkbookRefused:
    return WorkbookRefused(
        _(
            "This file is too large or damaged to read; it was not read. Open it in Excel or "
            "WPS, copy the rows needed into a new workbook, save it as .xlsx and upload that."
        ),
        code="too_large_or_damaged",
    )


# --- reading ------------------------------------------------------------------------------

BATCH_ROWS = 2000


@dataclass
class SheetValues:
    """The first sheet's values as python-calamine reads them: rows from row 1 (rows above the
    first used one come empty), each a list from the sheet's first used column
    (`first_column`, 0-based) on; `total_height`, the 0-based index of its last row (as
    python-calamine gives it); the cells holding a formula without a saved result (0-based row
    → 0-based columns), which readers show as empty."""

    first_column: int
    total_height: int
    formulas_without_values: dict[int, set[int]]
    batches: list[bytes] = field(default_factory=list)
    batch_rows: int = BATCH_ROWS  # rows per batch, as the reading process made them

    def rows(self, skip_before: Callable[[], int] = lambda: 0) -> Iterator[tuple[int, list[Any]]]:
        """(row number as the spreadsheet shows it, values) for every row, unpickled a batch at
        a time; rows numbered below `skip_before()` (asked again at each batch) are passed over,
        whole batches of them without unpickling."""
        for index, batch in enumerate(self.batches):
            first = index * self.batch_rows + 1
            skip = skip_before()
            if first + self.batch_rows <= skip:
                continue
            for offset, values in enumerate(pickle.loads(batch)):  # noqa: S301 - our own
                if first + offset >= skip:
                    yield first + offset, values


def read_first_sheet(data: bytes, *, limits: WorkbookLimits, max_columns: int) -> SheetValues:
    """The first sheet of the workbook `data`, at most `max_columns` columns from its first used
    one, read in a contained child process after `guard_xlsx`.

    Raises WorkbookRefused: the guard's refusals, "unreadable", or "too_large_or_damaged" when
    the reading process was stopped (a limit of `limits`, or it was killed)."""
    try:
        return run_contained(_read, data, limits, max_columns, limits=limits.process)
    except ContainedFailure:
        raise _ran_away() from None


def _read(data: bytes, limits: WorkbookLimits, max_columns: int) -> SheetValues:
    """In the child: the guard, then calamine and the scan for formulas without values side by
    side (calamine parses without holding the GIL)."""
    sheets = guard_xlsx(data, limits)
    with ThreadPoolExecutor(max_workers=1) as executor:
        scan = executor.submit(_formulas_without_values, data, sheets[0] if sheets else None)
        try:
            workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheet = workbook.get_sheet_by_index(0)
        except Exception:
            raise _unreadable() from None
        missing = scan.result()
    values = SheetValues(sheet.start[1] if sheet.start else 0, sheet.total_height, missing)
    batch: list[list[Any]] = []
    for row in sheet.iter_rows():
        batch.append(row if len(row) <= max_columns else row[:max_columns])
        if len(batch) == values.batch_rows:
            values.batches.append(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
            batch = []
    if batch:
        values.batches.append(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
    return values


_CELL_REF = re.compile(r"([A-Za-z]+)(\d+)")


def _formulas_without_values(data: bytes, part: str | None) -> dict[int, set[int]]:
    """Cells (0-based row → 0-based columns) of sheet `part` holding a formula but no cached
    value. Most files have no formula at all, which a byte search tells at once."""
    if part is None:
        return {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part)
    if b"<f" not in xml and b":f>" not in xml:
        return {}
    missing: dict[int, set[int]] = {}
    try:
        for _event, element in ElementTree.iterparse(io.BytesIO(xml)):
            if element.tag.endswith("}c") or element.tag == "c":
                children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
                if "f" in children and _without_value(element, children.get("v")):
                    match = _CELL_REF.fullmatch(element.get("r", ""))
                    if match:
                        row, column = int(match.group(2)) - 1, column_index(match.group(1))
                        missing.setdefault(row, set()).add(column)
                element.clear()
    except (ElementTree.ParseError, DefusedXmlException):
        # XML that calamine reads leniently but is malformed, or declares entities.
        raise _unreadable() from None
    return missing


def _without_value(cell: Any, value: Any) -> bool:
    """Whether a formula cell holds no saved result: no <v>, or an empty one (openpyxl writes
    `<v/>`) in a cell whose type is not text (Excel writes an empty text result as
    t="str" with an empty <v>)."""
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return False
    return value is None or (not (value.text or "") and kind not in ("str", "s"))


def column_index(letters: str) -> int:
    """Excel's column letters → 0-based index (A → 0, AB → 27); lower case as upper."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + (ord(letter) - 64)
    return index - 1


def column_letters(index: int) -> str:
    """0-based column index → Excel's letters (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- uploaded tables: a workbook or CSV text ----------------------------------------------

#: How a file starts, told from its bytes (never from its name): an xlsx is a zip; an old .xls
#: (Excel 97-2003) is an OLE compound file.
XLSX_START = b"PK\x03\x04"
XLS_START = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

RefusalType = type[ValidationError]


def is_workbook(data: bytes, *, error: RefusalType = WorkbookRefused) -> bool:
    """Whether `data` is an xlsx workbook (else it is read as CSV text). Raises `error`
    ("legacy_xls", saying to save it as .xlsx) for an old .xls file."""
    if data[:8] == XLS_START:
        raise error(
            _("This is an old Excel .xls file. Open it in Excel or WPS and save it as .xlsx."),
            code="legacy_xls",
        )
    return data[:4] == XLSX_START


def decode_text(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (a BOM is dropped), else GB18030 (a superset of GBK and GB2312,
    what Chinese Excel and WPS write as "CSV"), told from the bytes. Raises
    UnicodeDecodeError for bytes that are neither."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def csv_rows(
    data: bytes, *, max_columns: int, error: RefusalType = WorkbookRefused
) -> Iterator[tuple[int, list[Any]]]:
    """(row number from 1, values as text, at most `max_columns`) of CSV bytes (`decode_text`).
    Raises `error` ("unreadable", saying what to do) as the rows are read: for bytes that are
    no text in either encoding, binary bytes, or a field beyond `csv.field_size_limit` (an
    unclosed quote)."""
    not_a_table = _(
        "The file is not a spreadsheet or CSV file. Save it from Excel or WPS as .xlsx."
    )
    try:
        text = decode_text(data)
    except UnicodeDecodeError:
        raise error(
            _("The file is neither UTF-8 nor GBK text. Save it from Excel or WPS as .xlsx."),
            code="unreadable",
        ) from None
    if "\x00" in text[:4096]:
        raise error(not_a_table, code="unreadable")
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            yield number, values[:max_columns]
    except csv.Error:
        raise error(not_a_table, code="unreadable") from None


def table_rows(
    data: bytes,
    *,
    limits: WorkbookLimits,
    max_columns: int,
    error: RefusalType = WorkbookRefused,
) -> Iterator[tuple[int, list[Any]]]:
    """(row number as the spreadsheet shows it, values) of an uploaded table: the first sheet of
    an xlsx (`read_first_sheet` within `limits`, read at once), else CSV text (`csv_rows`, read
    as the rows are taken). Every refusal is raised as `error` (the caller's ValidationError
    subclass) with the refusal's message, code and params: "legacy_xls", "unreadable", and
    the guard's (`WorkbookRefused`)."""
    if not is_workbook(data, error=error):
        return csv_rows(data, max_columns=max_columns, error=error)
    try:
        sheet = read_first_sheet(data, limits=limits, max_columns=max_columns)
    except WorkbookRefused as refused:
        raise error(refused.message, code=refused.code, params=refused.params) from None
    return sheet.rows()


# --- the guard ----------------------------------------------------------------------------


def guard_xlsx(data: bytes, limits: WorkbookLimits) -> list[str]:
    """Refuse a workbook that would make a reader allocate beyond `limits`; return the
    workbook's sheet parts in its order (its first sheet first).

    Raises WorkbookRefused ("unreadable", "too_large", "too_many_cells", "too_many_strings")."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > min(limits.unpacked_bytes, limits.compression_ratio * max(len(data), 1)):
                raise _too_large()
            parts = _Parts(archive)
            sheets, strings = parts.declared()
            for part in dict.fromkeys(sheets + parts.conventional_sheets()):
                rows, columns = _sheet_extent(parts, part, limits.cells)
                if rows * columns > limits.cells:
                    raise _too_many_cells(f"{column_letters(columns - 1)}{rows}")
            for part in dict.fromkeys(strings):
                if _shared_strings(parts.chunks(part)) > limits.strings:
                    raise _too_many_strings()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, KeyError, OSError):
        raise _unreadable() from None
    except (ElementTree.ParseError, DefusedXmlException):
        raise _unreadable() from None
    return sheets


_RELATIONSHIP_TYPE = re.compile(r"/(worksheet|sharedStrings|officeDocument)$")


class _Parts:
    """The archive's parts, found by name as readers find them: case, backslashes and `..`
    aside (an OPC name is case-insensitive; a reader may or may not resolve `..`)."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.by_key: dict[str, list[str]] = {}
        for name in archive.namelist():
            self.by_key.setdefault(_key(name), []).append(name)

    def named(self, path: str) -> list[str]:
        return self.by_key.get(_key(path), [])

    def conventional_sheets(self) -> list[str]:
        return [
            name
            for key, names in self.by_key.items()
            if key.startswith("xl/worksheets/") and key.endswith(".xml")
            for name in names
        ]

    def declared(self) -> tuple[list[str], list[str]]:
        """(the sheets the workbook declares, in its order; its shared-string parts)."""
        workbooks = ["xl/workbook.xml"]
        for kind, target in self.relationships("").values():
            if kind == "officeDocument":
                workbooks.extend(target)
        sheets: list[str] = []
        strings: list[str] = self.named("xl/sharedStrings.xml")
        for workbook in dict.fromkeys(name for path in workbooks for name in self.named(path)):
            related = self.relationships(workbook)
            for sheet_id in self.sheet_ids(workbook):
                sheets.extend(related.get(sheet_id, ("", []))[1])
            for kind, targets in related.values():
                if kind == "worksheet":
                    sheets.extend(targets)
                elif kind == "sharedStrings":
                    strings.extend(targets)
        return list(dict.fromkeys(sheets)), list(dict.fromkeys(strings))

    def relationships(self, source: str) -> dict[str, tuple[str, list[str]]]:
        """Relationship id → (its kind, the parts its target names) of part `source` ("" for
        the package's own relationships)."""
        folder, name = posixpath.split(source)
        found: dict[str, tuple[str, list[str]]] = {}
        for rels in self.named(posixpath.join(folder, "_rels", f"{name}.rels")):
            for element in _elements(self.archive, rels, "Relationship"):
                kind = _RELATIONSHIP_TYPE.search(element.get("Type", ""))
                target = element.get("Target", "")
                if element.get("TargetMode") == "External" or not target:
                    continue
                candidates = []
                for spelling in dict.fromkeys((target, unquote(target))):
                    candidates.append(
                        spelling if spelling.startswith("/") else f"{folder}/{spelling}"
                    )
                    candidates.append(posixpath.join(folder, spelling))
                parts = [part for path in candidates for part in self.named(path)]
                found[element.get("Id", "")] = (kind.group(1) if kind else "", parts)
        return found

    def sheet_ids(self, workbook: str) -> list[str]:
        """The relationship ids of the workbook's <sheet> elements, in order."""
        return [
            value
            for element in _elements(self.archive, workbook, "sheet")
            for attribute, value in element.attrib.items()
            if attribute.rsplit("}", 1)[-1] == "id"
        ]

    def chunks(self, part: str) -> Iterator[bytes]:
        """The part's bytes in pieces of about CHUNK_BYTES, each cut right before a `<`: no tag
        is split between two pieces (attribute values and text hold no `<`). Raises
        WorkbookRefused ("unreadable") for a tag longer than a piece, which no program writes."""
        with self.archive.open(part) as stream:
            carry = b""
            while block := stream.read(CHUNK_BYTES):
                block = carry + block
                cut = block.rfind(b"<")
                if cut == -1:  # text only
                    cut = len(block)
                elif len(block) - cut > CHUNK_BYTES:  # a tag and a long text after it
                    end = block.find(b">", cut)
                    if end == -1:
                        raise _unreadable()
                    cut = end + 1
                if cut:
                    yield block[:cut]
                carry = block[cut:]
            if carry:
                yield carry


CHUNK_BYTES = 4 * MiB


def _key(path: str) -> str:
    return posixpath.normpath("/" + path.replace("\\", "/")).lstrip("/").lower()


def _elements(archive: zipfile.ZipFile, part: str, local_name: str) -> Iterator[Any]:
    """The elements named `local_name` (any namespace) of a small XML part, streamed."""
    with archive.open(part) as stream:
        for _event, element in ElementTree.iterparse(stream):
            if element.tag.rsplit("}", 1)[-1] == local_name:
                yield element
            element.clear()


# Cells and rows as every spreadsheet program writes them: `r` first, in double quotes.
_CELL_LETTERS = re.compile(rb'<c r="([A-Za-z]*)')
_CELL_DIGITS = re.compile(rb'<c r="[A-Za-z]*([0-9]*)"')
_ROW_DIGITS = re.compile(rb'<row r="([0-9]*)"')
# Anything else: a start tag of a cell or row without attributes, spaced otherwise, with `r` not
# first or its value not letters and digits, or with a namespace prefix (then the count of
# canonical tags differs from that of `<c ` and `<row `, or these match).
_OTHER_TAG = re.compile(rb"<(?:c|row)[>/\t\n\r]")
_PREFIXED_TAG = re.compile(rb":(?:c|row)[\s/>]")
_DIMENSION = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?dimension(?=[\s/>])[^>]*?\sref\s*=\s*([\"'])([^\"']*)\1"
)
_REFERENCE = re.compile(rb"([A-Za-z]+)\$?([0-9]+)")
_TOO_FAR = 10**15  # more than 8 letters or 12 digits: as good as unbounded


def _sheet_extent(parts: _Parts, part: str, limit: int) -> tuple[int, int]:
    """(rows, columns) of the grid a reader builds for sheet `part`: up to the farthest row and
    column its references name (cells, rows and the declared dimension). Cells and rows written
    the usual way (`<c r="B7"`) are found by a quick scan; a sheet with any other spelling
    (single quotes, spaces around "=", `r` not first, a namespace prefix, a cell or row without
    `r`, which readers number after the previous one) is followed exactly
    (`_followed_extent`, which stops beyond `limit` cells)."""
    rows = columns = 1
    unusual = False
    for chunk in parts.chunks(part):
        cell_digits = _CELL_DIGITS.findall(chunk)
        row_digits = _ROW_DIGITS.findall(chunk)
        unusual = unusual or (
            chunk.count(b"<c ") != len(cell_digits)
            or chunk.count(b"<row ") != len(row_digits)
            or _OTHER_TAG.search(chunk) is not None
            or _PREFIXED_TAG.search(chunk) is not None
        )
        letters = set(_CELL_LETTERS.findall(chunk))
        if letters:
            columns = max(columns, *(_column_count(text) for text in letters))
        digits = set(cell_digits) | set(row_digits)
        if digits:
            rows = max(rows, _largest_number(digits))
        for _quote, reference in _DIMENSION.findall(chunk) if b"dimension" in chunk else ():
            for letters_, digits_ in _REFERENCE.findall(reference):
                rows = max(rows, _largest_number({digits_}))
                columns = max(columns, _column_count(letters_))
    if unusual:
        followed = _followed_extent(parts.archive, part, limit)
        rows, columns = max(rows, followed[0]), max(columns, followed[1])
    return rows, columns


_FULL_REFERENCE = re.compile(r"([A-Za-z]*)([0-9]+)")


def _followed_extent(archive: zipfile.ZipFile, part: str, limit: int) -> tuple[int, int]:
    """(rows, columns) of a sheet followed as readers number its cells: a row without `r`
    follows the previous row, a cell without `r` the previous cell of its row. Streamed, each
    row dropped once read; stops as soon as the grid exceeds `limit` cells."""
    rows = columns = row = column = 0
    holder = None
    with archive.open(part) as stream:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            name = element.tag.rsplit("}", 1)[-1]
            if event == "end":
                if name == "row" and holder is not None:
                    holder.clear()  # the rows read so far: nothing holds them any more
                continue
            if name == "sheetData":
                holder = element
            elif name == "row":
                match = _FULL_REFERENCE.fullmatch(element.get("r", ""))
                row = _largest_number({match.group(2).encode()}) if match else row + 1
                rows, column = max(rows, row), 0
            elif name == "c":
                match = _FULL_REFERENCE.fullmatch(element.get("r", ""))
                if match and match.group(1):
                    column = _column_count(match.group(1).encode())
                    rows = max(rows, _largest_number({match.group(2).encode()}))
                else:
                    column += 1
                    rows = max(rows, row)
                columns = max(columns, column)
                if rows * columns > limit:
                    break
    return max(rows, 1), max(columns, 1)


def _largest_number(digits: set[bytes]) -> int:
    longest = max(len(text) for text in digits)
    if longest > 12:
        return _TOO_FAR
    return max((int(text) for text in digits if len(text) == longest), default=0) if longest else 0


def _column_count(letters: bytes) -> int:
    if len(letters) > 8:
        return _TOO_FAR
    return column_index(letters.decode()) + 1 if letters else 1


_STRING_ITEM = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si(?=[\s/>])")
_STRING_COUNT = re.compile(rb"\s(?:uniqueCount|count)\s*=\s*([\"'])\s*\+?([0-9]+)\s*\1")


def _shared_strings(chunks: Iterator[bytes]) -> int:
    """How many shared strings a reader makes room for: the most of the declared counts and the
    <si> items."""
    items = declared = 0
    for chunk in chunks:
        items += len(_STRING_ITEM.findall(chunk))
        for _quote, digits in _STRING_COUNT.findall(chunk):
            declared = max(declared, _TOO_FAR if len(digits) > 15 else int(digits))
    return max(items, declared)
