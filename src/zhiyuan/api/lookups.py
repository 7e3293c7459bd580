"""Parsing ids from URLs: anything that is not a plausible id is simply not found."""

from rest_framework.exceptions import NotFound

_MAX_DIGITS = 18  # below 2**63: the database never sees an out-of-range integer


def object_id(text: str) -> int:
    """`text` as a positive integer id, else NotFound (a 404, never a 500)."""
    if not (text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS):
        raise NotFound()
    return int(text)
