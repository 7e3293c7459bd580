"""Roster imports over the API: upload a unit's registration spreadsheet, read the check's
report, import it by explicit choice, download the error report and the template.

The same path as the web and `zhiyuan import_roster` (`volunteers.imports`): the upload stores
the file and queues the check (a task), the import runs as a task too (`commit.commit_roster`);
poll the import until its status leaves uploaded/checking/importing. Reads go through the
access layer (`selectors.roster_imports`; out of scope: 404). Uploading and importing need a registering role for the registration point
(403 otherwise); the error report holds personal data, so only the uploader and the body's
administrators download it (403 otherwise), and each download is audited.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.api.audit import ActorSerializer
from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import ErrorSerializer, errors
from zhiyuan.api.shared import BodyRefSerializer, OrganizationRefSerializer, id_field, validated
from zhiyuan.api.volunteers import registration_point
from zhiyuan.volunteers import selectors
from zhiyuan.volunteers.enums import ImportMode, ImportStatus
from zhiyuan.volunteers.imports import files, workbooks
from zhiyuan.volunteers.imports.commit import WAITING, commit_roster
from zhiyuan.volunteers.imports.downloads import download_roster_file
from zhiyuan.volunteers.imports.messages import failure, shown
from zhiyuan.volunteers.imports.upload import MAX_FILE_BYTES, upload_roster
from zhiyuan.volunteers.models import RosterImport

PROBLEMS_SHOWN = 500


# --- answers ---------------------------------------------------------------------------------


class RosterImportSerializer(serializers.Serializer):
    """An uploaded roster, its check's counts and its import's result."""

    id = serializers.IntegerField()
    filename = serializers.CharField()
    body = BodyRefSerializer(help_text="The registration body the people join.")
    organization = OrganizationRefSerializer(help_text="Registered through.")
    uploaded_by = ActorSerializer(allow_null=True)
    uploaded_at = serializers.DateTimeField()
    file_sha256 = serializers.CharField(help_text="Kept after the file itself is deleted.")
    file_size = serializers.IntegerField(help_text="Bytes.")
    file_deleted_at = serializers.DateTimeField(
        source="purged_at",
        allow_null=True,
        help_text="When the retention period (ROSTER_RETENTION_DAYS) deleted the file.",
    )
    status = serializers.ChoiceField(
        choices=ImportStatus.choices,
        help_text="uploaded, checking and importing are still running: poll until it changes.",
    )
    error = serializers.SerializerMethodField(
        help_text="Why the file could not be read (status failed), in the request's language."
    )
    rows_done = serializers.IntegerField(help_text="Rows read or imported so far.")
    progress = serializers.SerializerMethodField(help_text="Percent of the running step.")
    rows_total = serializers.IntegerField(help_text="Rows with data (while checking: the file's).")
    rows_valid = serializers.IntegerField(help_text="Right and new: what an import would add.")
    rows_invalid = serializers.IntegerField(help_text="Rows with at least one problem.")
    rows_present = serializers.IntegerField(
        help_text="Already registered with this body: nothing new, and not an error."
    )
    mode = serializers.ChoiceField(choices=ImportMode.choices, allow_blank=True)
    imported_count = serializers.IntegerField(help_text="Volunteers the import created.")
    imported_at = serializers.DateTimeField(allow_null=True)

    def get_error(self, roster_import: RosterImport) -> str:
        return failure(roster_import.error_text, roster_import.error)

    @extend_schema_field(serializers.IntegerField(min_value=0, max_value=100))
    def get_progress(self, roster_import: RosterImport) -> int:
        total = roster_import.rows_total
        return min(100, roster_import.rows_done * 100 // total) if total else 0


class ProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row number Excel shows.")
    column = serializers.CharField(
        help_text="Column letter and header, e.g. D 身份证号; or the field in words."
    )
    message = serializers.CharField(help_text="In the request's language.")


class RosterImportDetailSerializer(RosterImportSerializer):
    header_row = serializers.IntegerField(allow_null=True, help_text="Where the header was found.")
    unknown_headers = serializers.ListField(
        child=serializers.CharField(), help_text="Columns not recognised, and ignored."
    )
    problem_count = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField(
        help_text=f"The first {PROBLEMS_SHOWN}; the error report holds them all."
    )

    def get_problem_count(self, roster_import: RosterImport) -> int:
        return len(roster_import.problems)

    @extend_schema_field(ProblemSerializer(many=True))
    def get_problems(self, roster_import: RosterImport) -> list[dict[str, Any]]:
        return [shown(problem) for problem in roster_import.problems[:PROBLEMS_SHOWN]]


# --- input -----------------------------------------------------------------------------------


class RosterUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The roster: xlsx, or csv in UTF-8 (with or without BOM) or GBK/GB18030; at "
        "most 50 MB. Required columns 姓名, 身份证号, 手机号 (see template/)."
    )
    body = id_field(help_text="The registration body.")
    organization = id_field(
        required=False,
        help_text="Registered through: the body's own organisation (the default) or one it "
        "delegated to.",
    )
    consent_affirmed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Everyone on the roster signed the registration form with its separate "
        "consent to processing their ID number; the upload needs it.",
    )


class CommitSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=ImportMode.choices,
        help_text="all: only if no row has a problem (else nothing, status refused); "
        "valid_only: the valid rows, leaving the others out.",
    )


class Gone(APIException):
    status_code = status.HTTP_410_GONE
    default_code = "purged"


XLSX_ANSWER = {(200, files.XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")}
GONE = {
    410: OpenApiResponse(
        ErrorSerializer, description="The file was deleted after the retention period."
    )
}
DOWNLOADS = ("report", "template")


class DownloadReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200,
        allow_blank=True,
        help_text="Why you need the full values; kept in the audit log with your name.",
    )


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=files.XLSX)
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=True, filename=name)
    )
    response["Cache-Control"] = "no-store"
    return response


# --- the viewset -----------------------------------------------------------------------------


class RosterImportViewSet(viewsets.GenericViewSet):
    """Roster imports into bodies through organisations in the user's subtrees, newest
    first."""

    serializer_class = RosterImportSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[RosterImport]:
        return selectors.roster_imports(self.request.user)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The downloads answer a spreadsheet whatever the client accepts (an Accept naming
        # the spreadsheet type included); their errors stay JSON.
        return super().perform_content_negotiation(request, force=force or self.action in DOWNLOADS)

    def _import(self, pk: str) -> RosterImport:
        found = self.get_queryset().filter(pk=object_id(pk)).first()
        if found is None:
            raise NotFound()
        return found

    def _detail(self, pk: int, *, status_code: int = 200) -> Response:
        found = self.get_queryset().get(pk=pk)
        return Response(RosterImportDetailSerializer(found).data, status=status_code)

    @extend_schema(
        summary="The roster imports in your subtrees, newest first",
        responses={200: RosterImportSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset().defer("problems"))
        return self.get_paginated_response(RosterImportSerializer(page, many=True).data)

    @extend_schema(
        summary="One roster import: status, progress, counts and problems",
        responses={200: RosterImportDetailSerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(self._import(pk).pk)

    @extend_schema(
        summary="Upload a roster (registrars); its check runs in the background",
        description="Stores the file (encrypted, with its SHA-256) and queues the dry run; "
        "poll the import until its status is checked (or failed), read the report, then "
        "choose how to import with commit/. Nothing is written to the ledger before.",
        request={"multipart/form-data": RosterUploadSerializer},
        responses={201: RosterImportDetailSerializer, **errors(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        data = validated(RosterUploadSerializer, request.data)
        body, organization = registration_point(request.user, data)
        upload = data["file"]
        roster_import = upload_roster(
            # One byte beyond the limit is enough for the service to refuse an oversized file.
            upload.read(MAX_FILE_BYTES + 1),
            filename=upload.name,
            body=body,
            organization=organization,
            actor=request.user,
            consent_affirmed=data["consent_affirmed"],
        )
        return self._detail(roster_import.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Import a checked roster, all rows or the valid ones (registrars)",
        description="Runs in the background: 202 while it waits or runs (poll the import), "
        "200 when it has already finished. With mode all and a row with a problem nothing is "
        "imported and the status becomes refused; rows already registered with the body are "
        "never imported twice. Imported people start as applied.",
        request=CommitSerializer,
        responses={
            200: OpenApiResponse(RosterImportDetailSerializer, description="Finished."),
            202: OpenApiResponse(
                RosterImportDetailSerializer, description="Waiting or running: poll the import."
            ),
            **errors(400, 401, 403, 404),
        },
    )
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str) -> Response:
        roster_import = self._import(pk)
        mode = validated(CommitSerializer, request.data)["mode"]
        result = commit_roster(roster_import, actor=request.user, mode=mode)
        waiting = result is not None and result.status in WAITING
        return self._detail(roster_import.pk, status_code=202 if waiting else 200)

    @extend_schema(
        summary="The error report: every row with its problems beside it (xlsx), with a reason",
        description="It holds every row's full ID number and phones: only the uploader and the "
        "body's administrators, with a reason (a POST, so that it travels in the body); each "
        "download is logged with it. Corrected in place, the report can be uploaded again (its "
        "extra columns are ignored).",
        request=DownloadReasonSerializer,
        responses={**XLSX_ANSWER, **errors(400, 401, 403, 404), **GONE},
    )
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: str) -> HttpResponse:
        roster_import = self._import(pk)
        reason = validated(DownloadReasonSerializer, request.data)["reason"]
        try:
            report = download_roster_file(
                roster_import, actor=request.user, what="error_report", reason=reason
            )
        except DjangoValidationError as error:
            if getattr(error, "code", None) == "purged":
                raise Gone(error.messages[0]) from None
            raise
        return _xlsx(report.content, report.name)

    @extend_schema(
        summary="The import template (xlsx): ID and phone columns as text, drop-down lists",
        responses={**XLSX_ANSWER, **errors(401)},
    )
    @action(detail=False, pagination_class=None)
    def template(self, request: Request) -> HttpResponse:
        return _xlsx(workbooks.template_xlsx(), files.TEMPLATE_NAME)
