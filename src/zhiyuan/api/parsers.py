"""Request parsers of the API: JSON read strictly, every malformed body a 400 `{"detail": …}`.

DRF's JSON parser catches only ValueError: a body nested a few hundred levels deep raised
RecursionError (a 500, on anonymous endpoints too), and the messages it gives for the rest
are Python's own. This parser reads the body as RFC 8259 JSON and refuses, each with one plain
message, what no client of this API sends on purpose: text that is not in the declared
encoding (UTF-8 by default), broken syntax, nesting deeper than MAX_DEPTH, integers longer
than MAX_DIGITS, NaN, Infinity and numbers beyond a float, a key twice in one object (which
parsers read differently: the first or the last), and lone surrogate escapes. Bodies beyond
DATA_UPLOAD_MAX_MEMORY_SIZE are refused by Django before any parsing (`exceptions.py`).
"""

import json
import math
import re
from typing import Any, NoReturn

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

#: The API's deepest input is an object holding lists; twenty levels leave room for more.
MAX_DEPTH = 20
#: Ids stop at 19 digits; a longer integer can only be refused, by its field or here.
MAX_DIGITS = 40

# JSON can escape UTF-16 surrogates one by one ("\ud800"); alone they are no character at all.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse(message: str) -> NoReturn:
    raise ParseError(message)


def _not_finite(_text: str = "") -> NoReturn:
    _refuse(_("The JSON holds NaN, Infinity or a number too large to hold; send finite numbers."))


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999 reads as infinity
        _not_finite()
    return number


def _bounded_int(text: str) -> int:
    # Python refuses over 4,300 digits itself, with a message about sys.set_int_max_str_digits.
    if len(text.lstrip("-")) > MAX_DIGITS:
        _refuse(
            _("The JSON holds a number with more than %(limit)d digits.") % {"limit": MAX_DIGITS}
        )
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        _refuse(_("A JSON object holds the same key twice; send each field once."))
    return found


def _too_deep() -> NoReturn:
    _refuse(_("The JSON is nested more than %(limit)d levels deep.") % {"limit": MAX_DEPTH})


def _check_tree(data: Any) -> None:
    """Refuse nesting beyond MAX_DEPTH and lone surrogates, walking without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                _refuse(
                    _(
                        "The JSON holds an escaped surrogate code point that is not part of a "
                        "pair; send the text as UTF-8."
                    )
                )
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            _too_deep()
        items = value if isinstance(value, list) else [*value.keys(), *value.values()]
        stack.extend((item, depth + 1) for item in items)


def _encoding(parser_context: dict[str, Any]) -> str:
    """The charset the Content-Type names (Django keeps only those Python knows), else
    DEFAULT_CHARSET; a bytes-to-bytes codec such as bz2_codec would inflate the body."""
    encoding = parser_context.get("encoding") or settings.DEFAULT_CHARSET
    try:
        "".encode(encoding)  # only text encodings can encode a str
    except (LookupError, UnicodeError):
        _refuse(_("The Content-Type names a charset that is no text encoding; send JSON in UTF-8."))
    return str(encoding)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, strict (see the module's docstring). Python decodes "\\ud800" into a
    string that no UTF-8 text can hold: a choice field's error message that repeated the value
    then failed to encode (a 500), and so would the database."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        encoding = _encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError:
            _refuse(
                _("The body is not valid %(encoding)s text; send JSON in UTF-8.")
                % {"encoding": encoding}
            )
        try:
            data = json.loads(
                text,
                parse_constant=_not_finite,
                parse_float=_finite_float,
                parse_int=_bounded_int,
                object_pairs_hook=_unique_keys,
            )
        except json.JSONDecodeError as error:
            _refuse(
                _("The body is not valid JSON (line %(line)d, column %(column)d).")
                % {"line": error.lineno, "column": error.colno}
            )
        except RecursionError:  # the decoder's own guard, far beyond MAX_DEPTH
            _too_deep()
        _check_tree(data)
        return data
