"""A StatisticsTable as data and back, and a submitted table beside the live one.

`table_data` keeps every cell's text, value and number format (Decimals as exact text), so the
table as submitted renders again (page, xlsx, PDF) exactly as it was, whatever the live data
do afterwards. `compare` pairs a submitted table with the live one row by row (a row is known
by its kind and its organisation's code, else its first cell) and column by column (by key).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from zhiyuan.reports.tables import Cell, Column, Row, StatisticsTable


def table_data(table: StatisticsTable) -> dict[str, Any]:
    """`table` as JSON-ready data (dates ISO, Decimals as text)."""
    return {
        "number": table.number,
        "title": table.title,
        "unit_name": table.unit_name,
        "unit_code": table.unit_code,
        "reference_date": table.reference_date.isoformat(),
        "prepared_on": table.prepared_on.isoformat(),
        "preparer": table.preparer,
        "columns": [
            {"key": c.key, "label": c.label, "align": c.align, "width_mm": c.width_mm}
            for c in table.columns
        ],
        "rows": [
            {
                "kind": row.kind,
                "level": row.level,
                "organization_id": row.organization_id,
                "organization_code": row.organization_code,
                "cells": [_cell_data(cell) for cell in row.cells],
            }
            for row in table.rows
        ],
        "notes": list(table.notes),
        "compact": table.compact,
    }


def _cell_data(cell: Cell) -> list[Any]:
    number: int | str | None = cell.number if isinstance(cell.number, int) else None
    if isinstance(cell.number, Decimal):
        number = str(cell.number)
    return [cell.text, number, cell.number_format]


def _cell(data: list[Any]) -> Cell:
    text, number, number_format = data
    value = Decimal(number) if isinstance(number, str) else number
    return Cell(text, value, number_format)


def table_from_data(data: dict[str, Any]) -> StatisticsTable:
    """The StatisticsTable that `table_data` made `data` of."""
    return StatisticsTable(
        number=data["number"],
        title=data["title"],
        unit_name=data["unit_name"],
        unit_code=data["unit_code"],
        reference_date=date.fromisoformat(data["reference_date"]),
        prepared_on=date.fromisoformat(data["prepared_on"]),
        preparer=data["preparer"],
        columns=tuple(Column(**column) for column in data["columns"]),
        rows=tuple(
            Row(
                kind=row["kind"],
                level=row["level"],
                cells=tuple(_cell(cell) for cell in row["cells"]),
                organization_id=row["organization_id"],
                organization_code=row["organization_code"],
            )
            for row in data["rows"]
        ),
        notes=tuple(data["notes"]),
        # Snapshots taken before the flag was kept have none: drawn at the normal size.
        compact=data.get("compact", False),
    )


# --- submitted beside live ---------------------------------------------------------------


@dataclass(frozen=True)
class ComparedCell:
    """A submitted cell, and the live text where it differs (None where they agree)."""

    column: Column
    submitted: str
    live: str | None = None

    @property
    def differs(self) -> bool:
        return self.live is not None


@dataclass(frozen=True)
class ComparedRow:
    """A row of the submitted table with its cells compared, or (`only`) a row only one side
    has: "submitted" (gone from the live table) or "live" (new in it)."""

    row: Row
    cells: tuple[ComparedCell, ...]
    only: str = ""

    @property
    def differs(self) -> bool:
        return bool(self.only) or any(cell.differs for cell in self.cells)


@dataclass(frozen=True)
class Comparison:
    rows: tuple[ComparedRow, ...]

    @property
    def differences(self) -> int:
        """How many cells differ, counting every cell of a row only one side has."""
        return sum(
            len(row.cells) if row.only else sum(cell.differs for cell in row.cells)
            for row in self.rows
        )


def _row_key(row: Row) -> tuple[str, str]:
    return (row.kind, row.organization_code or (row.cells[0].text if row.cells else ""))


def compare(submitted: StatisticsTable, live: StatisticsTable) -> Comparison:
    """Each submitted row with the live text of every cell that differs, in the submitted
    order; then the live rows the submitted table does not have. Columns are matched by key:
    a column only one side has shows no live text."""
    live_rows: dict[tuple[str, str], Row] = {}
    for row in live.rows:
        live_rows.setdefault(_row_key(row), row)
    live_index = {column.key: index for index, column in enumerate(live.columns)}
    found: list[ComparedRow] = []
    seen: set[tuple[str, str]] = set()
    for row in submitted.rows:
        key = _row_key(row)
        other = live_rows.get(key) if key not in seen else None
        seen.add(key)
        cells = []
        for column, cell in zip(submitted.columns, row.cells, strict=True):
            live_text = None
            if other is not None and column.key in live_index:
                text = other.cells[live_index[column.key]].text
                live_text = None if text == cell.text else text
            cells.append(ComparedCell(column, cell.text, live_text))
        found.append(ComparedRow(row, tuple(cells), "" if other is not None else "submitted"))
    for key, row in live_rows.items():
        if key not in seen:
            only_live = tuple(
                ComparedCell(column, "", cell.text)
                for column, cell in zip(live.columns, row.cells, strict=True)
            )
            found.append(ComparedRow(row, only_live, "live"))
    return Comparison(tuple(found))
