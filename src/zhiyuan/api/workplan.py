"""The work plan over the API (plan §四): a city's steps (`/api/v1/workplan-steps/`, with the
plan's defaults), the reports that a step is done with the superior's acceptance or return
(`/api/v1/workplan-reports/`), and the board of a subtree as JSON, xlsx or PDF
(`/api/v1/workplan/board/`). The same selectors and services as the pages, scoped by the
access layer: a report outside the caller's roles is not found; phones are masked."""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from zhiyuan.api.audit import ActorSerializer
from zhiyuan.api.fields import IdentifierField
from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import ErrorSerializer, errors
from zhiyuan.api.shared import OrganizationRefSerializer, id_field, validated
from zhiyuan.common.masking import mask_phone
from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.selectors import visible_organizations
from zhiyuan.reports.rounds import selectors as rounds_selectors
from zhiyuan.workplan import exports, selectors, services
from zhiyuan.workplan.enums import CellState, ReportStatus, StepLevel, StepLink
from zhiyuan.workplan.models import StepReport, WorkStep


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"


def _in_area(user: Any, pk: int) -> Organization:
    found = visible_organizations(user).filter(pk=pk).first()
    if found is None:
        raise ValidationError(
            {"organization": [_("No organisation with this id is inside your area.")]}
        )
    return found


# --- steps -------------------------------------------------------------------------------------


class RoundRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class StepSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    city = OrganizationRefSerializer(source="organization")
    code = serializers.CharField(help_text="The plan's steps: preparation, stations, …")
    name = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    due_date = serializers.DateField(help_text="A report on a later day is late.")
    levels = serializers.ListField(child=serializers.ChoiceField(choices=StepLevel.choices))
    link = serializers.ChoiceField(choices=StepLink.choices, allow_blank=True)
    round = RoundRefSerializer(allow_null=True)
    position = serializers.IntegerField()
    in_use = serializers.BooleanField(source="is_active")


class StepInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    description = serializers.CharField(
        max_length=500, allow_blank=True, required=False, default=""
    )
    due_date = serializers.DateField()
    levels = serializers.ListField(
        child=serializers.ChoiceField(choices=StepLevel.choices), min_length=1, max_length=4
    )
    link = serializers.ChoiceField(
        choices=StepLink.choices, allow_blank=True, required=False, default=""
    )
    round = id_field(required=False, allow_null=True, default=None)


class StepCreateSerializer(StepInputSerializer):
    organization = id_field(help_text="The city (its city-level organisation).")


class StepUpdateSerializer(StepInputSerializer):
    in_use = serializers.BooleanField(required=False, help_text="False retires the step.")


class DefaultsSerializer(serializers.Serializer):
    organization = id_field(help_text="The city (its city-level organisation).")
    year = serializers.IntegerField(min_value=2000, max_value=2100)


def _round(user: Any, city: Organization, pk: int | None) -> Any:
    if pk is None:
        return None
    found = rounds_selectors.visible_rounds(user).filter(pk=pk).first()
    if found is None:
        raise ValidationError({"round": [_("No reporting round with this id is visible to you.")]})
    return found


class WorkStepViewSet(viewsets.GenericViewSet):
    """The steps of the city above your roles, in the city's order (retired ones too)."""

    serializer_class = StepSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[WorkStep]:
        return selectors.visible_steps(self.request.user)

    def _step(self, pk: str) -> WorkStep:
        found = self.get_queryset().filter(pk=object_id(pk)).first()
        if found is None:
            raise NotFound()
        return found

    @extend_schema(
        summary="List the work plan's steps you see",
        responses={200: StepSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        return self.get_paginated_response(StepSerializer(page, many=True).data)

    @extend_schema(summary="A step", responses={200: StepSerializer, **errors(401, 404)})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(StepSerializer(self._step(pk)).data)

    @extend_schema(
        summary="Add a step to a city (its administrators)",
        request=StepCreateSerializer,
        responses={201: StepSerializer, **errors(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        data = validated(StepCreateSerializer, request.data)
        city = _in_area(request.user, data.pop("organization"))
        data["round"] = _round(request.user, city, data["round"])
        step = services.save_step(city, actor=request.user, **data)
        return Response(StepSerializer(step).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a step, or retire it or bring it back (the city's administrators)",
        request=StepUpdateSerializer,
        responses={200: StepSerializer, **errors(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        step = self._step(pk)
        data = validated(StepUpdateSerializer, request.data)
        in_use = data.pop("in_use", None)
        data["round"] = _round(request.user, step.organization, data["round"])
        step = services.save_step(step.organization, actor=request.user, step=step, **data)
        if in_use is not None:
            step = services.set_step_in_use(step, actor=request.user, in_use=in_use)
        return Response(StepSerializer(step).data)

    @extend_schema(
        summary="Add the plan's steps a city does not have yet, due in a year",
        request=DefaultsSerializer,
        responses={201: StepSerializer(many=True), **errors(400, 401, 403)},
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def defaults(self, request: Request) -> Response:
        data = validated(DefaultsSerializer, request.data)
        city = _in_area(request.user, data["organization"])
        added = services.create_plan_steps(city, actor=request.user, year=data["year"])
        return Response(StepSerializer(added, many=True).data, status=status.HTTP_201_CREATED)


# --- reports -----------------------------------------------------------------------------------


class StepRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    due_date = serializers.DateField()


class EvidenceSerializer(serializers.Serializer):
    name = serializers.CharField(source="evidence_name")
    content_type = serializers.CharField(source="evidence_type")
    size = serializers.IntegerField(source="evidence_size", help_text="In bytes.")
    url = serializers.SerializerMethodField(help_text="The file, for users of the web pages.")

    def get_url(self, row: StepReport) -> str:
        return reverse("workplan:evidence", args=[row.pk])


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    step = StepRefSerializer()
    organization = OrganizationRefSerializer()
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    responsible_person = serializers.CharField()
    responsible_department = serializers.CharField(allow_blank=True)
    contact_phone = serializers.SerializerMethodField(help_text="Masked, e.g. 199****1111.")
    note = serializers.CharField(allow_blank=True)
    evidence = serializers.SerializerMethodField()
    late = serializers.BooleanField(help_text="Reported after the due date.")
    reported_by = ActorSerializer(allow_null=True)
    reported_at = serializers.DateTimeField()
    decided_by = ActorSerializer(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    return_reason = serializers.CharField(allow_blank=True)

    def get_contact_phone(self, row: StepReport) -> str:
        return mask_phone(row.contact_phone)

    @extend_schema_field(EvidenceSerializer(allow_null=True))
    def get_evidence(self, row: StepReport) -> dict[str, Any] | None:
        return dict(EvidenceSerializer(row).data) if row.evidence else None


class StationStateSerializer(serializers.Serializer):
    station = OrganizationRefSerializer()
    met = serializers.IntegerField(help_text="Six-haves items standing met today.")
    total = serializers.IntegerField()
    all_met = serializers.BooleanField()


class ReportDetailSerializer(ReportSerializer):
    """A report with what it links to; needs the reader as `context["user"]`."""

    stations = serializers.SerializerMethodField(
        help_text="The stations claimed built to standard, as assessed today."
    )
    round_state = serializers.SerializerMethodField(
        help_text="For a step linking to a reporting round: on-time, late, withdrawn, missing "
        "or not-asked; blank otherwise."
    )

    @extend_schema_field(StationStateSerializer(many=True))
    def get_stations(self, row: StepReport) -> list[dict[str, Any]]:
        states = selectors.station_states(row.stations.all())
        found = [{**s.__dict__, "all_met": s.all_met} for s in states]
        return list(StationStateSerializer(found, many=True).data)

    def get_round_state(self, row: StepReport) -> str:
        return selectors.round_state(self.context["user"], row.step, row.organization)


class ReportCreateSerializer(serializers.Serializer):
    step = id_field()
    organization = id_field(help_text="An organisation the step asks, that you administer.")
    responsible_person = serializers.CharField(max_length=50)
    contact_phone = IdentifierField(
        "phone", max_length=20, help_text="A mainland mobile number, as text."
    )
    responsible_department = serializers.CharField(
        max_length=100, allow_blank=True, required=False, default=""
    )
    note = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")
    evidence = serializers.FileField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A JPEG or PNG photo or a PDF of at most 10 MB (multipart/form-data).",
    )
    stations = serializers.ListField(
        child=id_field(),
        required=False,
        default=list,
        help_text="For a step linking to stations: those claimed (default: all of yours).",
    )


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ContactRevealSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="Why you need the number (audited).")


class ContactSerializer(serializers.Serializer):
    contact_phone = serializers.CharField(help_text="The responsible person's mobile, in full.")


class ReportFilter(serializers.Serializer):
    step = id_field(required=False)
    organization = id_field(required=False)
    status = serializers.ChoiceField(choices=ReportStatus.choices, required=False)


class StepReportViewSet(viewsets.GenericViewSet):
    """Reports of the organisations in your scope, newest first."""

    serializer_class = ReportSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[StepReport]:
        return selectors.visible_reports(self.request.user)

    def _report(self, pk: str) -> StepReport:
        found = self.get_queryset().filter(pk=object_id(pk)).first()
        if found is None:
            raise NotFound()
        return found

    def _detail_response(self, row: StepReport, code: int = status.HTTP_200_OK) -> Response:
        row = self._report(str(row.pk))
        body = ReportDetailSerializer(row, context={"user": self.request.user}).data
        return Response(body, status=code)

    @extend_schema(
        summary="List the step reports of your scope",
        parameters=[ReportFilter],
        responses={200: ReportSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        query = validated(ReportFilter, request.query_params)
        rows = self.get_queryset()
        for key in ("step", "organization"):
            if key in query:
                rows = rows.filter(**{f"{key}_id": query[key]})
        if "status" in query:
            rows = rows.filter(status=query["status"])
        page = self.paginate_queryset(rows) or []
        return self.get_paginated_response(ReportSerializer(page, many=True).data)

    @extend_schema(
        summary="A report, with the stations it claims and the round's state",
        responses={200: ReportDetailSerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail_response(self._report(pk))

    @extend_schema(
        summary="Report a step done for an organisation you administer",
        description="Refused (400, on `organization`) for an organisation the step does not "
        "ask: another level, another city, a retired step. After the due date the report is "
        "accepted and marked late.",
        request={
            "application/json": ReportCreateSerializer,
            "multipart/form-data": ReportCreateSerializer,
        },
        responses={201: ReportDetailSerializer, **errors(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        data = validated(ReportCreateSerializer, request.data)
        step = selectors.visible_steps(request.user).filter(pk=data.pop("step")).first()
        if step is None:
            raise ValidationError({"step": [_("No step with this id is visible to you.")]})
        organization = _in_area(request.user, data.pop("organization"))
        row = services.report_step(step, organization, actor=request.user, **data)
        return self._detail_response(row, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accept a report (an administrator above the organisation)",
        request=None,
        responses={200: ReportDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        row = services.accept_report(self._report(pk), actor=request.user)
        return self._detail_response(row)

    @extend_schema(
        summary="Return a report with a reason (an administrator above the organisation)",
        request=ReturnSerializer,
        responses={200: ReportDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_report(self, request: Request, pk: str) -> Response:
        data = validated(ReturnSerializer, request.data)
        row = services.return_report(self._report(pk), actor=request.user, **data)
        return self._detail_response(row)

    @extend_schema(
        summary="The responsible person's mobile in full, with a reason (audited)",
        description="For the administrators of the reporting organisation and those above it; "
        "each viewing is recorded in the audit log with its reason.",
        request=ContactRevealSerializer,
        responses={200: ContactSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="reveal-contact")
    def reveal_contact(self, request: Request, pk: str) -> Response:
        data = validated(ContactRevealSerializer, request.data)
        number = services.reveal_contact(self._report(pk), actor=request.user, **data)
        response = Response(ContactSerializer({"contact_phone": number}).data)
        response["Cache-Control"] = "no-store"
        return response


# --- the board ---------------------------------------------------------------------------------


class BoardQuerySerializer(serializers.Serializer):
    under = id_field(help_text="The subtree: an organisation in your area.")
    date = serializers.DateField(required=False, help_text="The day (default: today).")


class BoardFileQuerySerializer(BoardQuerySerializer):
    type = serializers.ChoiceField(choices=exports.FORMATS, help_text="The file's type.")


class CellSerializer(serializers.Serializer):
    step = serializers.IntegerField(source="step.pk")
    state = serializers.ChoiceField(
        choices=CellState.choices, allow_null=True, help_text="Null: the step does not ask it."
    )
    report = serializers.IntegerField(source="report.pk", allow_null=True, default=None)


class BoardRowSerializer(serializers.Serializer):
    organization = OrganizationRefSerializer()
    level = serializers.ChoiceField(choices=StepLevel.choices)
    cells = CellSerializer(many=True)


class CountsSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    late = serializers.IntegerField()
    returned = serializers.IntegerField()
    pending = serializers.IntegerField()
    missing = serializers.IntegerField()


class StepCountsSerializer(serializers.Serializer):
    step = StepRefSerializer()
    counts = CountsSerializer()


class BoardSerializer(serializers.Serializer):
    root = OrganizationRefSerializer()
    day = serializers.DateField()
    steps = StepCountsSerializer(many=True)
    rows = BoardRowSerializer(many=True)
    totals = CountsSerializer()


def _board(request: Request, query: dict[str, Any]) -> selectors.Board:
    root = visible_organizations(request.user).filter(pk=query["under"]).first()
    if root is None:
        raise NotFound(_("No organisation with this id is inside your area."))
    day: date = query.get("date") or selectors.local_today()
    return selectors.board(root, day=day)


class BoardView(APIView):
    @extend_schema(
        summary="The work plan's board of a subtree: each organisation's state on each step",
        description="States, in order of precedence: done (an accepted report), late (past the "
        "due date without one), returned, pending (awaiting review), missing (nothing yet).",
        parameters=[BoardQuerySerializer],
        responses={200: BoardSerializer, **errors(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        found = _board(request, validated(BoardQuerySerializer, request.query_params))
        data = {
            "root": found.root,
            "day": found.day,
            "steps": [{"step": s, "counts": found.counts[s.pk]} for s in found.steps],
            "rows": found.rows,
            "totals": found.totals,
        }
        return Response(BoardSerializer(data).data)


class BoardFileView(APIView):
    @extend_schema(
        summary="The work plan's board of a subtree as xlsx or PDF",
        parameters=[BoardFileQuerySerializer],
        responses={
            (200, exports.CONTENT_TYPES["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY),
            (200, exports.CONTENT_TYPES["pdf"]): OpenApiResponse(OpenApiTypes.BINARY),
            503: OpenApiResponse(ErrorSerializer, description="No font can draw the PDF."),
            **errors(400, 401, 404),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        query = validated(BoardFileQuerySerializer, request.query_params)
        found = _board(request, query)
        try:
            content = exports.render(found, query["type"])
        except FontUnavailable as exc:
            raise ServiceUnavailable(str(exc)) from None
        response = HttpResponse(content, content_type=exports.CONTENT_TYPES[query["type"]])
        response["Content-Disposition"] = str(
            content_disposition_header(
                as_attachment=True, filename=exports.file_name(found, query["type"])
            )
        )
        return response
