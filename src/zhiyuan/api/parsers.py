"""Request parsers of the API."""

import re
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# JSON can escape UTF-16 surrogates one by one ("\ud800"); alone they are no character at all.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _holds_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_surrogate(key) or _holds_surrogate(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_surrogate(item) for item in value)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body whose text holds a lone surrogate escape.

    Python decodes "\\ud800" into a string that no UTF-8 text can hold: a choice field's error
    message that repeats the value then failed to encode (a 500), and so would the database.
    Form bodies cannot carry them (invalid UTF-8 there decodes to U+FFFD)."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if _holds_surrogate(data):
            raise ParseError(
                _(
                    "The JSON holds an escaped surrogate code point that is not part of a pair; "
                    "send the text as UTF-8."
                )
            )
        return data
