"""Small pieces the volunteer endpoints share: ids in input, references, validated input."""

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

MAX_ID = 2**63 - 1  # ids beyond the database's integers are refused as bad input, never a 500


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """An object id in a body or a query string."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """`data` checked by `serializer_class`; a ValidationError (400) otherwise."""
    form = serializer_class(data=data)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


def checked_by(form: serializers.Serializer, data: Any) -> dict[str, Any]:
    """`validated` with one instance of the serializer kept for every request, for a hot path
    (a storm of check-ins): building a serializer copies every field it declares, a tenth of a
    check-in's CPU. Only for a form that keeps nothing of a request: no context, no `validate`
    reading `initial_data`. Raises the same ValidationError (400)."""
    if not isinstance(data, Mapping):  # no object at all: refused in `validated`'s own words
        return validated(type(form), data)
    return dict(form.run_validation(data))


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class BodyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text="Starts its registration numbers (Attachment 2).")
    name = serializers.CharField(source="organization.name", help_text="Its organisation's name.")
