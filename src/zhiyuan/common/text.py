"""Checks of free text typed or imported into names and addresses."""

import unicodedata

# Bidirectional embeddings, overrides and isolates: invisible, and they make text display
# in another order than it is stored ("Trojan Source"), so a name could pass for another.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_control_characters(text: str) -> bool:
    """Whether `text` holds control characters (NUL, escape, line breaks, tabs: Unicode
    category Cc) or bidirectional controls. PostgreSQL refuses NUL outright (a 500), and
    none of them belongs in a one-line name, code or address."""
    return any(unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS for ch in text)
