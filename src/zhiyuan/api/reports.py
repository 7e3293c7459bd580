"""The statistics tables as JSON: the same rows as the web page, the xlsx and the PDF
(`reports.tables.StatisticsTable`), for a subtree the user's roles cover and a reference date."""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from zhiyuan.api.audit import ActorSerializer
from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import ErrorSerializer, errors
from zhiyuan.api.shared import OrganizationRefSerializer, id_field, validated
from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.selectors import scope_roots, visible_organizations
from zhiyuan.reports import kinds, selectors
from zhiyuan.reports.enums import ReportFormat
from zhiyuan.reports.render import CONTENT_TYPES
from zhiyuan.reports.rounds import selectors as rounds_selectors
from zhiyuan.reports.rounds import services as rounds_services
from zhiyuan.reports.rounds.models import (
    ReportingRound,
    Submission,
    SubmissionStatus,
    SubmitterLevel,
)
from zhiyuan.reports.rounds.snapshots import compare, table_from_data
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


def table_root(request: Request, query: dict[str, Any]) -> Organization:
    """The subtree a table is asked for (one the caller's roles cover), by default the highest
    organisation they hold a role on; NotFound otherwise."""
    if "organization" in query:
        root = visible_organizations(request.user).filter(pk=query["organization"]).first()
    else:
        roots = scope_roots(request.user)
        root = roots[0] if roots else None
    if root is None:
        raise NotFound(_("No organisation with this id is inside the area your roles cover."))
    return root


class TableView(APIView):
    """A statistics table of the registry (`reports.kinds`, named by `key`) for a subtree on a
    date: Attachment 3 here, 5, 6 and 7 in `api/tables.py`."""

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


class Attachment3View(TableView):
    """Attachment 3, the registration task allocation table, for a subtree on a date."""

    key = "attachment3"

    @extend_schema(
        parameters=[TableQuerySerializer],
        responses={200: TableSerializer, **errors(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


# --- reporting rounds ------------------------------------------------------------------------
# A city's administrators open a round; the administrators of each district or street asked
# submit its tables (frozen as submitted) and may withdraw them until the due date. Rounds are
# seen by the roles over their subtree and over the organisations asked; inside a round, each
# reader sees the organisations of their own scope. The same services as the web pages.


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"


class FileChanged(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "hash_mismatch"


class SummarySerializer(serializers.Serializer):
    expected = serializers.IntegerField(help_text="Organisations asked, in your scope.")
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    missing = serializers.IntegerField(help_text="Not submitted, or withdrawn and not again.")


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    organization = OrganizationRefSerializer(help_text="The subtree asked.")
    tables = serializers.ListField(
        child=serializers.CharField(), help_text="The tables asked for, e.g. attachment3."
    )
    reference_date = serializers.DateField()
    due_date = serializers.DateField(help_text="Submissions on a later day are marked late.")
    submitter_level = serializers.ChoiceField(choices=SubmitterLevel.choices)
    remind_days_before = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)
    opened_by = ActorSerializer(allow_null=True)
    opened_at = serializers.DateTimeField()
    summary = SummarySerializer()


class SubmissionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sequence = serializers.IntegerField(help_text="1, 2, … in the order made.")
    status = serializers.ChoiceField(choices=SubmissionStatus.choices)
    late = serializers.BooleanField()
    submitted_by = ActorSerializer(allow_null=True)
    submitted_at = serializers.DateTimeField()
    withdrawn_by = ActorSerializer(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawal_reason = serializers.CharField(allow_blank=True)


class MemberSerializer(serializers.Serializer):
    organization = OrganizationRefSerializer()
    state = serializers.ChoiceField(
        choices=["on-time", "late", "withdrawn", "missing"],
        help_text="Submitted on time, late, withdrawn and not submitted again, or not at all.",
    )
    submissions = SubmissionRefSerializer(many=True, help_text="Oldest first.")


class RoundDetailSerializer(RoundSerializer):
    members = MemberSerializer(many=True, help_text="The organisations asked, in your scope.")
    submittable = OrganizationRefSerializer(
        many=True, help_text="The organisations you submit for in this round."
    )


class RoundCreateSerializer(serializers.Serializer):
    organization = id_field(help_text="The subtree asked: your city or an organisation in it.")
    title = serializers.CharField(max_length=100)
    tables = serializers.ListField(
        child=serializers.ChoiceField(choices=kinds.kind_keys()), min_length=1, max_length=10
    )
    reference_date = serializers.DateField(help_text="Not in the future.")
    due_date = serializers.DateField(help_text="Not in the past, nor before the reference date.")
    submitter_level = serializers.ChoiceField(choices=SubmitterLevel.choices)
    remind_days_before = serializers.IntegerField(
        min_value=0, max_value=rounds_services.MAX_REMIND_DAYS, default=3
    )
    note = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class SubmitSerializer(serializers.Serializer):
    organization = id_field(help_text="An organisation asked in the round that you administer.")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")


class SubmittedTableSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="e.g. attachment3")
    number = serializers.IntegerField()
    title = serializers.CharField()
    xlsx_sha256 = serializers.CharField()
    pdf_sha256 = serializers.CharField()
    table = TableSerializer(help_text="The figures as submitted.")
    live_differences = serializers.IntegerField(
        allow_null=True,
        help_text="Cells that differ from the live data for the same reference date (null: "
        "the table can no longer be built).",
    )


class SubmissionSerializer(SubmissionRefSerializer):
    round = serializers.IntegerField(source="round_id")
    organization = OrganizationRefSerializer()


class SubmissionDetailSerializer(SubmissionSerializer):
    tables = SubmittedTableSerializer(many=True)


class SubmissionFilter(serializers.Serializer):
    round = id_field(required=False)
    status = serializers.ChoiceField(choices=SubmissionStatus.choices, required=False)


class SubmissionFileQuery(serializers.Serializer):
    table = serializers.ChoiceField(choices=kinds.kind_keys())
    type = serializers.ChoiceField(
        choices=[ReportFormat.XLSX, ReportFormat.PDF], help_text="The file's type."
    )


ROUND_FIELDS = (
    "id",
    "title",
    "organization",
    "tables",
    "reference_date",
    "due_date",
    "submitter_level",
    "remind_days_before",
    "note",
    "opened_by",
    "opened_at",
)
SUBMISSION_FIELDS = (
    "id",
    "round_id",
    "organization",
    "sequence",
    "status",
    "late",
    "submitted_by",
    "submitted_at",
    "withdrawn_by",
    "withdrawn_at",
    "withdrawal_reason",
)


def _round_json(
    user: Any,
    opened: ReportingRound,
    *,
    detail: bool = False,
    statuses: list[rounds_selectors.MemberStatus] | None = None,
) -> dict[str, Any]:
    """`opened` as RoundSerializer gives it (RoundDetailSerializer with `detail`); `statuses`
    where the caller read them for many rounds at once."""
    if statuses is None:
        statuses = rounds_selectors.member_statuses(user, opened)
    found: dict[str, Any] = {
        **{name: getattr(opened, name) for name in ROUND_FIELDS},
        "summary": rounds_selectors.summary(statuses).__dict__,
    }
    if detail:
        found["members"] = [
            {"organization": s.organization, "state": s.state, "submissions": s.submissions}
            for s in statuses
        ]
        found["submittable"] = rounds_selectors.submittable_members(user, opened)
    return found


class ReportingRoundViewSet(viewsets.GenericViewSet):
    """Reporting rounds you see (those of your subtree, and those asking your organisations),
    newest first."""

    serializer_class = RoundSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[ReportingRound]:
        return rounds_selectors.visible_rounds(self.request.user)

    def _round(self, pk: str) -> ReportingRound:
        found = self.get_queryset().filter(pk=object_id(pk)).first()
        if found is None:
            raise NotFound()
        return found

    @extend_schema(
        summary="List the reporting rounds you see",
        responses={200: RoundSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        statuses = rounds_selectors.statuses_by_round(request.user, page)
        data = [_round_json(request.user, r, statuses=statuses[r.pk]) for r in page]
        return self.get_paginated_response(RoundSerializer(data, many=True).data)

    @extend_schema(
        summary="A round, with where each organisation of your scope stands",
        responses={200: RoundDetailSerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        opened = self._round(pk)
        return Response(RoundDetailSerializer(_round_json(request.user, opened, detail=True)).data)

    @extend_schema(
        summary="Open a reporting round (a city's administrators)",
        request=RoundCreateSerializer,
        responses={201: RoundDetailSerializer, **errors(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        data = validated(RoundCreateSerializer, request.data)
        root = visible_organizations(request.user).filter(pk=data.pop("organization")).first()
        if root is None:
            raise ValidationError(
                {"organization": [_("No organisation with this id is inside your area.")]}
            )
        opened = rounds_services.open_round(root, actor=request.user, **data)
        body = RoundDetailSerializer(_round_json(request.user, opened, detail=True)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Submit an organisation's tables in the round (its administrators)",
        description="Builds each table from the live data for the round's reference date and "
        "freezes it: the figures, the xlsx and the PDF, with their SHA-256. After the due "
        "date the submission is accepted and marked late.",
        request=SubmitSerializer,
        responses={
            201: SubmissionDetailSerializer,
            503: OpenApiResponse(ErrorSerializer, description="No font can draw the PDF."),
            **errors(400, 401, 403, 404),
        },
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        opened = self._round(pk)
        data = validated(SubmitSerializer, request.data)
        mine = rounds_selectors.submittable_members(request.user, opened)
        organization = next((o for o in mine if o.pk == data["organization"]), None)
        if organization is None:
            raise NotFound(_("You submit for no organisation with this id in this round."))
        try:
            made = rounds_services.submit_tables(opened, organization, actor=request.user)
        except FontUnavailable as exc:
            raise ServiceUnavailable(str(exc)) from None
        body = SubmissionDetailSerializer(_submission_json(made)).data
        return Response(body, status=status.HTTP_201_CREATED)


def _submission_json(submission: Submission, *, compare_live: bool = False) -> dict[str, Any]:
    tables = []
    with translation.override(rounds_services.DOCUMENT_LANGUAGE):
        for row in rounds_selectors.submission_tables(submission):
            frozen = table_from_data(row.data)
            differences: int | None = 0
            if compare_live:
                kind = kinds.get_kind(row.kind)
                live = (
                    kind.build(submission.organization, submission.round.reference_date)
                    if kind
                    else None
                )
                differences = compare(frozen, live).differences if live else None
            tables.append(
                {
                    "kind": row.kind,
                    "number": row.number,
                    "title": row.title,
                    "xlsx_sha256": row.xlsx_sha256,
                    "pdf_sha256": row.pdf_sha256,
                    "table": table_json(frozen, submission.organization),
                    "live_differences": differences,
                }
            )
    return {name: getattr(submission, name) for name in SUBMISSION_FIELDS} | {"tables": tables}


class SubmissionViewSet(viewsets.GenericViewSet):
    """Submissions of the organisations in your scope, newest first."""

    serializer_class = SubmissionSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Submission]:
        rows = rounds_selectors.visible_submissions(self.request.user)
        return rows.order_by("-submitted_at", "-pk")

    def _submission(self, pk: str) -> Submission:
        found = self.get_queryset().filter(pk=object_id(pk)).first()
        if found is None:
            raise NotFound()
        return found

    @extend_schema(
        summary="List the submissions of your scope",
        parameters=[SubmissionFilter],
        responses={200: SubmissionSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        data = validated(SubmissionFilter, request.query_params)
        rows = self.get_queryset()
        if "round" in data:
            rows = rows.filter(round_id=data["round"])
        if "status" in data:
            rows = rows.filter(status=data["status"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(SubmissionSerializer(page, many=True).data)

    @extend_schema(
        summary="A submission: each table's figures as submitted, their hashes, and how many "
        "cells the live data now give differently",
        responses={200: SubmissionDetailSerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        found = self._submission(pk)
        return Response(SubmissionDetailSerializer(_submission_json(found, compare_live=True)).data)

    @extend_schema(
        summary="Withdraw a submission to submit again, until the due date (its "
        "organisation's administrators)",
        request=WithdrawSerializer,
        responses={200: SubmissionSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        found = self._submission(pk)
        data = validated(WithdrawSerializer, request.data)
        done = rounds_services.withdraw_submission(found, actor=request.user, **data)
        return Response(SubmissionSerializer(self.get_queryset().get(pk=done.pk)).data)

    @extend_schema(
        summary="A submitted table's xlsx or PDF exactly as submitted",
        description="Its SHA-256 is checked first: a file that no longer matches the hash "
        "recorded at submission is refused (409), never served.",
        parameters=[SubmissionFileQuery],
        responses={
            (200, CONTENT_TYPES[ReportFormat.XLSX]): OpenApiResponse(OpenApiTypes.BINARY),
            (200, CONTENT_TYPES[ReportFormat.PDF]): OpenApiResponse(OpenApiTypes.BINARY),
            409: OpenApiResponse(ErrorSerializer, description="The file no longer matches."),
            **errors(400, 401, 404),
        },
    )
    @action(detail=True, pagination_class=None)
    def file(self, request: Request, pk: str) -> HttpResponse:
        found = self._submission(pk)
        query = validated(SubmissionFileQuery, request.query_params)
        row = found.tables.filter(kind=query["table"]).first()
        if row is None:
            raise NotFound(_("This submission has no such table."))
        try:
            content, name = rounds_selectors.submitted_file(row, query["type"])
        except rounds_selectors.FileChangedError as exc:
            raise FileChanged(str(exc)) from None
        response = HttpResponse(content, content_type=CONTENT_TYPES[ReportFormat(query["type"])])
        response["Content-Disposition"] = str(
            content_disposition_header(as_attachment=True, filename=name)
        )
        return response
