"""Free-text query parameters (search boxes, filters), read the same way by every page."""

import unicodedata

from django.http import HttpRequest

#: As many characters as the API's filters take; longer input would find nothing anyway.
SEARCH_MAX = 100


def clean_search(value: str) -> str:
    """`value` without control characters, stripped, at most SEARCH_MAX characters.
    Unchecked, a NUL made PostgreSQL refuse the query and 100,000 characters made SQLite
    refuse the LIKE pattern ("pattern too complex"): both were 500s."""
    printable = "".join(ch for ch in value if unicodedata.category(ch) != "Cc")
    return printable.strip()[:SEARCH_MAX]


def search_text(request: HttpRequest, name: str = "q") -> str:
    """The GET parameter `name`, cleaned (`clean_search`)."""
    return clean_search(request.GET.get(name, ""))


#: Digits of the largest id the database holds (2**63 - 1 has 19): more is never an id.
ID_MAX_DIGITS = 18


def parse_id(value: object) -> int | None:
    """`value` (a parameter's or a field's text) as a positive id, else None (`parse_count`
    without 0)."""
    return parse_count(value) or None


def parse_count(value: object) -> int | None:
    """`value` as a count (0 included), else None. Only ASCII digits count: `str.isdigit`
    also accepts "²" and "١", which `int` then refused (a 500), and a number beyond the
    database's integers overflowed its driver (another 500)."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= ID_MAX_DIGITS):
        return None
    return int(text)
