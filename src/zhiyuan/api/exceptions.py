"""Turn domain validation errors, and bodies Django refuses, into the API's error answers,
never a 500 or an HTML page."""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ParseError, UnsupportedMediaType, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


def _refused_body(exc: Exception) -> ParseError | None:
    """Django's refusals of a body beyond its DATA_UPLOAD_* limits (SuspiciousOperation,
    which Django answers with an HTML page), and a body of a type no parser reads, as a 400
    in the API's format."""
    if isinstance(exc, RequestDataTooBig):
        limit, message = (
            settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
            _("The request body is larger than %(limit)s bytes."),
        )
    elif isinstance(exc, TooManyFieldsSent):
        limit, message = (
            settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
            _("The request holds more than %(limit)s fields."),
        )
    elif isinstance(exc, TooManyFilesSent):
        limit, message = (
            settings.DATA_UPLOAD_MAX_NUMBER_FILES,
            _("The request holds more than %(limit)s files."),
        )
    elif isinstance(exc, UnsupportedMediaType):
        # A body no parser reads is malformed input like any other (400), not a 415 that no
        # operation documents.
        return ParseError(
            _("Send the body as application/json, or as a form (multipart/form-data for files).")
        )
    else:
        return None
    return ParseError(message % {"limit": limit})


def _messages(errors: Any) -> list[str]:
    """A field's errors as the documented list of messages. DRF nests those of a list's items
    by index ({"0": [...]}) and those of a nested object by field: each becomes a message
    naming its item (counted from 1) or field."""
    if isinstance(errors, str):
        return [str(errors)]
    if isinstance(errors, dict):
        return [
            message for key, value in errors.items() for message in _prefixed(key, _messages(value))
        ]
    return [message for item in errors for message in _messages(item)]


def _prefixed(key: Any, messages: list[str]) -> list[str]:
    if isinstance(key, int) or str(key).isdigit():
        return [
            _("Item %(number)d: %(message)s") % {"number": int(key) + 1, "message": message}
            for message in messages
        ]
    return [f"{key}: {message}" for message in messages]


def _field_errors(data: Any) -> dict[str, Any]:
    """A 400 body as documented (`openapi.py`): field (or non_field_errors) -> messages."""
    if isinstance(data, list):
        return {api_settings.NON_FIELD_ERRORS_KEY: _messages(data)}
    return {
        field: value if field == "detail" and isinstance(value, str) else _messages(value)
        for field, value in data.items()
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail=detail)
    elif isinstance(exc, Http404):
        # One plain message: Django's ("No Division matches the given query.") names models.
        exc = NotFound()
    exc = _refused_body(exc) or exc
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        response.data = _field_errors(response.data)
    return response
