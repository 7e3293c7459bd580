"""The workbook guard's own rules (issue 9, item 1), beyond the roster family of
tests/volunteers/test_roster_hostile.py: how it finds the parts a workbook declares, how it
scans them in pieces, and the rows it hands back."""

import io
import pickle
import zipfile

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.utils import translation

from zhiyuan.common import spreadsheets
from zhiyuan.common.spreadsheets import (
    WorkbookLimits,
    WorkbookRefused,
    guard_xlsx,
    read_first_sheet,
)

LIMITS = WorkbookLimits(cells=10_000_000, strings=10_000_000, unpacked_bytes=64 * 1024 * 1024)
FAR = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def workbook(sheets: int = 1, rows: int = 2) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    for number in range(sheets):
        sheet = book.add_worksheet(f"S{number}")
        for row in range(rows):
            sheet.write_row(row, 0, [f"r{row}", row, "文字"])
    book.close()
    return buffer.getvalue()


def rewritten(data: bytes, parts: dict[str, tuple[str, bytes] | None]) -> bytes:
    """`data` with the parts named in `parts` renamed and rewritten (or dropped for None)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name not in parts:
                target.writestr(name, source.read(name))
            elif (replacement := parts[name]) is not None:
                target.writestr(*replacement)
    return buffer.getvalue()


def part(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def with_far_cell(xml: bytes) -> bytes:
    return xml.replace(b"</sheetData>", FAR + b"</sheetData>")


def test_the_sheets_come_in_the_workbooks_order() -> None:
    data = workbook(sheets=3)
    # The relationships list the sheets backwards; the workbook's <sheets> decides.
    rels = part(data, "xl/_rels/workbook.xml.rels")
    for number in (1, 3):
        rels = rels.replace(f"sheet{number}.xml".encode(), f"s{4 - number}.xml".encode())
    moved = rewritten(
        data,
        {
            "xl/_rels/workbook.xml.rels": ("xl/_rels/workbook.xml.rels", rels),
            "xl/worksheets/sheet1.xml": (
                "xl/worksheets/s3.xml",
                part(data, "xl/worksheets/sheet1.xml"),
            ),
            "xl/worksheets/sheet3.xml": (
                "xl/worksheets/s1.xml",
                part(data, "xl/worksheets/sheet3.xml"),
            ),
        },
    )
    assert guard_xlsx(moved, LIMITS) == [
        "xl/worksheets/s3.xml",
        "xl/worksheets/sheet2.xml",
        "xl/worksheets/s1.xml",
    ]


def test_a_far_cell_in_any_declared_sheet_is_refused() -> None:
    data = workbook(sheets=2)
    sheet = with_far_cell(part(data, "xl/worksheets/sheet2.xml"))
    with pytest.raises(WorkbookRefused) as refused:
        guard_xlsx(
            rewritten(data, {"xl/worksheets/sheet2.xml": ("xl/worksheets/sheet2.xml", sheet)}),
            LIMITS,
        )
    assert refused.value.code == "too_many_cells"


def test_a_sheet_whose_name_differs_in_case_from_its_relationship_is_found() -> None:
    data = workbook()
    sheet = with_far_cell(part(data, "xl/worksheets/sheet1.xml"))
    rels = part(data, "xl/_rels/workbook.xml.rels").replace(b"worksheets/sheet1.xml", b"data/s.xml")
    moved = rewritten(
        data,
        {
            "xl/worksheets/sheet1.xml": ("XL/Data/S.XML", sheet),
            "xl/_rels/workbook.xml.rels": ("xl/_rels/workbook.xml.rels", rels),
        },
    )
    with pytest.raises(WorkbookRefused) as refused:
        guard_xlsx(moved, LIMITS)
    assert refused.value.code == "too_many_cells"


def test_a_workbook_the_package_names_elsewhere_is_followed() -> None:
    # _rels/.rels may name a workbook at another path, with its own relationships beside it.
    data = workbook()
    sheet = with_far_cell(part(data, "xl/worksheets/sheet1.xml"))
    package = part(data, "_rels/.rels").replace(b"xl/workbook.xml", b"book/main.xml")
    rels = part(data, "xl/_rels/workbook.xml.rels").replace(b"worksheets/sheet1.xml", b"s.xml")
    moved = rewritten(
        data,
        {
            "_rels/.rels": ("_rels/.rels", package),
            "xl/workbook.xml": ("book/main.xml", part(data, "xl/workbook.xml")),
            "xl/_rels/workbook.xml.rels": ("book/_rels/main.xml.rels", rels),
            "xl/worksheets/sheet1.xml": ("book/s.xml", sheet),
        },
    )
    with pytest.raises(WorkbookRefused) as refused:
        guard_xlsx(moved, LIMITS)
    assert refused.value.code == "too_many_cells"


@pytest.mark.parametrize("chunk", [300, 1000, 4096])
def test_pieces_cut_anywhere_never_split_a_reference(monkeypatch, chunk: int) -> None:
    # Pieces of a few hundred bytes (the longest tag, the sheet's root, is about 160): the file is cut
    # in hundreds of places, never inside a tag.
    monkeypatch.setattr(spreadsheets, "CHUNK_BYTES", chunk)
    data = workbook(rows=300)
    assert guard_xlsx(data, LIMITS) == ["xl/worksheets/sheet1.xml"]
    far = rewritten(
        data,
        {
            "xl/worksheets/sheet1.xml": (
                "xl/worksheets/sheet1.xml",
                with_far_cell(part(data, "xl/worksheets/sheet1.xml")),
            )
        },
    )
    with pytest.raises(WorkbookRefused) as refused:
        guard_xlsx(far, LIMITS)
    assert refused.value.message % refused.value.params == spreadsheets._too_many_cells(
        "XFD1048576"
    ).message % {"cell": "XFD1048576"}


def test_a_tag_longer_than_a_piece_is_unreadable(monkeypatch) -> None:
    monkeypatch.setattr(spreadsheets, "CHUNK_BYTES", 1024)
    data = workbook()
    long_tag = b'<row r="3" x="' + b"a" * 5000 + b'"><c r="A3"><v>1</v></c></row>'
    sheet = part(data, "xl/worksheets/sheet1.xml").replace(
        b"</sheetData>", long_tag + b"</sheetData>"
    )
    with pytest.raises(WorkbookRefused) as refused:
        guard_xlsx(
            rewritten(data, {"xl/worksheets/sheet1.xml": ("xl/worksheets/sheet1.xml", sheet)}),
            LIMITS,
        )
    assert refused.value.code == "unreadable"


def test_rows_come_back_numbered_from_one_in_batches() -> None:
    sheet = read_first_sheet(workbook(rows=10), limits=LIMITS, max_columns=2)
    # Batches of 4 rows, as if the reading process had made them so.
    rows = [values for _number, values in sheet.rows()]
    sheet.batches = [pickle.dumps(rows[start : start + 4]) for start in range(0, 10, 4)]
    sheet.batch_rows = 4
    assert [(number, values) for number, values in sheet.rows()][:2] == [
        (1, ["r0", 0.0]),
        (2, ["r1", 1.0]),
    ]
    assert [number for number, _values in sheet.rows(lambda: 6)] == [6, 7, 8, 9, 10]
    assert (len(sheet.batches), sheet.first_column, sheet.total_height) == (3, 0, 9)


# --- uploaded tables: a workbook or CSV text (the roster, the hours back-fill, target sheets) --


class CallersError(ValidationError):
    """Stands for an import's own error class (RosterError, SheetError, TargetFileError)."""


def table(data: bytes, *, max_columns: int = 3) -> list[tuple[int, list[object]]]:
    found = spreadsheets.table_rows(
        data, limits=LIMITS, max_columns=max_columns, error=CallersError
    )
    return list(found)


def test_a_table_is_a_workbooks_first_sheet_or_csv_text_in_either_encoding() -> None:
    assert table(workbook(rows=2), max_columns=2) == [(1, ["r0", 0.0]), (2, ["r1", 1.0])]
    text = "姓名,电话,备注,多余\n张三,13800138000,,x\n"
    expected = [(1, ["姓名", "电话", "备注"]), (2, ["张三", "13800138000", ""])]
    assert table(text.encode("gbk")) == expected
    assert table(b"\xef\xbb\xbf" + text.encode()) == expected  # UTF-8 with its BOM


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "legacy_xls",
            "This is an old Excel .xls file. Open it in Excel or WPS and save it as .xlsx.",
        ),
        (
            b"\x81\x20\xff\xfe",
            "unreadable",
            "The file is neither UTF-8 nor GBK text. Save it from Excel or WPS as .xlsx.",
        ),
        (
            b"a,b\n\x00\x01\x02",
            "unreadable",
            "The file is not a spreadsheet or CSV file. Save it from Excel or WPS as .xlsx.",
        ),
        (
            b'a,"' + b"x" * 200_000,  # an unclosed quote: a field beyond the csv module's limit
            "unreadable",
            "The file is not a spreadsheet or CSV file. Save it from Excel or WPS as .xlsx.",
        ),
        (
            b"PK\x03\x04 not a zip",
            "unreadable",
            "The file could not be read as an Excel workbook. Save it again as .xlsx.",
        ),
    ],
)
def test_a_file_that_is_no_table_is_refused_as_the_callers_error(
    data: bytes, code: str, message: str
) -> None:
    with translation.override("en"):
        with pytest.raises(CallersError) as refused:
            table(data)
        assert (refused.value.code, refused.value.messages) == (code, [message])
