"""A statistics table as data, built once and rendered by every form: the web page, the xlsx,
the PDF, the CSV and the API's JSON (`render.py`, the templates, `api/reports.py`).

Each cell carries its text exactly as every form shows it, and, where it is a number, the value
a spreadsheet holds with the format that shows that same text (the xlsx holds values, never
formulas). So the digits cannot differ between forms: they are formatted here, once.
Percentages are Decimals rounded half up to one decimal (`percent`), never floats.

Attachment 3 builds one (`attachment3.py`), as do Attachments 5, 6 and 7 (`attachment5.py`,
`attachment6.py`, `attachment7.py`); their rows nest by the tree (`nesting.py`).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from zhiyuan.hours import rules as hours_rules
from zhiyuan.reports.enums import RowKind

ONE_DECIMAL = Decimal("0.1")
#: What a cell shows where a figure cannot be given (no headcount, a target of 0).
NONE_TEXT = "—"


class Align:
    LEFT = "left"
    RIGHT = "right"
    CENTRE = "centre"


@dataclass(frozen=True)
class Column:
    """A column: its key (the API's name for it), its heading in the reader's language, how
    its cells align, and its width on the PDF's page in millimetres."""

    key: str
    label: str
    align: str = Align.RIGHT
    width_mm: float = 20


@dataclass(frozen=True)
class Cell:
    """`text` as the page, the PDF and the CSV show it; `number` the value the xlsx holds
    (an int, or a Decimal fraction for a percentage), with `number_format` showing `text`."""

    text: str
    number: int | Decimal | None = None
    number_format: str = ""

    @property
    def value(self) -> int | str | None:
        """The cell as JSON gives it: a whole number as a number, a percentage or other
        decimal as its text without the % sign (exact), none as null, text as text."""
        if isinstance(self.number, int):
            return self.number
        if isinstance(self.number, Decimal):
            return self.text.rstrip("%")
        return None if self.text == NONE_TEXT else self.text


@dataclass(frozen=True)
class Row:
    """A row: its kind (a unit's, a subtotal, the total, a line outside the sum), its nesting
    level (0 at the top), the organisation it is about (None for a total), and its cells in the
    table's column order."""

    kind: str
    level: int
    cells: tuple[Cell, ...]
    organization_id: int | None = None
    organization_code: str = ""

    @property
    def texts(self) -> list[str]:
        return [cell.text for cell in self.cells]

    @property
    def is_sum(self) -> bool:
        return self.kind in (RowKind.SUBTOTAL, RowKind.TOTAL)


@dataclass(frozen=True)
class StatisticsTable:
    """One statistics table of the plan (附件 `number`) for the subtree of `unit_name` on
    `reference_date`, prepared by `preparer`: its columns, rows and the notes printed under it
    (what it counts, in the reader's language)."""

    number: int
    title: str
    unit_name: str
    unit_code: str
    reference_date: date
    prepared_on: date
    preparer: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = field(default=())
    #: A wide table (many narrow columns) is printed in smaller type with tighter cells.
    compact: bool = False

    @property
    def header(self) -> list[str]:
        return [column.label for column in self.columns]

    def paired(self) -> list[tuple[Row, list[tuple[Column, Cell]]]]:
        """Each row with its cells beside their columns (for templates, which cannot zip)."""
        return [(row, list(zip(self.columns, row.cells, strict=True))) for row in self.rows]


# --- numbers and their texts -------------------------------------------------------------


def ceil_share(percent: Decimal, whole: int) -> int:
    """`percent` % of `whole`, rounded up to a whole number (a target of 60 % of 101 people is
    61: 60.6 people cannot register). Exact: Decimal throughout."""
    return int((Decimal(whole) * percent / 100).to_integral_value(rounding=ROUND_CEILING))


def percent(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole`, rounded half up to one decimal (1 of 16 is 6.3,
    where rounding half to even would give 6.2); None when `whole` is 0."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def count_cell(value: int | None, *, missing: str = NONE_TEXT) -> Cell:
    """A whole number (no thousands separator, as offices type them), or `missing`."""
    if value is None:
        return Cell(missing)
    return Cell(str(value), value, "0")


def percent_cell(value: Decimal | None) -> Cell:
    """A percentage with one decimal: "66.7%"; the xlsx holds 0.667 shown as 0.0%."""
    if value is None:
        return Cell(NONE_TEXT)
    fixed = value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    return Cell(f"{fixed}%", fixed / 100, "0.0%")


def rate_cell(value: Decimal) -> Cell:
    """A rate as set, without trailing zeros: "60%", "12.5%"; the same digits in the xlsx."""
    text = format(value.normalize(), "f")
    if "." in text:
        decimals = len(text.split(".")[1])
        return Cell(f"{text}%", value / 100, "0." + "0" * decimals + "%")
    return Cell(f"{text}%", value / 100, "0%")


def text_cell(text: str) -> Cell:
    return Cell(text)


def hours_cell(minutes: int) -> Cell:
    """Service minutes as hours with two decimals, half up ("12.50"; `hours.rules.hours`):
    totals are added in minutes first, then shown. The xlsx holds 12.5 shown as 0.00."""
    value = hours_rules.hours(minutes)
    return Cell(f"{value}", value, "0.00")


def met_cell(met: bool | None) -> Cell:
    """Whether an item of a standard stood met: "Yes", "No", or none where it was never
    assessed (the JSON's null)."""
    if met is None:
        return Cell(NONE_TEXT)
    return Cell(_("Yes") if met else _("No"))
