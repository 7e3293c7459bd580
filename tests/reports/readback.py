"""Reading a statistics table back from each of its forms, as a reader sees it: the page's
table (HTML), the xlsx's cells as their number formats show them (openpyxl), the PDF's cells
(pdfplumber, from the grid the PDF draws; its text with poppler's pdftotext) and the CSV.
Shared by the tests of every attachment."""

import csv
import io
import re
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pdfplumber
import pytest

TABLE_ID = "statistics-table"


class _TableParser(HTMLParser):
    """The texts of the header and body rows of the table with id TABLE_ID."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.section = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("id") == TABLE_ID:
            self.inside = True
        elif self.inside and tag in ("thead", "tbody"):
            self.section = tag
        elif self.inside and tag == "tr" and self.section == "tbody":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.inside:
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            text = "".join(self.cell).strip()
            (self.header if self.section == "thead" else self.rows[-1]).append(text)
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def page_table(html: str) -> tuple[list[str], list[list[str]]]:
    parser = _TableParser()
    parser.feed(html)
    return parser.header, parser.rows


def shown(cell: Any) -> str:
    """An xlsx cell as a spreadsheet shows it: numbers through their format ("0", "0.00",
    "0.0%", "0%", "0.00%"), text as it is."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    number_format = cell.number_format
    if number_format.endswith("%"):
        decimals = len(number_format.split(".")[1]) - 1 if "." in number_format else 0
        return f"{Decimal(str(value)) * 100:.{decimals}f}%"
    if number_format == "0.00":  # service hours
        return f"{Decimal(str(value)):.2f}"
    assert number_format in ("0", "General"), number_format
    assert float(value).is_integer(), value
    return str(int(value))


def xlsx_table(content: bytes, header: list[str]) -> tuple[list[str], list[list[str]]]:
    """The header row (found by its first label) and the rows below it, up to the first empty
    row; and checks that no cell holds a formula."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows()]
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    start = next(i for i, row in enumerate(rows) if row and row[0].value == header[0])
    found_header = [shown(cell) for cell in rows[start][: len(header)]]
    body = []
    for row in rows[start + 1 :]:
        texts = [shown(cell) for cell in row[: len(header)]]
        if not any(texts):
            break
        body.append(texts)
    return found_header, body


def csv_table(content: bytes) -> tuple[list[str], list[list[str]]]:
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return rows[0], rows[1:]


def pdf_lines(content: bytes, tmp_path: Path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing (apt-get install poppler-utils)")
    path = tmp_path / "table.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.splitlines()


def _cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip()) if line.strip() else []


def _wrapped_first_cell(lines: list[str], index: int, wanted: list[str]) -> bool:
    """Whether line `index` holds `wanted` with its first cell wrapped over the lines just
    above and below it (lines holding one fragment each), as a long name wraps."""
    cells = _cells(lines[index])
    if cells == wanted[1:]:  # the first cell is wholly above and below
        cells = ["", *cells]
    if len(cells) != len(wanted) or cells[1:] != wanted[1:]:
        return False
    target = wanted[0].replace(" ", "")
    for before in range(3):
        for after in range(3):
            around = lines[max(index - before, 0) : index] + lines[index + 1 : index + 1 + after]
            if any(len(_cells(line)) != 1 for line in around):
                continue
            above = [_cells(line)[0] for line in lines[max(index - before, 0) : index]]
            below = [_cells(line)[0] for line in lines[index + 1 : index + 1 + after]]
            if "".join([*above, cells[0], *below]).replace(" ", "") == target:
                return True
    return False


def pdf_finds_rows(lines: list[str], rows: list[list[str]]) -> list[list[str]]:
    """The rows of `rows` not found, in order, each as one line of the PDF's text whose cells
    (runs of text between two or more spaces) are the row's non-empty cells; a first cell may
    wrap onto the lines around it."""
    missing = []
    position = 0
    for row in rows:
        wanted = [text for text in row if text]
        for index in range(position, len(lines)):
            if _cells(lines[index]) == wanted or _wrapped_first_cell(lines, index, wanted):
                position = index + 1
                break
        else:
            missing.append(row)
    return missing


def _squeezed(text: str | None) -> str:
    """A PDF cell's text without its line breaks and spaces: a cell wraps where the layout
    chose (between words, or inside a long one), so texts are compared without them."""
    return re.sub(r"\s+", "", text or "")


def pdf_table(content: bytes, header: list[str]) -> tuple[list[list[str]], list[list[str]]]:
    """The statistics table of a PDF, cell by cell, read from the grid it draws (pdfplumber):
    the header row of each page (it repeats on every one) and the body rows of all pages in
    order; every text without spaces or line breaks (`_squeezed`). The PDF's other tables (the
    unit's line, the signatures) have another number of columns and are left out."""
    headers: list[list[str]] = []
    rows: list[list[str]] = []
    with pdfplumber.open(io.BytesIO(content)) as document:
        for page in document.pages:
            for found in page.extract_tables():
                if not found or len(found[0]) != len(header):
                    continue
                headers.append([_squeezed(cell) for cell in found[0]])
                rows += [[_squeezed(cell) for cell in row] for row in found[1:]]
    return headers, rows


def squeezed(rows: list[list[str]]) -> list[list[str]]:
    """`rows` as `pdf_table` gives them: each text without spaces."""
    return [[_squeezed(text) for text in row] for row in rows]
