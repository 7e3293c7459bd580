"""Administrative divisions: public reference data, but only for logged-in users."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.api.openapi import errors
from zhiyuan.divisions.enums import DivisionLevel
from zhiyuan.divisions.models import Division

CODE_PATTERN = r"[0-9]{12}"


class DivisionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(  # type: ignore[assignment]
        source="parent_id", allow_null=True, read_only=True, help_text="The parent's code."
    )

    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent", "source", "year", "abolished"]
        read_only_fields = fields


class ChildrenFilter(serializers.Serializer):
    include_abolished = serializers.BooleanField(
        required=False, default=False, help_text="Also list abolished codes."
    )

    def filter(self, queryset: QuerySet[Division]) -> QuerySet[Division]:
        if not self.validated_data["include_abolished"]:
            queryset = queryset.filter(abolished=False)
        return queryset


class DivisionFilter(ChildrenFilter):
    level = serializers.ChoiceField(choices=DivisionLevel.choices, required=False)
    parent = serializers.RegexField(  # type: ignore[assignment]
        f"^{CODE_PATTERN}$",
        required=False,
        help_text="Only the children of this 12-digit code.",
        error_messages={"invalid": _("Enter a 12-digit division code.")},
    )
    q = serializers.CharField(
        required=False,
        max_length=100,
        help_text="Digits: code prefix; anything else: part of the name.",
    )

    def filter(self, queryset: QuerySet[Division]) -> QuerySet[Division]:
        data = self.validated_data
        queryset = super().filter(queryset)
        if "level" in data:
            queryset = queryset.filter(level=data["level"])
        if "parent" in data:
            queryset = queryset.filter(parent_id=data["parent"])
        query = data.get("q", "").strip()
        if query.isdigit():
            queryset = queryset.filter(code__startswith=query)
        elif query:
            queryset = queryset.filter(name__contains=query)
        return queryset


def _filtered(
    filter_class: type[ChildrenFilter], request: Request, queryset: QuerySet[Division]
) -> QuerySet[Division]:
    form = filter_class(data=request.query_params)
    form.is_valid(raise_exception=True)
    return form.filter(queryset)


@extend_schema_view(
    list=extend_schema(
        summary="List divisions",
        parameters=[DivisionFilter],
        responses={200: DivisionSerializer(many=True), **errors(400, 401)},
    ),
    retrieve=extend_schema(
        summary="One division by its code (abolished codes included)",
        responses={200: DivisionSerializer, **errors(401, 404)},
    ),
)
class DivisionViewSet(viewsets.ReadOnlyModelViewSet):
    """Divisions by 12-digit statistical code, in code order; abolished codes are hidden
    from lists unless asked for."""

    queryset = Division.objects.all()
    serializer_class = DivisionSerializer
    lookup_field = "code"
    lookup_value_regex = CODE_PATTERN

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        divisions = _filtered(DivisionFilter, request, self.get_queryset())
        return self._page(divisions)

    @extend_schema(
        summary="The divisions directly under a division",
        parameters=[ChildrenFilter],
        responses={200: DivisionSerializer(many=True), **errors(400, 401, 404)},
    )
    @action(detail=True)
    def children(self, request: Request, code: str) -> Response:
        division = get_object_or_404(Division, code=code)
        return self._page(_filtered(ChildrenFilter, request, division.children.all()))

    def _page(self, divisions: QuerySet[Division]) -> Response:
        page = self.paginate_queryset(divisions)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
