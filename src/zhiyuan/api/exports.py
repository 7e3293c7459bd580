"""Exports over the API: start an export of the ledger, follow it, download it.

The same path as the web page (`volunteers.export_requests`, `common.exports`): a ledger of up to
EXPORT_IMMEDIATE_ROWS rows is written at once (201, ready), a larger one in the background
(202: poll the export until its status is done or failed). Exports are their requester's alone:
anyone else, whatever their roles, gets 404. The download link expires EXPORT_LINK_HOURS after
the file was written (410 afterwards; the file is deleted then); each download is audited.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import ErrorSerializer, errors
from zhiyuan.api.shared import validated
from zhiyuan.api.volunteers import VolunteerFilter, ledger_filter
from zhiyuan.common import exports
from zhiyuan.common.enums import ExportStatus
from zhiyuan.common.models import Export
from zhiyuan.volunteers import export_requests, selectors
from zhiyuan.volunteers import exports as ledger_exports

# --- answers ---------------------------------------------------------------------------------


class ExportSerializer(serializers.Serializer):
    """An export you asked for: its progress, then its file until the link expires."""

    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="What is exported, e.g. volunteers.ledger.")
    title = serializers.CharField(help_text="In the language it was asked for in.")
    status = serializers.ChoiceField(
        choices=ExportStatus.choices,
        help_text="queued and running are still going: poll until it changes.",
    )
    rows_total = serializers.IntegerField(help_text="Rows expected (when done: written).")
    rows_done = serializers.IntegerField(help_text="Rows written so far.")
    progress = serializers.SerializerMethodField(help_text="Percent written.")
    requested_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="When the download link expires and the file is deleted."
    )
    file_name = serializers.CharField(help_text="Empty until it is done.")
    file_size = serializers.IntegerField(help_text="Bytes; 0 until it is done.")
    error = serializers.SerializerMethodField(
        help_text="Why it failed (status failed), in the request's language."
    )
    download_url = serializers.SerializerMethodField(
        help_text="Where to GET the file while the link lasts; null otherwise."
    )

    @extend_schema_field(serializers.IntegerField(min_value=0, max_value=100))
    def get_progress(self, export: Export) -> int:
        return export.percent

    def get_error(self, export: Export) -> str:
        return exports.failure_text(export)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, export: Export) -> str | None:
        if export.status != ExportStatus.DONE or export.is_expired():
            return None
        return reverse("api:export-download", args=[export.pk])


# --- input -----------------------------------------------------------------------------------


class LedgerExportSerializer(VolunteerFilter):
    """The ledger's filters (as the list of volunteers takes them), and what to show."""

    full = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Full ID numbers and phones where your roles allow them (administrators and "
        "registrars; checkers: phones), with a reason; masked otherwise.",
    )
    reason = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=200,
        help_text="Why you need the full values (with full); kept in the audit log.",
    )


class Gone(APIException):
    status_code = status.HTTP_410_GONE
    default_code = "expired"


class NotReady(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_ready"


DOWNLOAD_ANSWERS = {
    (200, exports.XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
    409: OpenApiResponse(ErrorSerializer, description="Still being written, or it failed."),
    410: OpenApiResponse(ErrorSerializer, description="The link expired; the file is deleted."),
}


# --- the viewset -----------------------------------------------------------------------------


class ExportViewSet(viewsets.GenericViewSet):
    """The exports you asked for, newest first (nobody else's)."""

    serializer_class = ExportSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Export]:
        return exports.mine(self.request.user)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The download answers its file whatever the client accepts; its errors stay JSON.
        return super().perform_content_negotiation(
            request, force=force or self.action == "download"
        )

    def _export(self, pk: str) -> Export:
        found = self.get_queryset().filter(pk=object_id(pk)).first()
        if found is None:
            raise NotFound()
        return found

    @extend_schema(
        summary="Your exports, newest first",
        responses={200: ExportSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ExportSerializer(page, many=True).data)

    @extend_schema(
        summary="One of your exports: status, progress, and the download link when ready",
        responses={200: ExportSerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ExportSerializer(self._export(pk)).data)

    @extend_schema(
        summary="Export the ledger (xlsx), masked or with full values",
        description="The volunteers you see, filtered as the list of volunteers filters them. "
        "Up to EXPORT_IMMEDIATE_ROWS rows (5,000 by default) the file is written at once "
        "(201, status done); a larger ledger is written in the background (202: poll the "
        "export). Download it from download_url, for EXPORT_LINK_HOURS (24 by default). "
        "Every export and every download is logged.",
        request=LedgerExportSerializer,
        responses={
            201: OpenApiResponse(ExportSerializer, description="Written: download it."),
            202: OpenApiResponse(ExportSerializer, description="Queued: poll the export."),
            **errors(400, 401, 403),
        },
    )
    @action(detail=False, methods=["post"])
    def ledger(self, request: Request) -> Response:
        data = validated(LedgerExportSerializer, request.data)
        volunteers = selectors.ledger(request.user)
        filters = ledger_filter(request.user, volunteers, data)
        rows = ledger_exports.ordered_ledger(request.user, filters).count()
        export = export_requests.request_ledger_export(
            request.user,
            filters,
            full=data["full"],
            reason=data["reason"],
            rows=rows,
            in_process=not export_requests.in_background(rows),
        )
        done = export.status == ExportStatus.DONE
        return Response(ExportSerializer(export).data, status=201 if done else 202)

    @extend_schema(
        summary="Download the file of one of your exports",
        description="Only for the one who asked for it, while the link lasts "
        "(EXPORT_LINK_HOURS after the file was written); each download is logged.",
        responses={**DOWNLOAD_ANSWERS, **errors(401, 404)},
    )
    @action(detail=True, pagination_class=None)
    def download(self, request: Request, pk: str) -> HttpResponse:
        export = self._export(pk)
        try:
            made = exports.download_export(export, actor=request.user)
        except DjangoValidationError as error:
            if error.code == "expired":
                raise Gone(error.messages[0]) from None
            raise NotReady(error.messages[0]) from None
        response = HttpResponse(made.content, content_type=made.content_type)
        response["Content-Disposition"] = str(
            content_disposition_header(as_attachment=True, filename=made.name)
        )
        return response
