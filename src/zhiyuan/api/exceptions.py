"""Turn domain validation errors, and bodies Django refuses, into the API's error answers,
never a 500 or an HTML page."""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ParseError, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _refused_body(exc: Exception) -> ParseError | None:
    """Django's refusals of a body beyond its DATA_UPLOAD_* limits (SuspiciousOperation,
    which Django answers with an HTML page) as a 400 in the API's format."""
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
    else:
        return None
    return ParseError(message % {"limit": limit})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail=detail)
    elif isinstance(exc, Http404):
        # One plain message: Django's ("No Division matches the given query.") names models.
        exc = NotFound()
    exc = _refused_body(exc) or exc
    return drf_exception_handler(exc, context)
