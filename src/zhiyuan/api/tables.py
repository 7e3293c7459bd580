"""Attachments 5, 6 and 7 as JSON (`/api/v1/reports/attachment5/`…): the same rows as their
pages, xlsx and PDF (`reports.tables.StatisticsTable`, built by the registry `reports.kinds`),
for a subtree the caller's roles cover and a reference date. Attachment 3's endpoint is
`reports.Attachment3View`; all are `reports.TableView`s and answer in the same shape
(`reports.TableSerializer`)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.api.openapi import errors
from zhiyuan.api.reports import TableQuerySerializer, TableSerializer, TableView


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
