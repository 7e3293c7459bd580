"""Recognition over the API (issue 13 §1–2): star awards (list, one, propose, review, award,
decide a flag), objections (answer), the eligibility list, the registered volunteers below the
yearly hours (by unit), the recognition policy; for the volunteer (volunteer token) their yearly
line, levels, applying for the next level and the reminder's opt-out; for anyone the awards on
public notice and lodging an objection. Everything reads through the access layer: objects
outside the user's subtrees answer 404; writes the user's role does not allow answer 403;
refusals (hours still needed, levels out of order, a bar) answer 400 with their code.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from zhiyuan.api.audit import ActorSerializer
from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import errors
from zhiyuan.api.public import PublicView
from zhiyuan.api.shared import OrganizationRefSerializer, id_field, validated
from zhiyuan.api.volunteer_auth import VolunteerView
from zhiyuan.common.masking import mask_name
from zhiyuan.hours import rules
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.organizations.models import Organization
from zhiyuan.recognition import permissions, selectors, services
from zhiyuan.recognition.enums import AwardStatus
from zhiyuan.recognition.models import Objection, StarAward
from zhiyuan.recognition.throttles import ObjectionThrottle
from zhiyuan.volunteers.models import Volunteer


def _hours(minutes: int | None) -> str:
    return f"{rules.hours(minutes or 0):.2f}"


# --- output ----------------------------------------------------------------------------------


class AwardVolunteerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    registration_number = serializers.CharField(allow_null=True)


class StarAwardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    volunteer = AwardVolunteerSerializer()
    organization = OrganizationRefSerializer(help_text="Registered through when asked for.")
    level = serializers.IntegerField(help_text="Stars, 1 to 5, taken in order.")
    threshold_hours = serializers.IntegerField(help_text="The level's hours (the policy's).")
    status = serializers.ChoiceField(choices=AwardStatus.choices)
    asked_at = serializers.DateTimeField()
    proposed_by = ActorSerializer(allow_null=True, help_text="None: the volunteer applied.")
    hours = serializers.SerializerMethodField(
        help_text="The cumulative confirmed hours reviewed (evidence); null before review."
    )
    reviewed_by = ActorSerializer(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    notice_from = serializers.DateField(allow_null=True)
    notice_until = serializers.DateField(allow_null=True, help_text="The last working day.")
    number = serializers.CharField(allow_null=True)
    awarded_on = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    flagged_at = serializers.DateTimeField(
        allow_null=True, help_text="A confirmed correction took the hours below the threshold."
    )
    flag_hours = serializers.SerializerMethodField()

    def get_hours(self, award: StarAward) -> str | None:
        return None if award.minutes is None else _hours(award.minutes)

    def get_flag_hours(self, award: StarAward) -> str | None:
        return None if award.flag_minutes is None else _hours(award.flag_minutes)


class ObjectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    award = serializers.IntegerField(source="award_id")
    text = serializers.CharField()
    name = serializers.CharField()
    contact = serializers.SerializerMethodField(
        help_text="Only to those who review the award, phone and ID numbers masked; else empty."
    )
    lodged_at = serializers.DateTimeField()
    answer = serializers.CharField()
    upheld = serializers.BooleanField(allow_null=True)
    answered_by = ActorSerializer(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)

    def get_contact(self, objection: Objection) -> str:
        return permissions.shown_contact(self.context.get("user"), objection)


class EligibleSerializer(serializers.Serializer):
    volunteer = AwardVolunteerSerializer()
    organization = OrganizationRefSerializer(source="volunteer.organization")
    hours = serializers.SerializerMethodField(help_text="Cumulative confirmed hours.")
    held = serializers.IntegerField(help_text="Highest level awarded (0: none).")
    next_level = serializers.IntegerField()
    threshold_hours = serializers.SerializerMethodField()

    def get_hours(self, row: selectors.Eligible) -> str:
        return _hours(row.total_minutes)

    def get_threshold_hours(self, row: selectors.Eligible) -> str:
        return _hours(row.threshold_minutes)


class BelowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    registration_number = serializers.CharField(allow_null=True)
    organization = OrganizationRefSerializer()
    hours = serializers.SerializerMethodField(help_text="Confirmed hours of the year.")
    target_hours = serializers.SerializerMethodField(help_text="The policy's yearly hours.")

    def get_hours(self, volunteer: Any) -> str:
        return _hours(volunteer.year_minutes)

    def get_target_hours(self, volunteer: Any) -> str:
        return _hours(volunteer.target_minutes)


class UnitCountSerializer(serializers.Serializer):
    organization = OrganizationRefSerializer()
    below = serializers.IntegerField()


class PolicySerializer(serializers.Serializer):
    organization = OrganizationRefSerializer(help_text="Where it is set (null: the defaults).")
    yearly_hours = serializers.IntegerField()
    reminder_dates = serializers.ListField(child=serializers.CharField(), help_text="MM-DD.")
    star_hours = serializers.ListField(child=serializers.IntegerField())
    notice_working_days = serializers.IntegerField()
    bar_months = serializers.IntegerField()


# --- input -----------------------------------------------------------------------------------


class AwardFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=AwardStatus.choices, required=False)
    flagged = serializers.BooleanField(required=False, allow_null=True, default=None)


class ProposeSerializer(serializers.Serializer):
    volunteer = id_field()
    level = serializers.IntegerField(min_value=1, max_value=5, required=False)


class ReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class FlagDecisionSerializer(serializers.Serializer):
    keep = serializers.BooleanField()
    reason = serializers.CharField(max_length=200)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=1000)
    upheld = serializers.BooleanField()


class OrganizationFilter(serializers.Serializer):
    organization = id_field(required=False)


class BelowFilter(OrganizationFilter):
    year = serializers.IntegerField(min_value=2000, max_value=9999, required=False)


class StarPolicyInputSerializer(serializers.Serializer):
    organization = id_field()
    yearly_hours = serializers.IntegerField()
    reminder_dates = serializers.ListField(child=serializers.CharField(max_length=5), max_length=12)
    star_hours = serializers.ListField(child=serializers.IntegerField(), max_length=5)
    notice_working_days = serializers.IntegerField(default=5)
    bar_months = serializers.IntegerField(default=12)


class ObjectionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=1000)
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    contact = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ApplySerializer(serializers.Serializer):
    volunteer = id_field(help_text="One of your registrations.")
    level = serializers.IntegerField(min_value=1, max_value=5, required=False)


class OptOutSerializer(serializers.Serializer):
    reminders = serializers.BooleanField(help_text="False: do not text me the reminder.")


# --- the office ------------------------------------------------------------------------------


def _organization(request: Request, data: dict[str, Any]) -> Organization | None:
    if "organization" not in data:
        return None
    return get_scoped_or_404(request.user, Organization.objects.all(), pk=data["organization"])


class StarAwardViewSet(viewsets.GenericViewSet):
    """Star awards of volunteers registered in the user's subtrees, newest first."""

    serializer_class = StarAwardSerializer

    def get_queryset(self) -> QuerySet[StarAward]:
        return selectors.awards(self.request.user).order_by("-asked_at", "-pk")

    def _award(self, pk: str) -> StarAward:
        return get_scoped_or_404(self.request.user, self.get_queryset(), pk=object_id(pk))

    @extend_schema(
        summary="List star awards in your subtrees",
        parameters=[AwardFilter],
        responses={200: StarAwardSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        data = validated(AwardFilter, request.query_params)
        found = self.get_queryset()
        if data.get("status"):
            found = found.filter(status=data["status"])
        if data.get("flagged") is not None:
            found = found.filter(flagged_at__isnull=not data["flagged"])
        page = self.paginate_queryset(found)
        return self.get_paginated_response(StarAwardSerializer(page, many=True).data)

    @extend_schema(
        summary="One star award", responses={200: StarAwardSerializer, **errors(401, 404)}
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(StarAwardSerializer(self._award(pk)).data)

    @extend_schema(
        summary="Propose a volunteer for their next star level",
        description="Refused (400) without the hours (code hours_short, with the hours still "
        "needed), out of order, under way, or barred.",
        request=ProposeSerializer,
        responses={201: StarAwardSerializer, **errors(400, 401, 403, 404)},
    )
    def create(self, request: Request) -> Response:
        data = validated(ProposeSerializer, request.data)
        volunteer = get_scoped_or_404(
            request.user, Volunteer.objects.select_related("organization"), pk=data["volunteer"]
        )
        award = services.propose_level(volunteer, actor=request.user, level=data.get("level"))
        return Response(StarAwardSerializer(award).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Review: publish the notice (the hours kept as evidence) or refuse",
        request=ReviewSerializer,
        responses={200: StarAwardSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        data = validated(ReviewSerializer, request.data)
        award = services.review_award(self._award(pk), actor=request.user, **data)
        return Response(StarAwardSerializer(award).data)

    @extend_schema(
        summary="Award the level after its notice, every objection answered",
        request=None,
        responses={200: StarAwardSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def grant(self, request: Request, pk: str) -> Response:
        award = services.grant_award(self._award(pk), actor=request.user)
        return Response(StarAwardSerializer(award).data)

    @extend_schema(
        summary="Decide an award flagged after a correction: keep or revoke",
        request=FlagDecisionSerializer,
        responses={200: StarAwardSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def flag(self, request: Request, pk: str) -> Response:
        data = validated(FlagDecisionSerializer, request.data)
        award = services.decide_flag(self._award(pk), actor=request.user, **data)
        return Response(StarAwardSerializer(award).data)

    @extend_schema(
        summary="The objections to an award",
        responses={200: ObjectionSerializer(many=True), **errors(401, 404)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def objections(self, request: Request, pk: str) -> Response:
        award = self._award(pk)
        rows = award.objections.select_related("answered_by")
        context = {"user": request.user}
        return Response(ObjectionSerializer(rows, many=True, context=context).data)


class ObjectionAnswerView(APIView):
    @extend_schema(
        summary="Answer an objection (upheld: the award is refused)",
        request=AnswerSerializer,
        responses={200: ObjectionSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, pk: str) -> Response:
        data = validated(AnswerSerializer, request.data)
        objection = get_scoped_or_404(
            request.user,
            Objection.objects.select_related("award__organization"),
            pk=object_id(pk),
        )
        answered = services.answer_objection(objection, actor=request.user, **data)
        return Response(ObjectionSerializer(answered, context={"user": request.user}).data)


class EligibleView(APIView):
    @extend_schema(
        summary="Registered volunteers whose hours reach their next star level (one query)",
        parameters=[OrganizationFilter],
        responses={200: EligibleSerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        data = validated(OrganizationFilter, request.query_params)
        found = selectors.eligible(request.user, _organization(request, data))
        return Response(EligibleSerializer(found, many=True).data)


class BelowLineViewSet(viewsets.GenericViewSet):
    """Registered volunteers in the user's subtrees below their policy's yearly hours."""

    serializer_class = BelowSerializer

    def _found(self, request: Request) -> Any:
        data = validated(BelowFilter, request.query_params)
        return selectors.below_line(
            request.user, organization=_organization(request, data), year=data.get("year")
        )

    @extend_schema(
        summary="Registered volunteers below the yearly hours, by unit then name",
        parameters=[BelowFilter],
        responses={200: BelowSerializer(many=True), **errors(400, 401, 404)},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self._found(request))
        return self.get_paginated_response(BelowSerializer(page, many=True).data)

    @extend_schema(
        summary="Counts of registered volunteers below the yearly hours, by unit",
        parameters=[BelowFilter],
        responses={200: UnitCountSerializer(many=True), **errors(400, 401, 404)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def units(self, request: Request) -> Response:
        found = selectors.below_by_unit(self._found(request))
        return Response(UnitCountSerializer(found, many=True).data)


def _policy_answer(policy: Any) -> dict[str, Any]:
    return PolicySerializer(
        {
            "organization": policy.organization if policy.pk else None,
            "yearly_hours": policy.yearly_hours,
            "reminder_dates": policy.reminder_dates,
            "star_hours": policy.star_hours,
            "notice_working_days": policy.notice_working_days,
            "bar_months": policy.bar_months,
        }
    ).data


class RecognitionPolicyView(APIView):
    @extend_schema(
        summary="The recognition policy in force for an organisation",
        parameters=[OrganizationFilter],
        responses={200: PolicySerializer, **errors(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        data = validated(OrganizationFilter, request.query_params)
        organization = _organization(request, data)
        if organization is None:
            raise NotFound()
        return Response(_policy_answer(selectors.policy_for(organization)))

    @extend_schema(
        summary="Set the recognition policy of an organisation you administer",
        request=StarPolicyInputSerializer,
        responses={200: PolicySerializer, **errors(400, 401, 403, 404)},
    )
    def put(self, request: Request) -> Response:
        data = validated(StarPolicyInputSerializer, request.data)
        organization = get_scoped_or_404(
            request.user, Organization.objects.all(), pk=data.pop("organization")
        )
        policy = services.set_policy(organization, actor=request.user, **data)
        return Response(_policy_answer(policy))


# --- the volunteer ---------------------------------------------------------------------------


class MyStarsSerializer(serializers.Serializer):
    volunteer = AwardVolunteerSerializer()
    year_hours = serializers.CharField()
    yearly_hours = serializers.CharField(help_text="The policy's yearly hours (20 by default).")
    total_hours = serializers.CharField()
    star_hours = serializers.ListField(child=serializers.IntegerField())
    reminders = serializers.BooleanField(help_text="False: opted out of the reminder.")
    awards = StarAwardSerializer(many=True)


class VolunteerStarsView(VolunteerView):
    @extend_schema(
        summary="Your yearly hours, star levels and reminder choice, per registration",
        responses={200: MyStarsSerializer(many=True), **errors(401)},
    )
    def get(self, request: Request) -> Response:
        digest = self.session().mobile_digest
        volunteers = list(selectors.volunteers_of_digest(digest))
        awards = list(selectors.awards_of_digest(digest))
        opted_out = selectors.opted_out(volunteers)
        rows = []
        for volunteer in volunteers:
            line = selectors.yearly_line(volunteer)
            rows.append(
                {
                    "volunteer": volunteer,
                    "year_hours": f"{line.hours:.2f}",
                    "yearly_hours": f"{line.target_hours:.2f}",
                    "total_hours": _hours(selectors.total_minutes(volunteer)),
                    "star_hours": selectors.policy_for(volunteer.organization).star_hours,
                    "reminders": volunteer.pk not in opted_out,
                    "awards": [a for a in awards if a.volunteer_id == volunteer.pk],
                }
            )
        return Response(MyStarsSerializer(rows, many=True).data)

    @extend_schema(
        summary="Apply for your next star level",
        description="Refused (400) without the hours (code hours_short, with the hours still "
        "needed), out of order, under way, or barred.",
        request=ApplySerializer,
        responses={201: StarAwardSerializer, **errors(400, 401, 404)},
    )
    def post(self, request: Request) -> Response:
        data = validated(ApplySerializer, request.data)
        mine = selectors.volunteers_of_digest(self.session().mobile_digest)
        volunteer = mine.filter(pk=data["volunteer"]).first()
        if volunteer is None:
            raise NotFound()
        award = services.apply_for_level(volunteer, level=data.get("level"))
        return Response(StarAwardSerializer(award).data, status=status.HTTP_201_CREATED)


class VolunteerRemindersView(VolunteerView):
    @extend_schema(
        summary="Opt out of (or back into) the yearly-hours reminder, for all your registrations",
        request=OptOutSerializer,
        responses={200: OptOutSerializer, **errors(400, 401)},
    )
    def put(self, request: Request) -> Response:
        data = validated(OptOutSerializer, request.data)
        mine = list(selectors.volunteers_of_digest(self.session().mobile_digest))
        services.set_reminder_opt_out(mine, opted_out=not data["reminders"])
        return Response({"reminders": data["reminders"]})


# --- anyone ----------------------------------------------------------------------------------


class PublicNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField(help_text="Masked.")
    level = serializers.IntegerField()
    organization = serializers.CharField(source="organization.name")
    hours = serializers.SerializerMethodField()
    notice_from = serializers.DateField()
    notice_until = serializers.DateField()

    def get_name(self, award: StarAward) -> str:
        return mask_name(award.volunteer.name)

    def get_hours(self, award: StarAward) -> str:
        return _hours(award.minutes)


class PublicNoticeList(PublicView):
    @extend_schema(
        summary="Star levels on public notice today",
        responses={200: PublicNoticeSerializer(many=True), **errors(429)},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        return Response(PublicNoticeSerializer(selectors.on_notice(), many=True).data)


class ReceivedSerializer(serializers.Serializer):
    received = serializers.BooleanField(help_text="The office answers every objection.")


class PublicObjectionView(PublicView):
    throttle_classes = [*PublicView.throttle_classes, ObjectionThrottle]

    @extend_schema(
        summary="Object to a star level on public notice",
        request=ObjectionInputSerializer,
        responses={201: ReceivedSerializer, **errors(400, 404, 429)},
        auth=[],
    )
    def post(self, request: Request, pk: str) -> Response:
        data = validated(ObjectionInputSerializer, request.data)
        award = selectors.on_notice().filter(pk=object_id(pk)).first()
        if award is None:
            raise NotFound()
        services.lodge_objection(award, **data)
        return Response({"received": True}, status=status.HTTP_201_CREATED)
