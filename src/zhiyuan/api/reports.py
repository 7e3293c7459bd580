"""The statistics tables as JSON: the same rows as the web page, the xlsx and the PDF
(`reports.tables.StatisticsTable`), for a subtree the user's roles cover and a reference date."""

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from zhiyuan.api.openapi import errors
from zhiyuan.api.shared import OrganizationRefSerializer, id_field, validated
from zhiyuan.organizations.selectors import scope_roots, visible_organizations
from zhiyuan.reports import attachment3, selectors
from zhiyuan.reports.tables import StatisticsTable


class TableQuerySerializer(serializers.Serializer):
    organization = id_field(
        required=False,
        help_text="The subtree's organisation (one your roles cover); default: the highest "
        "organisation you hold a role on.",
    )
    date = serializers.DateField(
        required=False, help_text="The reference date, not in the future (default: today)."
    )


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The column's name in `values`.")
    heading = serializers.CharField(help_text="Its heading, in the request's language.")


class RowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["unit", "subtotal", "total", "area"],
        help_text="A unit's (or community's) row, a street's or district's subtotal, the "
        "total, or the city as a whole (outside the sum).",
    )
    level = serializers.IntegerField(help_text="Nesting under districts and streets, from 0.")
    organization = serializers.IntegerField(
        allow_null=True, help_text="The unit's or area's organisation id; null for the total."
    )
    organization_code = serializers.CharField(allow_blank=True)
    cells = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        help_text="Each column's text exactly as the page, the xlsx and the PDF show it.",
    )
    values = serializers.DictField(
        child=serializers.JSONField(),
        help_text="By column key: whole numbers as numbers, percentages as exact decimal "
        'text without the % sign ("66.7"), null where there is no figure, text as text.',
    )


class TableSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The plan's attachment number.")
    title = serializers.CharField()
    organization = OrganizationRefSerializer()
    reference_date = serializers.DateField()
    prepared_on = serializers.DateField()
    preparer = serializers.CharField(allow_blank=True)
    columns = ColumnSerializer(many=True)
    rows = RowSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField(), help_text="What it counts.")


def table_json(table: StatisticsTable, organization: Any) -> dict[str, Any]:
    keys = [column.key for column in table.columns]
    return {
        "number": table.number,
        "title": table.title,
        "organization": organization,
        "reference_date": table.reference_date,
        "prepared_on": table.prepared_on,
        "preparer": table.preparer,
        "columns": [{"key": c.key, "heading": c.label} for c in table.columns],
        "rows": [
            {
                "kind": row.kind,
                "level": row.level,
                "organization": row.organization_id,
                "organization_code": row.organization_code,
                "cells": row.texts,
                "values": {key: cell.value for key, cell in zip(keys, row.cells, strict=True)},
            }
            for row in table.rows
        ],
        "notes": list(table.notes),
    }


class Attachment3View(APIView):
    """Attachment 3, the registration task allocation table, for a subtree on a date."""

    @extend_schema(
        parameters=[TableQuerySerializer],
        responses={200: TableSerializer, **errors(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        query = validated(TableQuerySerializer, request.query_params)
        day: date = query.get("date") or selectors.local_today()
        if "organization" in query:
            root = visible_organizations(request.user).filter(pk=query["organization"]).first()
        else:
            roots = scope_roots(request.user)
            root = roots[0] if roots else None
        if root is None:
            raise NotFound(_("No organisation with this id is inside the area your roles cover."))
        if day > selectors.local_today():
            raise ValidationError({"date": [_("The reference date cannot be in the future.")]})
        table = attachment3.build(root, day, preparer=getattr(request.user, "name", ""))
        return Response(TableSerializer(table_json(table, root)).data)
