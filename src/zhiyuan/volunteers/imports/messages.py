"""Problem messages as an import keeps them, in no language: each message's template (its
message id, the English source text) and its parameters; the page, the API, the error report
and the command render them in the reader's language (`shown`).

A problem is {"row", "column", "message", "texts"}: `texts` the kept messages, `message` the
same in the source language (for readers of older rows); `column` the file's own header
("D 身份证号"), or a field's label as a message id for a field the file has no column for.
Problems kept before `texts` existed show their `message` as it was stored.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext


def kept(message: Any, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """`message` (a lazy translation, or text) and `params` as an import keeps them."""
    with translation.override(None):
        template = str(message)
    return {"template": template, "params": {k: _plain(v) for k, v in (params or {}).items()}}


def _plain(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    with translation.override(None):
        return str(value)


def kept_error(error: ValidationError) -> list[dict[str, Any]]:
    """The messages of `error` (one field's, or a plain error) as kept messages."""
    return [kept(item.message, item.params) for item in error.error_list]


def _translated(text: str) -> str:
    return gettext(text) if text else text  # gettext("") is the catalogue's header


def render(text: dict[str, Any]) -> str:
    """A kept message in the active language (parameters that are message ids, such as a
    field's label, too)."""
    template = _translated(text["template"])
    params = text.get("params") or {}
    if not params:
        return template
    translated = {k: _translated(v) if isinstance(v, str) else v for k, v in params.items()}
    try:
        return template % translated
    except (KeyError, TypeError, ValueError):  # a catalogue entry that lost a placeholder
        return text["template"] % params


def source_text(texts: list[dict[str, Any]]) -> str:
    """Kept messages in the source language, one after the other."""
    with translation.override(None):
        return " ".join(render(text) for text in texts)


def shown(problem: dict[str, Any]) -> dict[str, Any]:
    """A kept problem as the reader sees it: row, column and message in the active language."""
    texts = problem.get("texts")
    message = " ".join(render(text) for text in texts) if texts else problem["message"]
    column = _translated(problem["column"])
    return {"row": problem["row"], "column": column, "message": message}


def failure(error_text: list[dict[str, Any]], error: str) -> str:
    """Why an import failed, in the active language (`RosterImport.error_text`, or its `error`
    for one kept before)."""
    return " ".join(render(text) for text in error_text) if error_text else error
