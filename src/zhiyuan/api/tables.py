"""Attachments 5, 6 and 7 as JSON (`/api/v1/reports/attachment5/`…): the same rows as their
pages, xlsx and PDF (`reports.tables.StatisticsTable`, built by the registry `reports.kinds`),
for a subtree the caller's roles cover and a reference date. Attachment 3's endpoint is
`reports.Attachment3View`; all answer in the same shape (`reports.TableSerializer`)."""

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from zhiyuan.api.openapi import errors
from zhiyuan.api.reports import TableQuerySerializer, TableSerializer, table_json
from zhiyuan.api.shared import validated
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.selectors import scope_roots, visible_organizations
from zhiyuan.reports import kinds, selectors


def table_root(request: Request, query: dict[str, object]) -> Organization:
    """The subtree asked for (one the caller's roles cover), by default the highest one they
    hold a role on; NotFound otherwise."""
    if "organization" in query:
        root = visible_organizations(request.user).filter(pk=query["organization"]).first()
    else:
        roots = scope_roots(request.user)
        root = roots[0] if roots else None
    if root is None:
        raise NotFound(_("No organisation with this id is inside the area your roles cover."))
    return root


class TableView(APIView):
    """A statistics table of the registry (`key`) for a subtree on a date."""

    key = ""

    def get(self, request: Request) -> Response:
        query = validated(TableQuerySerializer, request.query_params)
        day: date = query.get("date") or selectors.local_today()
        root = table_root(request, query)
        if day > selectors.local_today():
            raise ValidationError({"date": [_("The reference date cannot be in the future.")]})
        kind = kinds.get_kind(self.key)
        if kind is None:
            raise NotFound()
        table = kind.build(root, day, preparer=getattr(request.user, "name", ""))
        return Response(TableSerializer(table_json(table, root)).data)


def _schema(summary: str) -> Any:
    return extend_schema(
        summary=summary,
        parameters=[TableQuerySerializer],
        responses={200: TableSerializer, **errors(400, 401, 404)},
    )


class Attachment5View(TableView):
    """Attachment 5, the registered volunteer statistics table."""

    key = "attachment5"

    @_schema("Attachment 5: registered volunteers by organisation, nested with subtotals")
    def get(self, request: Request) -> Response:
        return super().get(request)


class Attachment6View(TableView):
    """Attachment 6, the service station statistics table."""

    key = "attachment6"

    @_schema("Attachment 6: the service stations with their six haves and this year's figures")
    def get(self, request: Request) -> Response:
        return super().get(request)


class Attachment7View(TableView):
    """Attachment 7, the service team statistics table."""

    key = "attachment7"

    @_schema("Attachment 7: the service teams with their five haves and this year's figures")
    def get(self, request: Request) -> Response:
        return super().get(request)
