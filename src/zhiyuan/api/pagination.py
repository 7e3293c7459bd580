"""Limit/offset pagination that rejects malformed parameters instead of ignoring them."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

MAX_OFFSET = 1_000_000_000


class Pagination(LimitOffsetPagination):
    """`?limit=` (1 to `max_limit`, default PAGE_SIZE) and `?offset=` (0 to MAX_OFFSET).

    DRF's own class silently falls back to the defaults on bad values, and passes any offset to
    the database (an offset beyond 64 bits is a 500 there); here both are 400s that say why.
    """

    max_limit = 200

    def get_limit(self, request: Request) -> int:
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return int(self.default_limit or self.max_limit)
        return _bounded_int(self.limit_query_param, raw, 1, self.max_limit)

    def get_offset(self, request: Request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        return _bounded_int(self.offset_query_param, raw, 0, MAX_OFFSET)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": self.max_limit},
            self.offset_query_param: {"minimum": 0, "maximum": MAX_OFFSET},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


def _bounded_int(name: str, raw: str, minimum: int, maximum: int) -> int:
    digits = raw.isascii() and raw.isdigit() and len(raw) <= len(str(maximum))
    value = int(raw) if digits else -1
    if not minimum <= value <= maximum:
        message = _("Enter a whole number from %(minimum)s to %(maximum)s.") % {
            "minimum": minimum,
            "maximum": maximum,
        }
        raise ValidationError({name: [message]})
    return value
