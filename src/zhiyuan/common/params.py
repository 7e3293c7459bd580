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
