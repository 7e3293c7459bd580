"""Workbooks made to take down the process that reads them (issue 9, item 1): a family of small
xlsx files whose sheets name far cells, or whose shared strings declare billions of items,
spelled every way XML allows and stored wherever the workbook's relationships point. Each is
refused by the guard with a message naming the far cell, before python-calamine allocates
(it aborted the whole process: the web server or the worker). A file that passes the guard and
still makes the reader run away fails its own import only: the reading process is contained.

Each file here is a real roster (a header and one valid row) changed in one way."""

import io
import zipfile
from collections.abc import Callable

import pytest

from tests.volunteers.rosters import checked, person, roster_xlsx
from zhiyuan.volunteers.enums import ImportStatus
from zhiyuan.volunteers.imports import reader

pytestmark = pytest.mark.django_db
SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def too_far(cell: str) -> str:
    return (
        f"The sheet reaches as far as cell {cell}: far more rows and columns than a spreadsheet "
        "of this kind holds, so it was not read. Copy only the rows needed into a new workbook "
        "and upload that."
    )


TOO_MANY_STRINGS = (
    "The file declares far more different texts than a spreadsheet of this kind holds, so it "
    "was not read. Copy only the rows needed into a new workbook and upload that."
)
RAN_AWAY = (
    "This file is too large or damaged to read; it was not read. Open it in Excel or WPS, copy "
    "the rows needed into a new workbook, save it as .xlsx and upload that."
)


def roster() -> bytes:
    return roster_xlsx([person(1, "张三")], title=None)


def changed(data: bytes, change: Callable[[str, bytes], list[tuple[str, bytes]]]) -> bytes:
    """`data` with each part replaced by what `change(name, content)` returns (parts renamed,
    dropped or added)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            for new_name, content in change(name, source.read(name)):
                target.writestr(new_name, content)
    return buffer.getvalue()


def in_sheet(rows: str, *, drop_dimension: bool = False) -> Callable[..., list]:
    """A change adding `rows` (XML) at the end of the first sheet's data."""

    def change(name: str, content: bytes) -> list[tuple[str, bytes]]:
        if name == SHEET:
            content = content.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
            if drop_dimension:
                start = content.index(b"<dimension")
                content = content[:start] + content[content.index(b"/>", start) + 2 :]
        return [(name, content)]

    return change


def in_part(part: str, old: str, new: str) -> Callable[..., list]:
    def change(name: str, content: bytes) -> list[tuple[str, bytes]]:
        if name == part:
            assert old.encode() in content
            content = content.replace(old.encode(), new.encode())
        return [(name, content)]

    return change


def sheet_moved(target: str, path: str, rows: str) -> Callable[..., list]:
    """The first sheet stored at `path`, the workbook's relationship pointing at it with
    `target` (relative to xl/ or absolute), and `rows` added to it."""
    add_rows = in_sheet(rows)

    def change(name: str, content: bytes) -> list[tuple[str, bytes]]:
        if name == SHEET:
            return [(path, add_rows(name, content)[0][1])]
        if name == "xl/_rels/workbook.xml.rels":
            content = content.replace(
                b'Target="worksheets/sheet1.xml"', f'Target="{target}"'.encode()
            )
        if name == "[Content_Types].xml":
            content = content.replace(b"/xl/worksheets/sheet1.xml", f"/{path}".encode())
        return [(name, content)]

    return change


FAR = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
CELLS = '<c t="inlineStr"><is><t>x</t></is></c>'

# (change, the far cell the message names): the cell at XFD1048576 however it is spelled.
FAR_CELLS = {
    "double quotes, without a dimension": (in_sheet(FAR, drop_dimension=True), "XFD1048576"),
    "single quotes": (
        in_sheet("<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>"),
        "XFD1048576",
    ),
    "spaces around =": (
        in_sheet(
            '<row r = "1048576"><c r = "XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        ),
        "XFD1048576",
    ),
    "tabs and line breaks, single quotes": (
        in_sheet("<row\n r\t=\n'1048576'><c\tr\n=\t'XFD1048576'><v>1</v></c></row>"),
        "XFD1048576",
    ),
    "r after other attributes": (
        in_sheet('<row spans="1:1" r="1048576"><c t="n" s="0" r="XFD1048576"><v>1</v></c></row>'),
        "XFD1048576",
    ),
    "lower-case reference": (
        in_sheet('<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>'),
        "XFD1048576",
    ),
    "a far cell in a near row": (
        in_sheet('<row r="3"><c r="XFD1048576"><v>1</v></c></row>'),
        "XFD1048576",
    ),
    "a namespace prefix": (
        in_sheet(
            f'<x:row xmlns:x="{MAIN}" r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
        ),
        "XFD1048576",
    ),
    # Numbered by position, followed until the grid passes 10 million cells.
    "cells without r after a far row": (
        in_sheet('<row r="1048576">' + CELLS * 20 + "</row>"),
        "J1048576",
    ),
    "rows without r after a far row": (
        in_sheet('<row r="1048570"/>' + ("<row>" + CELLS * 10 + "</row>") * 6),
        "J1048571",
    ),
    "a huge dimension, double quotes": (
        in_part(SHEET, '<dimension ref="A1:G2"/>', '<dimension ref="A1:XFD1048576"/>'),
        "XFD1048576",
    ),
    "a huge dimension, single quotes and spaces": (
        in_part(SHEET, '<dimension ref="A1:G2"/>', "<dimension  ref = 'A1:XFD1048576' />"),
        "XFD1048576",
    ),
    "the sheet at a relative path": (sheet_moved("data/s.xml", "xl/data/s.xml", FAR), "XFD1048576"),
    "the sheet at an absolute path": (
        sheet_moved("/xl/data/s.xml", "xl/data/s.xml", FAR),
        "XFD1048576",
    ),
    "the sheet at the archive's root": (sheet_moved("/s.xml", "s.xml", FAR), "XFD1048576"),
    "the sheet above xl/": (sheet_moved("../other/s.xml", "other/s.xml", FAR), "XFD1048576"),
    "the sheet's name percent-encoded": (
        sheet_moved("data/my%20sheet.xml", "xl/data/my sheet.xml", FAR),
        "XFD1048576",
    ),
}

# The shared strings declaring four billion items (python-calamine reserved 96 GB for them).
MANY_STRINGS = {
    "uniqueCount, double quotes": in_part(
        "xl/sharedStrings.xml", 'uniqueCount="', 'uniqueCount="4000000000" x="'
    ),
    "uniqueCount, single quotes and spaces": in_part(
        "xl/sharedStrings.xml", 'uniqueCount="', "uniqueCount = '4000000000' x=\""
    ),
    "count": in_part("xl/sharedStrings.xml", ' count="', ' count="4000000000" x="'),
}


def test_the_unchanged_roster_is_read(registrar, body) -> None:
    roster_import = checked(registrar, body, roster())
    assert (roster_import.status, roster_import.rows_valid) == (ImportStatus.CHECKED, 1)


@pytest.mark.parametrize(("change", "cell"), FAR_CELLS.values(), ids=FAR_CELLS.keys())
def test_a_sheet_naming_a_far_cell_is_refused_before_it_is_read(
    registrar, body, change, cell
) -> None:
    roster_import = checked(registrar, body, changed(roster(), change))
    assert (roster_import.status, roster_import.error) == (ImportStatus.FAILED, too_far(cell))


@pytest.mark.parametrize("change", MANY_STRINGS.values(), ids=MANY_STRINGS.keys())
def test_shared_strings_declaring_billions_of_items_are_refused(registrar, body, change) -> None:
    roster_import = checked(registrar, body, changed(roster(), change))
    assert (roster_import.status, roster_import.error) == (ImportStatus.FAILED, TOO_MANY_STRINGS)


def test_more_shared_string_items_than_the_limit_are_refused(registrar, body, monkeypatch) -> None:
    # The items themselves, not only the declared count: 2,001 empty <si/> under a limit of 2,000.
    items = "<si><t/></si>" * 2001
    data = changed(roster(), in_part("xl/sharedStrings.xml", "</sst>", items + "</sst>"))
    monkeypatch.setattr(
        reader,
        "ROSTER_LIMITS",
        reader.ROSTER_LIMITS.__class__(**{**vars(reader.ROSTER_LIMITS), "strings": 2000}),
    )
    roster_import = checked(registrar, body, data)
    assert (roster_import.status, roster_import.error) == (ImportStatus.FAILED, TOO_MANY_STRINGS)


def test_a_workbook_the_guard_lets_through_that_still_runs_away_fails_only_its_import(
    registrar, body, monkeypatch
) -> None:
    # As if the guard had a gap: it allows any grid, and python-calamine asks for 512 GB. The
    # reading process dies; this process records the failure and goes on to the next roster.
    limits = reader.ROSTER_LIMITS
    monkeypatch.setattr(
        reader, "ROSTER_LIMITS", limits.__class__(**{**vars(limits), "cells": 10**15})
    )
    roster_import = checked(registrar, body, changed(roster(), in_sheet(FAR)))
    assert (roster_import.status, roster_import.error) == (ImportStatus.FAILED, RAN_AWAY)
    assert checked(registrar, body, roster()).status == ImportStatus.CHECKED
