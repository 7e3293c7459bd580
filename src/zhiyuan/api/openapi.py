"""Shared pieces of the OpenAPI description: the error bodies every endpoint may answer.

DRF answers errors as `{"detail": "..."}`; bad input (400) as field name -> list of messages,
with `non_field_errors` for the request as a whole (a malformed JSON body gives `detail`), and
a list's items named in their messages (`exceptions.py` flattens DRF's nested errors).
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """`{"detail": "..."}`, translated to the request's language."""

    detail = serializers.CharField()


_FIELD_ERRORS: dict[str, Any] = {
    "type": "object",
    "description": "Field name (or non_field_errors, or detail) -> messages. Errors of a "
    'list\'s items name the item, counted from 1 ("Item 2: …").',
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
    "example": {"name": ["This field is required."]},
}

_DESCRIPTIONS = {
    400: "Bad input; nothing was written.",
    401: "Not logged in, or the token is invalid or expired.",
    403: "Logged in, but not allowed to do this (for writes: not an administrator here).",
    404: "No such object, or it lies outside the subtrees the user's roles cover.",
    409: "The request needs a choice first (see the body).",
    429: "Too many requests or failed log-ins; try again later.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Response entries for `extend_schema(responses=...)`, e.g. `**errors(401, 404)`."""
    return {
        code: OpenApiResponse(
            response=_FIELD_ERRORS if code == 400 else ErrorSerializer,
            description=_DESCRIPTIONS[code],
        )
        for code in codes
    }
