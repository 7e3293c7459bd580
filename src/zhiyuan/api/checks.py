"""Spot checks and cases over the API (issue 14, items 1–3 and 6): campaigns (list, open, its
sample, a redraw that proves it, assigning checkers, closing, xlsx and PDF), the checker's items
(the phone revealed for the call and logged, attempts, outcomes), cases (list, decide, xlsx and
PDF) and the verification rates. Everything reads through the access layer: objects outside the
user's subtrees answer 404; writes the user's role does not allow answer 403. Names and masked
ID numbers only; the full phone only from `phone/`, audited.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from zhiyuan.accounts.models import User
from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import errors
from zhiyuan.api.shared import OrganizationRefSerializer, id_field, validated
from zhiyuan.api.volunteer_auth import VolunteerView
from zhiyuan.checks import exports, selectors, services
from zhiyuan.checks.enums import (
    AttemptMethod,
    CampaignStatus,
    CaseKind,
    CaseSource,
    CaseStatus,
    CheckedDetail,
    Decision,
    ItemKind,
    Outcome,
    Subject,
)
from zhiyuan.checks.models import Campaign, Case, CheckItem
from zhiyuan.common.masking import mask_document
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.selectors import scope_roots

FILE_TYPES = {"xlsx": exports.XLSX, "pdf": exports.PDF}

# --- output ----------------------------------------------------------------------------------


class StratumSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    key = serializers.CharField(help_text="Body code|channel, or organiser code|source.")
    population = serializers.IntegerField()
    allocated = serializers.IntegerField()


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    organization = OrganizationRefSerializer(help_text="The area checked (its subtree).")
    subject = serializers.ChoiceField(choices=Subject.choices)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    sample_size = serializers.IntegerField(allow_null=True)
    sample_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    seed = serializers.IntegerField(help_text="random.Random(seed) drew the sample.")
    status = serializers.ChoiceField(choices=CampaignStatus.choices)
    population_size = serializers.IntegerField()
    population_digest = serializers.CharField(help_text="SHA-256 of the ordered population.")
    strata = StratumSerializer(many=True)
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    document_number = serializers.SerializerMethodField(help_text="Masked.")
    registration_number = serializers.CharField(allow_null=True)
    channel = serializers.CharField()

    def get_document_number(self, volunteer: Any) -> str:
        return mask_document(volunteer.document_number)


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.IntegerField(source="campaign_id")
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    stratum = serializers.CharField()
    volunteer = PersonSerializer()
    hour_record = serializers.IntegerField(source="hour_record_id", allow_null=True)
    body = serializers.IntegerField(source="body_id")
    organizer = serializers.IntegerField(source="organizer_id", allow_null=True)
    assigned_to = serializers.IntegerField(source="assigned_to_id", allow_null=True)
    outcome = serializers.CharField(help_text="An Outcome, or empty while unchecked.")
    wrong_fields = serializers.ListField(child=serializers.ChoiceField(CheckedDetail.choices))
    note = serializers.CharField()
    outcome_at = serializers.DateTimeField(allow_null=True)


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    source = serializers.ChoiceField(choices=CaseSource.choices)  # type: ignore[assignment]
    item = serializers.IntegerField(source="item_id", allow_null=True)
    volunteer = PersonSerializer()
    hour_record = serializers.IntegerField(source="hour_record_id", allow_null=True)
    organization = OrganizationRefSerializer(help_text="Responsible: the body's or the organiser.")
    finding = serializers.CharField()
    wrong_fields = serializers.ListField(child=serializers.ChoiceField(CheckedDetail.choices))
    opened_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    decision = serializers.CharField(help_text="A Decision, or empty while open.")
    decision_note = serializers.CharField()
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    correction = serializers.IntegerField(
        source="correction_id", allow_null=True, help_text="The voiding correction of the hours."
    )


class RateSerializer(serializers.Serializer):
    organization = OrganizationRefSerializer()
    body = serializers.IntegerField(source="body_id", allow_null=True)
    checked = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    denials = serializers.IntegerField()
    reports = serializers.IntegerField(help_text="The volunteers' own reports.")
    confirmed_rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    denial_rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    flagged = serializers.BooleanField()
    in_person = serializers.BooleanField()


class RatesSerializer(serializers.Serializer):
    organization = OrganizationRefSerializer()
    threshold = serializers.DecimalField(max_digits=5, decimal_places=1)
    bodies = RateSerializer(many=True)
    organizers = RateSerializer(many=True)


class RedrawSerializer(serializers.Serializer):
    same_population = serializers.BooleanField()
    same_sample = serializers.BooleanField()
    drawn = serializers.ListField(child=serializers.IntegerField())


# --- input -----------------------------------------------------------------------------------


class CampaignCreateSerializer(serializers.Serializer):
    organization = id_field(help_text="The area checked: the city, a district or below.")
    title = serializers.CharField(max_length=100)
    subject = serializers.ChoiceField(choices=Subject.choices)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    sample_size = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    sample_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True
    )
    seed = serializers.IntegerField(min_value=0, required=False, allow_null=True)


class AssignSerializer(serializers.Serializer):
    checker = id_field(help_text="A user with the checker role over the items.")
    items = serializers.ListField(
        child=id_field(), required=False, help_text="Default: all unassigned."
    )


class AttemptSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=AttemptMethod.choices)
    reached = serializers.BooleanField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    wrong_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=CheckedDetail.choices), required=False, default=list
    )


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices, allow_blank=True)
    note = serializers.CharField(max_length=500, allow_blank=True)
    evidence = serializers.FileField(
        required=False,
        help_text="To dispute: a JPEG or PNG photo or a PDF of at most 10 MB (multipart).",
    )


class FileQuery(serializers.Serializer):
    type = serializers.ChoiceField(choices=["xlsx", "pdf"])


class PhoneSerializer(serializers.Serializer):
    mobile = serializers.CharField(help_text="The full number; the viewing is in the audit log.")


def _file(data: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=FILE_TYPES[fmt])
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=True, filename=f"{name}.{fmt}")
    )
    return response


FILE_RESPONSES = {
    (200, exports.XLSX): OpenApiResponse(OpenApiTypes.BINARY),
    (200, exports.PDF): OpenApiResponse(OpenApiTypes.BINARY),
}


# --- views -----------------------------------------------------------------------------------


class CampaignViewSet(viewsets.GenericViewSet):
    """Spot checks whose area lies in the user's subtrees, newest first."""

    serializer_class = CampaignSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaigns(self.request.user)

    def _campaign(self, pk: str) -> Campaign:
        return get_scoped_or_404(self.request.user, self.get_queryset(), pk=object_id(pk))

    @extend_schema(
        summary="List spot checks",
        responses={200: CampaignSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CampaignSerializer(page, many=True).data)

    @extend_schema(
        summary="One spot check", responses={200: CampaignSerializer, **errors(401, 404)}
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CampaignSerializer(self._campaign(pk)).data)

    @extend_schema(
        summary="Open a spot check and draw its sample (the city's or a district's administrators)",
        description="A sample larger than the population is refused (400) with the population's size.",
        request=CampaignCreateSerializer,
        responses={201: CampaignSerializer, **errors(400, 401, 403, 404)},
    )
    def create(self, request: Request) -> Response:
        data = validated(CampaignCreateSerializer, request.data)
        organization = get_scoped_or_404(
            request.user, Organization.objects.all(), pk=data.pop("organization")
        )
        campaign = services.open_campaign(
            organization,
            actor=request.user,
            title=data["title"],
            subject=data["subject"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            sample_size=data.get("sample_size"),
            sample_rate=data.get("sample_rate"),
            seed=data.get("seed"),
        )
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The sample with its outcomes",
        responses={200: ItemSerializer(many=True), **errors(400, 401, 404)},
    )
    @action(detail=True)
    def items(self, request: Request, pk: str) -> Response:
        found = self._campaign(pk)
        page = self.paginate_queryset(selectors.items(request.user, found))
        return self.get_paginated_response(ItemSerializer(page, many=True).data)

    @extend_schema(
        summary="Draw the sample again from the population as it stands, with the seed",
        responses={200: RedrawSerializer, **errors(401, 404)},
    )
    @action(detail=True, pagination_class=None)
    def redraw(self, request: Request, pk: str) -> Response:
        found = self._campaign(pk)
        sample = services.draw_sample(found)
        stored = [
            item.hour_record_id or item.volunteer_id for item in found.items.order_by("position")
        ]
        drawn = [d.object_id for d in sample.drawn]
        return Response(
            {
                "same_population": sample.population_digest == found.population_digest,
                "same_sample": drawn == stored,
                "drawn": drawn,
            }
        )

    @extend_schema(
        summary="Assign items to a checker",
        request=AssignSerializer,
        responses={200: CampaignSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        found = self._campaign(pk)
        data = validated(AssignSerializer, request.data)
        checker = User.objects.filter(pk=data["checker"], is_active=True).first()
        if checker is None:
            raise NotFound()
        items = None
        if "items" in data:
            items = list(found.items.filter(pk__in=data["items"]))
        services.assign_items(found, checker=checker, actor=request.user, items=items)
        return Response(CampaignSerializer(found).data)

    @extend_schema(
        summary="Close a spot check",
        request=None,
        responses={200: CampaignSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return Response(
            CampaignSerializer(services.close_campaign(self._campaign(pk), actor=request.user)).data
        )

    @extend_schema(
        summary="The sample and outcomes as xlsx or PDF",
        parameters=[FileQuery],
        responses={**FILE_RESPONSES, **errors(400, 401, 404)},
    )
    @action(detail=True, pagination_class=None)
    def file(self, request: Request, pk: str) -> HttpResponse:
        found = self._campaign(pk)
        fmt = validated(FileQuery, request.query_params)["type"]
        return _file(
            exports.export_campaign(found, found.items.all(), fmt, actor=request.user),
            fmt,
            f"spot-check-{found.pk}",
        )


class CheckItemViewSet(viewsets.GenericViewSet):
    """The items assigned to the user (a checker) in open spot checks; an item is also reached
    through its spot check."""

    serializer_class = ItemSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[CheckItem]:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI description: no user
            return CheckItem.objects.none()
        return selectors.my_items(self.request.user)

    def _item(self, pk: str) -> CheckItem:
        found = selectors.checkable_item(self.request.user, object_id(pk))
        if found is None:
            raise NotFound()
        return found

    @extend_schema(
        summary="My assignments", responses={200: ItemSerializer(many=True), **errors(400, 401)}
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ItemSerializer(page, many=True).data)

    @extend_schema(summary="One item", responses={200: ItemSerializer, **errors(401, 404)})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ItemSerializer(self._item(pk)).data)

    @extend_schema(
        summary="The phone number for the call (the item's checker; logged in the audit log)",
        request=None,
        responses={200: PhoneSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def phone(self, request: Request, pk: str) -> Response:
        return Response({"mobile": services.reveal_phone(self._item(pk), actor=request.user)})

    @extend_schema(
        summary="Record a call or visit",
        request=AttemptSerializer,
        responses={201: ItemSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def attempts(self, request: Request, pk: str) -> Response:
        found = self._item(pk)
        data = validated(AttemptSerializer, request.data)
        services.record_attempt(found, actor=request.user, **data)
        return Response(ItemSerializer(self._item(pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record the outcome (a denial or wrong details opens a case)",
        description="A denial or wrong details without a note is refused (400); unreachable "
        "needs CHECKS_UNREACHABLE_ATTEMPTS recorded attempts.",
        request=OutcomeSerializer,
        responses={200: ItemSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: str) -> Response:
        found = self._item(pk)
        data = validated(OutcomeSerializer, request.data)
        return Response(
            ItemSerializer(services.record_outcome(found, actor=request.user, **data)).data
        )


class CaseViewSet(viewsets.GenericViewSet):
    """Cases whose responsible organisation lies in the user's subtrees, newest first."""

    serializer_class = CaseSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Case]:
        return selectors.cases(self.request.user)

    def _case(self, pk: str) -> Case:
        return get_scoped_or_404(self.request.user, self.get_queryset(), pk=object_id(pk))

    @extend_schema(
        summary="List cases", responses={200: CaseSerializer(many=True), **errors(400, 401)}
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CaseSerializer(page, many=True).data)

    @extend_schema(summary="One case", responses={200: CaseSerializer, **errors(401, 404)})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CaseSerializer(self._case(pk)).data)

    @extend_schema(
        summary="Decide and close a case (the responsible organisation's administrators)",
        description="Cancels the registration, voids the hours through the ledger's correction "
        "path, records corrected details, or disputes the finding with evidence (multipart). "
        "A case is never closed without a decision (400).",
        request=DecideSerializer,
        responses={200: CaseSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        found = self._case(pk)
        data = validated(DecideSerializer, request.data)
        decided = services.decide_case(
            found,
            actor=request.user,
            decision=data["decision"],
            note=data["note"],
            evidence=data.get("evidence"),
        )
        return Response(CaseSerializer(decided).data)

    @extend_schema(
        summary="The cases as xlsx or PDF",
        parameters=[FileQuery],
        responses={**FILE_RESPONSES, **errors(400, 401, 404)},
    )
    @action(detail=False, pagination_class=None)
    def file(self, request: Request) -> HttpResponse:
        fmt = validated(FileQuery, request.query_params)["type"]
        roots = scope_roots(request.user)
        if not roots:
            raise NotFound()
        data = exports.export_cases(
            self.get_queryset(), fmt, actor=request.user, organization=roots[0]
        )
        return _file(data, fmt, "cases")


class RatesQuery(serializers.Serializer):
    organization = id_field(required=False, help_text="Default: the top of your area.")


class RatesView(APIView):
    @extend_schema(
        summary="Verification rates per body and organiser in an area",
        parameters=[RatesQuery],
        responses={200: RatesSerializer, **errors(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        query = validated(RatesQuery, request.query_params)
        if "organization" in query:
            root = get_scoped_or_404(
                request.user, Organization.objects.all(), pk=query["organization"]
            )
        else:
            roots = scope_roots(request.user)
            if not roots:
                raise NotFound()
            root = roots[0]
        return Response(
            RatesSerializer(
                {
                    "organization": root,
                    "threshold": selectors.flag_threshold(),
                    "bodies": selectors.body_rates(root),
                    "organizers": selectors.organizer_rates(root),
                }
            ).data
        )


# --- the volunteer's own voice (a volunteer token) -------------------------------------------


class RegisteredBySerializer(serializers.Serializer):
    registration = serializers.IntegerField(source="pk")
    body = serializers.CharField(source="body.organization.name")
    registered_through = serializers.CharField(source="organization.name")
    registrar = serializers.SerializerMethodField(help_text="Empty: the person registered online.")
    channel = serializers.CharField()
    applied_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    confirmation_method = serializers.CharField()
    status = serializers.CharField()

    def get_registrar(self, volunteer: Any) -> str:
        return volunteer.registered_by.name if volunteer.registered_by else ""


class MyReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    registration = serializers.IntegerField(source="volunteer_id")
    hour_record = serializers.IntegerField(source="hour_record_id", allow_null=True)
    responsible = serializers.CharField(source="organization.name")
    opened_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    decision = serializers.CharField(help_text="Empty while the responsible office decides.")
    decision_note = serializers.CharField()


class MyReportsSerializer(serializers.Serializer):
    registrations = RegisteredBySerializer(many=True, help_text="Who registered you, when, how.")
    reports = MyReportSerializer(many=True)


class ReportInputSerializer(serializers.Serializer):
    registration = id_field(help_text='One of your registrations: "this is not me".')
    hour_record = id_field(
        required=False, help_text='One of its counted records: "I did not serve this".'
    )
    message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class VolunteerReportsView(VolunteerView):
    def _mine(self) -> QuerySet[Any]:
        from zhiyuan.volunteers.models import Volunteer

        return Volunteer.objects.filter(mobile_digest=self.session().mobile_digest).select_related(
            "body__organization", "organization", "registered_by"
        )

    def _answer(self, code: int = 200) -> Response:
        mine = list(self._mine().order_by("-applied_at", "-pk"))
        reports = selectors.volunteer_cases([v.pk for v in mine]).order_by("-opened_at", "-pk")
        return Response(
            MyReportsSerializer({"registrations": mine, "reports": list(reports)}).data, status=code
        )

    @extend_schema(
        summary="Who registered you, and your reports with what became of them",
        responses={200: MyReportsSerializer, **errors(401)},
    )
    def get(self, request: Request) -> Response:
        return self._answer()

    @extend_schema(
        summary='Say "this is not me" (a registration) or "I did not serve this" (a record)',
        description="Opens a case for the registration body or the organiser, counted in its "
        "verification rate; a second report while one is open changes nothing.",
        request=ReportInputSerializer,
        responses={201: MyReportsSerializer, **errors(400, 401, 404)},
    )
    def post(self, request: Request) -> Response:
        from zhiyuan.hours.models import HourRecord

        data = validated(ReportInputSerializer, request.data)
        volunteer = self._mine().filter(pk=data["registration"]).first()
        if volunteer is None:
            raise NotFound()
        if "hour_record" in data:
            record = HourRecord.objects.filter(pk=data["hour_record"], volunteer=volunteer).first()
            if record is None:
                raise NotFound()
            services.report_hours_not_served(record, message=data["message"])
        else:
            services.report_not_me(volunteer, message=data["message"])
        return self._answer(status.HTTP_201_CREATED)
