"""Large tables written as xlsx, fast: one sheet, a header row, then rows streamed from an
iterable (the ledger of a whole city, statistics tables).

The cells are written by rustpy-xlsxwriter, Python bindings of rust_xlsxwriter (the Rust port
of XlsxWriter by XlsxWriter's author): 100,000 rows of 16 cells take about 1 s where XlsxWriter
takes about 9 s and PyExcelerate about 7 s on the same machine (`benchmarks/bench_export.py`,
docs/benchmarks.md). It streams rows (constant memory) and writes strings as inline text
cells, never as formulas or numbers. Small documents with merged titles and mixed formats
(Attachment 2, error reports) still use XlsxWriter; this module is the one place that knows the
fast writer, so replacing it touches nothing else.

Callers pass text already made safe against formula injection (`text_cell` of the exports):
this module writes values as they are.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import rustpy_xlsxwriter

#: XlsxWriter's header look, kept by every table: bold on a light grey, thin borders.
HEADER_BACKGROUND = "#EAEEF2"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
#: The header row (from 0) of a table with a title: the title, an empty row, the header.
TITLED_HEADER_ROW = 2


@dataclass(frozen=True)
class Table:
    """What a table looks like: its sheet's name (at most 31 characters, cut), its column
    headers (distinct), their widths in characters, and the columns (by index) holding dates;
    every other column is text ("@"), so that typed numbers stay text too."""

    sheet: str
    headers: Sequence[str]
    widths: Sequence[float]
    date_columns: frozenset[int] = field(default_factory=frozenset)


def write_table(
    table: Table,
    rows: Iterable[Sequence[Any]],
    *,
    on_row: Callable[[int], None] | None = None,
    title: str = "",
) -> bytes:
    """The xlsx workbook of `table` with `rows` (each a sequence of cells in header order:
    str, date, int, float, or None for an empty cell), the header row frozen and filtered.
    With a `title` (what the table holds: whose records, which period), the title stands in
    bold across the first row and the header row is the third. `on_row(n)` is called after
    every row handed to the writer, n counting from 1.
    Raises ValueError (a bad sheet name, repeated headers, a title over fewer than two columns,
    a cell of an unknown type)."""
    headers = list(table.headers)
    if len(set(headers)) != len(headers):
        raise ValueError("Column headers must be distinct.")
    if title and len(headers) < 2:
        raise ValueError("A title stands across two columns or more.")
    text = rustpy_xlsxwriter.Format().set_num_format(TEXT_FORMAT)
    day = rustpy_xlsxwriter.Format().set_num_format(DATE_FORMAT)
    head = (
        rustpy_xlsxwriter.Format()
        .set_bold()
        .set_background_color(HEADER_BACKGROUND)
        .set_border("thin")
    )
    formats = [day if column in table.date_columns else text for column in range(len(headers))]
    titled: dict[str, Any] = {}
    if title:
        bold = rustpy_xlsxwriter.Format().set_bold()
        titled = {
            "header_row": TITLED_HEADER_ROW,
            "merge_ranges": [(0, 0, 0, len(headers) - 1, title, bold)],
        }
    buffer = BytesIO()
    rustpy_xlsxwriter.write_worksheet(
        _records(headers, rows, on_row),
        buffer,
        sheet_name=table.sheet[:31].strip(),
        freeze_row=titled.get("header_row", 0) + 1,
        datetime_format=DATE_FORMAT,
        column_widths=list(table.widths),
        column_formats=formats,
        header_format=head,
        autofilter=True,
        **titled,
    )
    return buffer.getvalue()


def _records(
    headers: list[str], rows: Iterable[Sequence[Any]], on_row: Callable[[int], None] | None
) -> Iterator[dict[str, Any]]:
    # The writer takes rows as dicts keyed by header (it reads their values in order) and takes
    # the header from the first one: a table without rows gets one of empty cells, which
    # writes the header and nothing else.
    count = 0
    for row in rows:
        count += 1
        yield dict(zip(headers, row, strict=True))
        if on_row is not None:
            on_row(count)
    if count == 0:
        yield dict.fromkeys(headers)
