"""Priority help over the API (issue 13, item 6; MISSION §4): the office's help requests (the
queue in priority order or by age, one request, a call entered by phone, take, record the
outcome with the helpers' hours, response times per station) and the volunteer's own (list,
ask, withdraw) with a volunteer token. Everything reads through the access layer: requests
outside the user's subtrees answer 404; writes the user's role does not allow answer 403.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.api.audit import ActorSerializer
from zhiyuan.api.lookups import object_id
from zhiyuan.api.memberships import VolunteerRefSerializer
from zhiyuan.api.openapi import errors
from zhiyuan.api.shared import OrganizationRefSerializer, id_field, validated
from zhiyuan.api.volunteer_auth import VolunteerView
from zhiyuan.assistance import permissions, selectors, services
from zhiyuan.assistance.enums import HelpChannel, HelpKind, HelpStatus, Urgency
from zhiyuan.assistance.models import HelpRequest
from zhiyuan.common.masking import mask_phone
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.access import scope
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

# --- output ----------------------------------------------------------------------------------


class HelpPlaceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class HelpRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The request's number, as texted to the volunteer.")
    volunteer = VolunteerRefSerializer()
    mobile = serializers.SerializerMethodField(help_text="The volunteer's mobile, masked.")
    priority = serializers.BooleanField(
        help_text="A registered volunteer's request when made: served first."
    )
    asked_by_name = serializers.CharField(help_text="A relative who asked; empty: the volunteer.")
    asked_by_relation = serializers.CharField()
    channel = serializers.ChoiceField(choices=HelpChannel.choices)
    kind = serializers.ChoiceField(choices=HelpKind.choices)
    description = serializers.CharField()
    address = serializers.CharField()
    division = HelpPlaceSerializer()
    needed_at = serializers.DateTimeField(allow_null=True, help_text="Null: as soon as possible.")
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    station = OrganizationRefSerializer(source="organization")
    routes = serializers.SerializerMethodField(help_text="Every organisation it went to.")
    created_at = serializers.DateTimeField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(choices=HelpStatus.choices)
    taken_at = serializers.DateTimeField(allow_null=True)
    taken_by = ActorSerializer(allow_null=True)
    taken_for = OrganizationRefSerializer(allow_null=True)
    outcome = serializers.CharField()
    done_at = serializers.DateTimeField(allow_null=True)
    hour_records = serializers.SerializerMethodField(
        help_text="The helpers' service records (hour-records ids), pending until confirmed."
    )

    def get_mobile(self, item: HelpRequest) -> str:
        return mask_phone(item.volunteer.mobile)

    def get_routes(self, item: HelpRequest) -> list[dict[str, Any]]:
        return [
            {
                "id": route.organization.pk,
                "code": route.organization.code,
                "name": route.organization.name,
                "escalated": route.escalated,
            }
            for route in item.routes.all()
        ]

    def get_hour_records(self, item: HelpRequest) -> list[int]:
        return [link.record_id for link in item.hour_links.all()]


class HelpStationTimesSerializer(serializers.Serializer):
    station = OrganizationRefSerializer()
    count = serializers.IntegerField(help_text="Requests taken.")
    median_seconds = serializers.FloatField(
        allow_null=True, help_text="Median time from request to taking, seconds."
    )
    max_seconds = serializers.FloatField(allow_null=True, help_text="Longest, seconds.")
    open = serializers.IntegerField(help_text="Requests still waiting for a taker.")
    oldest_open = serializers.DateTimeField(allow_null=True, help_text="When the oldest was made.")


class MyHelpRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    volunteer = VolunteerRefSerializer()
    kind = serializers.ChoiceField(choices=HelpKind.choices)
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    division = HelpPlaceSerializer()
    station = OrganizationRefSerializer(source="organization")
    status = serializers.ChoiceField(choices=HelpStatus.choices)
    created_at = serializers.DateTimeField()
    taken_at = serializers.DateTimeField(allow_null=True)
    taken_for = OrganizationRefSerializer(allow_null=True)
    outcome = serializers.CharField()
    done_at = serializers.DateTimeField(allow_null=True)


# --- input -----------------------------------------------------------------------------------


class HelpDetailsSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=HelpKind.choices)
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    division = serializers.CharField(
        max_length=12, help_text="12-digit code of a street or community."
    )
    address = serializers.CharField(max_length=200)
    needed_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Null: as soon as possible."
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    asked_by_name = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", help_text="A relative."
    )
    asked_by_relation = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )

    def validate_division(self, value: str) -> Division:
        division = Division.objects.filter(code=value).first() if value.isdigit() else None
        if division is None:
            raise serializers.ValidationError(_("No community or street has this code."))
        return division


class HelpCallSerializer(HelpDetailsSerializer):
    volunteer = id_field(help_text="A registration of the ledger you keep.")


class HelpAskSerializer(HelpDetailsSerializer):
    volunteer = id_field(help_text="One of your registrations.")


class QueueFilter(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=HelpStatus.choices, required=False, help_text="Default: open ones."
    )
    order = serializers.ChoiceField(
        choices=[("priority", "priority"), ("age", "age")],
        required=False,
        default="priority",
        help_text="priority: registered volunteers first, then urgency, then age; age: oldest "
        "first.",
    )


class HelpTakeSerializer(serializers.Serializer):
    organization = id_field(
        required=False, help_text="One of the routes you lead (default: the deepest)."
    )


class HelpPhoneSerializer(serializers.Serializer):
    mobile = serializers.CharField(help_text="The full number; the viewing is in the audit log.")


class HelpOutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=500, help_text="What was done.")
    helpers = serializers.ListField(
        child=id_field(),
        required=False,
        default=list,
        max_length=50,
        help_text="Approved members of the team that took it.",
    )
    activity = id_field(
        required=False,
        allow_null=True,
        default=None,
        help_text="A published or finished activity of that team: the helpers' hours count "
        "under it.",
    )
    start = serializers.DateTimeField(required=False, allow_null=True, default=None)
    end = serializers.DateTimeField(required=False, allow_null=True, default=None)


class PeriodFilter(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="Requests made from this local day.")
    end = serializers.DateField(required=False, help_text="Up to this local day, included.")


def _details(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data.get(name) for name in services.DETAIL_FIELDS}


def _with_routes(rows: QuerySet[HelpRequest]) -> QuerySet[HelpRequest]:
    return rows.prefetch_related("routes__organization", "hour_links")


# --- the office -----------------------------------------------------------------------------


class HelpRequestViewSet(viewsets.GenericViewSet):
    """Help requests the user reaches: their station in the user's subtrees, or a route."""

    serializer_class = HelpRequestSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[HelpRequest]:
        return _with_routes(selectors.visible(self.request.user))

    def _item(self, pk: str) -> HelpRequest:
        found = self.get_queryset().filter(pk=object_id(pk)).first()
        if found is None:
            raise NotFound()
        return found

    def _answer(self, item: HelpRequest, code: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=item.pk)
        return Response(HelpRequestSerializer(fresh).data, status=code)

    @extend_schema(
        summary="The queue: open help requests, registered volunteers' first",
        description="Ordered by priority (a registered volunteer's request), then urgency, "
        "then age; `order=age` lists the oldest first. `status` lists another state.",
        parameters=[QueueFilter],
        responses={200: HelpRequestSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        data = validated(QueueFilter, request.query_params)
        rows = self.get_queryset().filter(status=data.get("status") or HelpStatus.OPEN)
        order = selectors.BY_AGE if data["order"] == "age" else HelpRequest.QUEUE_ORDER
        page = self.paginate_queryset(rows.order_by(*order))
        return self.get_paginated_response(HelpRequestSerializer(page, many=True).data)

    @extend_schema(
        summary="One help request", responses={200: HelpRequestSerializer, **errors(401, 404)}
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(HelpRequestSerializer(self._item(pk)).data)

    @extend_schema(
        summary="Enter a call for help taken by phone (a volunteer of your ledger or a relative)",
        request=HelpCallSerializer,
        responses={201: HelpRequestSerializer, **errors(400, 401, 403, 404)},
    )
    def create(self, request: Request) -> Response:
        data = validated(HelpCallSerializer, request.data)
        volunteer = (
            scope(request.user, Volunteer.objects.all(), permissions.ENTERING)
            .filter(pk=data["volunteer"])
            .first()
        )
        if volunteer is None:
            raise NotFound()
        made = services.ask_for_help(
            volunteer, actor=request.user, channel=HelpChannel.PHONE, details=_details(data)
        )
        return self._answer(made, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take an open request (one taker)",
        description="A conditional update: of two leaders taking at once, one succeeds; the "
        "other gets 400 naming who took it and when. The volunteer is texted.",
        request=HelpTakeSerializer,
        responses={200: HelpRequestSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def take(self, request: Request, pk: str) -> Response:
        data = validated(HelpTakeSerializer, request.data)
        item = self._item(pk)
        organization = None
        if "organization" in data:
            organization = Organization.objects.filter(pk=data["organization"]).first()
            if organization is None:
                raise NotFound()
        taken = services.take_request(item, actor=request.user, organization=organization)
        return self._answer(taken)

    @extend_schema(
        summary="The volunteer's full mobile, for the taker's call (logged in the audit log)",
        description="Only for a leader or administrator of the organisation that took the "
        "request, while it is taken; the lists and the request show the number masked.",
        request=None,
        responses={200: HelpPhoneSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def phone(self, request: Request, pk: str) -> Response:
        number = services.reveal_phone(self._item(pk), actor=request.user)
        return Response(HelpPhoneSerializer({"mobile": number}).data)

    @extend_schema(
        summary="Record what was done, and the helpers' hours (pending in the ledger)",
        request=HelpOutcomeSerializer,
        responses={200: HelpRequestSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: str) -> Response:
        data = validated(HelpOutcomeSerializer, request.data)
        item = self._item(pk)
        helpers = list(Volunteer.objects.filter(pk__in=data["helpers"]))
        if len(helpers) != len(set(data["helpers"])):
            raise NotFound()
        activity = None
        if data["activity"] is not None:
            activity = services.outcome_activities(item).filter(pk=data["activity"]).first()
            if activity is None:
                raise NotFound()
        done = services.record_outcome(
            item,
            actor=request.user,
            outcome=data["outcome"],
            helpers=helpers,
            activity=activity,
            start=data["start"],
            end=data["end"],
        )
        return self._answer(done)

    @extend_schema(
        summary="Time from request to first response, per station of your subtrees",
        description="For the requests made in the period: per station, how many were taken, "
        "the median and the longest time from request to taking, how many are still open.",
        parameters=[PeriodFilter],
        responses={200: HelpStationTimesSerializer(many=True), **errors(400, 401)},
    )
    @action(detail=False, url_path="response-times", pagination_class=None)
    def response_times(self, request: Request) -> Response:
        data = validated(PeriodFilter, request.query_params)
        rows = selectors.in_period(
            selectors.in_office_scope(request.user), data.get("start"), data.get("end")
        )
        body = [
            {
                "station": f.station,
                "count": f.count,
                "median_seconds": f.median.total_seconds() if f.median is not None else None,
                "max_seconds": f.max.total_seconds() if f.max is not None else None,
                "open": f.open,
                "oldest_open": f.oldest_open,
            }
            for f in selectors.response_times(rows)
        ]
        return Response(HelpStationTimesSerializer(body, many=True).data)


# --- the volunteer --------------------------------------------------------------------------


class VolunteerHelpRequestsView(VolunteerView):
    @extend_schema(
        summary="Your help requests, newest first",
        responses={200: MyHelpRequestSerializer(many=True), **errors(401)},
    )
    def get(self, request: Request) -> Response:
        rows = selectors.requests_of(self.session().mobile_digest)[:100]
        return Response(MyHelpRequestSerializer(rows, many=True).data)

    @extend_schema(
        summary="Ask for help (you, or a relative on your behalf)",
        description="It goes to the station and teams covering the place; a registered "
        "volunteer's request is served first. You get an SMS when it is taken and when done.",
        request=HelpAskSerializer,
        responses={201: MyHelpRequestSerializer, **errors(400, 401, 404)},
    )
    def post(self, request: Request) -> Response:
        data = validated(HelpAskSerializer, request.data)
        volunteer = (
            selectors.volunteers_of(self.session().mobile_digest)
            .filter(pk=data["volunteer"])
            .first()
        )
        if volunteer is None:
            raise NotFound()
        made = services.ask_for_help(
            volunteer, actor=None, channel=HelpChannel.APP, details=_details(data)
        )
        return Response(MyHelpRequestSerializer(made).data, status=status.HTTP_201_CREATED)


class VolunteerHelpWithdrawView(VolunteerView):
    @extend_schema(
        summary="Withdraw one of your open help requests",
        request=None,
        responses={200: MyHelpRequestSerializer, **errors(400, 401, 404)},
    )
    def post(self, request: Request, pk: str) -> Response:
        item = selectors.requests_of(self.session().mobile_digest).filter(pk=object_id(pk)).first()
        if item is None:
            raise NotFound()
        return Response(MyHelpRequestSerializer(services.withdraw_request(item)).data)
