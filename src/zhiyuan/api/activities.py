"""Activities over the API, with the same services and selectors as the pages.

- The office (knox tokens): `/activities/` of the user's subtrees (create, change, publish,
  cancel, finish, add a slot), `/slots/{id}/` (change its places or times, remove it, its
  roster, a leader's group), `/signups/{id}/` (approve, reject, cancel). Objects outside the
  user's subtrees answer 404; acts their role does not allow, 403.
- Anyone: `/public/activities/`, the published public activities, filtered like the portal's.
- Volunteers (a volunteer token, `volunteer_auth`): `/volunteer/activities/` (with those of
  their team or area), `/volunteer/signups/` (theirs; sign up), `/volunteer/signups/{id}/cancel/`.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.activities import selectors, services
from zhiyuan.activities.enums import (
    ActivityStatus,
    SignUpSource,
    SignUpStatus,
    Visibility,
)
from zhiyuan.activities.models import Activity, Category, SignUp, Slot
from zhiyuan.api.fields import IdentifierField
from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import errors
from zhiyuan.api.pagination import Pagination
from zhiyuan.api.public import PublicView
from zhiyuan.api.shared import OrganizationRefSerializer, id_field, validated
from zhiyuan.api.volunteer_auth import VolunteerView
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.access import scope
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import Skill

# --- what the API answers ---------------------------------------------------------------


class PlaceRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class SlotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(help_text="Places; 0 means none.")
    confirmed = serializers.IntegerField(help_text="Confirmed sign-ups (they hold places).")
    waitlisted = serializers.IntegerField(help_text="On the waiting list.")
    pending = serializers.IntegerField(help_text="Awaiting approval (they hold no place).")


class ActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    organizer = OrganizationRefSerializer()
    category = serializers.CharField(source="category.code")
    campaigns = serializers.SerializerMethodField()
    description = serializers.CharField()
    service_recipients = serializers.CharField()
    address = serializers.CharField()
    division = PlaceRefSerializer()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    geofence_radius = serializers.IntegerField(allow_null=True, help_text="Metres.")
    minimum_age = serializers.IntegerField(allow_null=True)
    skills = serializers.ListField(child=serializers.ChoiceField(choices=Skill.choices))
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    audience = OrganizationRefSerializer(allow_null=True)
    signup_deadline = serializers.DateTimeField(allow_null=True)
    needs_approval = serializers.BooleanField()
    carries_risk = serializers.BooleanField()
    status = serializers.ChoiceField(choices=ActivityStatus.choices)
    published_at = serializers.DateTimeField(allow_null=True)
    slots = serializers.SerializerMethodField()

    def get_campaigns(self, activity: Activity) -> list[str]:
        return [c.code for c in activity.campaigns.all()]

    @extend_schema_field(SlotSerializer(many=True))
    def get_slots(self, activity: Activity) -> list[dict[str, Any]]:
        """The slots `selectors.listed` prefetched with their places."""
        return SlotSerializer(activity.slots.all(), many=True).data  # type: ignore[return-value]


class OfficeActivitySerializer(ActivitySerializer):
    """What the office sees besides: the insurance record and the state's dates."""

    insurer = serializers.CharField()
    insurance_policy_number = serializers.CharField()
    insurance_valid_until = serializers.DateField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancellation_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class RosterEntrySerializer(serializers.Serializer):
    """A sign-up as the organiser sees it: the volunteer's name and masked phone only."""

    id = serializers.IntegerField(source="signup.pk")
    name = serializers.CharField()
    phone = serializers.CharField(help_text="Masked, e.g. 138****8000.")
    status = serializers.ChoiceField(choices=SignUpStatus.choices)
    waitlist_position = serializers.IntegerField(source="signup.waitlist_position", allow_null=True)
    source = serializers.ChoiceField(source="signup.source", choices=SignUpSource.choices)  # type: ignore[assignment]
    signed_up_at = serializers.DateTimeField(source="signup.signed_up_at")
    reason = serializers.CharField(source="signup.reason")


class SignUpSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slot = serializers.IntegerField(source="slot_id")
    activity = serializers.IntegerField(source="slot.activity_id")
    activity_title = serializers.CharField(source="slot.activity.title")
    starts_at = serializers.DateTimeField(source="slot.starts_at")
    ends_at = serializers.DateTimeField(source="slot.ends_at")
    volunteer = serializers.IntegerField(source="volunteer_id")
    status = serializers.ChoiceField(choices=SignUpStatus.choices)
    waitlist_position = serializers.IntegerField(allow_null=True)
    source = serializers.ChoiceField(choices=SignUpSource.choices)  # type: ignore[assignment]
    signed_up_at = serializers.DateTimeField()
    reason = serializers.CharField()


# --- what the API reads -----------------------------------------------------------------


class ActivityFilterSerializer(serializers.Serializer):
    category = serializers.SlugField(
        required=False, max_length=40, help_text="A category's or campaign's code."
    )
    place = IdentifierField(
        "code",
        required=False,
        max_length=12,
        help_text="A division code: it and everything under it.",
    )
    day_from = serializers.DateField(
        required=False, help_text="A slot starting on or after (Asia/Shanghai)."
    )
    day_to = serializers.DateField(
        required=False, help_text="A slot starting on or before (Asia/Shanghai)."
    )


class OfficeFilterSerializer(ActivityFilterSerializer):
    status = serializers.ChoiceField(choices=ActivityStatus.choices, required=False)
    q = serializers.CharField(required=False, max_length=100, help_text="Part of the title.")


class ActivityInputSerializer(serializers.Serializer):
    """An activity's details (services.DETAIL_FIELDS)."""

    title = serializers.CharField(max_length=100)
    category = serializers.SlugField(max_length=40, help_text="A category's code (e.g. culture).")
    campaigns = serializers.ListField(
        child=serializers.SlugField(max_length=40),
        required=False,
        max_length=20,
        help_text="Codes of special campaigns.",
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, trim_whitespace=False
    )
    service_recipients = serializers.CharField(required=False, allow_blank=True, max_length=200)
    address = serializers.CharField(max_length=200)
    division = IdentifierField("code", max_length=12, help_text="The 12-digit division code.")
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    geofence_radius = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100_000
    )
    minimum_age = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100
    )
    skills = serializers.ListField(
        child=serializers.ChoiceField(choices=Skill.choices), required=False, max_length=20
    )
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    audience = id_field(
        required=False, allow_null=True, help_text="An organisation's id (not for public ones)."
    )
    signup_deadline = serializers.DateTimeField(required=False, allow_null=True)
    needs_approval = serializers.BooleanField(required=False)
    carries_risk = serializers.BooleanField(required=False)
    insurer = serializers.CharField(required=False, allow_blank=True, max_length=100)
    insurance_policy_number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    insurance_valid_until = serializers.DateField(required=False, allow_null=True)


class ActivityCreateSerializer(ActivityInputSerializer):
    organizer = id_field(help_text="An organisation you administer or lead.")


class SlotInputSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(
        help_text="With its time zone, e.g. 2026-12-06T09:00:00+08:00."
    )
    ends_at = serializers.DateTimeField(
        help_text="After the start; the next day's for a slot across midnight."
    )
    capacity = serializers.IntegerField(
        min_value=0,
        max_value=services.CAPACITY_MAX,
        help_text="A whole number of places; 0 means none.",
    )
    label = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")  # type: ignore[assignment]


class SlotChangeSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    capacity = serializers.IntegerField(
        required=False, min_value=0, max_value=services.CAPACITY_MAX
    )
    label = serializers.CharField(required=False, allow_blank=True, max_length=50)  # type: ignore[assignment]


class SignUpReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReasonGivenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class GroupSerializer(serializers.Serializer):
    team = id_field(help_text="A team or station you lead.")
    volunteers = serializers.ListField(
        child=id_field(), min_length=1, max_length=500, help_text="Ids of its approved members."
    )


class SignUpRequestSerializer(serializers.Serializer):
    slot = id_field()
    volunteer = id_field(
        required=False,
        help_text="Which of your registrations signs up; needed when your phone has several.",
    )


# --- helpers ----------------------------------------------------------------------------


def _category(code: str, field: str) -> Category:
    found = Category.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({field: [_("Choose a category from the list.")]})
    return found


def _details(data: dict[str, Any]) -> dict[str, Any]:
    """API input as the services' details: codes and ids resolved."""
    details = dict(data)
    details.pop("organizer", None)
    if "category" in details:
        details["category"] = _category(details["category"], "category")
    if "campaigns" in details:
        details["campaigns"] = [_category(code, "campaigns") for code in details["campaigns"]]
    if "division" in details:
        division = Division.objects.filter(code=details["division"]).first()
        if division is None:
            raise ValidationError({"division": [_("No division has this code.")]})
        details["division"] = division
    if "audience" in details:
        pk = details["audience"]
        details["audience"] = Organization.objects.filter(pk=pk).first() if pk else None
        if pk and details["audience"] is None:
            raise ValidationError({"audience": [_("No organisation has this id.")]})
    for name in ("description", "service_recipients", "insurer", "insurance_policy_number"):
        if details.get(name) is None and name in details:
            details[name] = ""
    return details


def _how(data: dict[str, Any]) -> selectors.ActivityFilter:
    place = Division.objects.filter(code=data["place"]).first() if data.get("place") else None
    if data.get("place") and place is None:
        raise ValidationError({"place": [_("No division has this code.")]})
    return selectors.ActivityFilter(
        category=data.get("category", ""),
        division=place,
        day_from=data.get("day_from"),
        day_to=data.get("day_to"),
        search=data.get("q", ""),
        status=data.get("status", ""),
    )


def _activity_answer(activity: Activity, *, office: bool = True) -> dict[str, Any]:
    fresh = selectors.listed(Activity.objects.filter(pk=activity.pk)).get()
    serializer = OfficeActivitySerializer if office else ActivitySerializer
    return serializer(fresh).data  # type: ignore[return-value]


# --- the office -------------------------------------------------------------------------


class ActivityViewSet(viewsets.GenericViewSet):
    """Activities organised in the user's subtrees, newest first."""

    serializer_class = OfficeActivitySerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Activity]:
        return selectors.office_activities(self.request.user)

    def _activity(self, pk: str) -> Activity:
        return selectors.office_activity(self.request.user, object_id(pk))

    @extend_schema(
        summary="List the activities of your subtrees",
        parameters=[OfficeFilterSerializer],
        responses={200: OfficeActivitySerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        how = _how(validated(OfficeFilterSerializer, request.query_params))
        page = self.paginate_queryset(selectors.office_activities(request.user, how))
        return self.get_paginated_response(OfficeActivitySerializer(page or [], many=True).data)

    @extend_schema(
        summary="One activity of your subtrees, with its slots and places",
        responses={200: OfficeActivitySerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(_activity_answer(self._activity(pk)))

    @extend_schema(
        summary="Create a draft activity (the organiser's administrators and team leaders)",
        request=ActivityCreateSerializer,
        responses={201: OfficeActivitySerializer, **errors(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        data = validated(ActivityCreateSerializer, request.data)
        organizer = scope(request.user, Organization.objects.filter(pk=data["organizer"])).first()
        if organizer is None:
            raise ValidationError({"organizer": [_("No organisation with this id is visible.")]})
        activity = services.create_activity(organizer, actor=request.user, details=_details(data))
        return Response(_activity_answer(activity), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft or published activity's details",
        request=ActivityInputSerializer(partial=True),
        responses={200: OfficeActivitySerializer, **errors(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        activity = self._activity(pk)
        form = ActivityInputSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        details = _details(dict(form.validated_data))
        updated = services.update_activity(activity, actor=request.user, details=details)
        return Response(_activity_answer(updated))

    @extend_schema(
        summary="Publish a draft (slots in the future; a risky one needs its insurance)",
        request=None,
        responses={200: OfficeActivitySerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        return Response(
            _activity_answer(services.publish_activity(self._activity(pk), actor=request.user))
        )

    @extend_schema(
        summary="Cancel an activity; everyone signed up is told by SMS",
        request=ReasonGivenSerializer,
        responses={200: OfficeActivitySerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        activity = self._activity(pk)
        data = validated(ReasonGivenSerializer, request.data)
        cancelled = services.cancel_activity(activity, actor=request.user, reason=data["reason"])
        return Response(_activity_answer(cancelled))

    @extend_schema(
        summary="Mark an activity finished once its last slot has ended",
        request=None,
        responses={200: OfficeActivitySerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def finish(self, request: Request, pk: str) -> Response:
        return Response(
            _activity_answer(services.finish_activity(self._activity(pk), actor=request.user))
        )

    @extend_schema(
        summary="Add a slot with its places",
        request=SlotInputSerializer,
        responses={201: SlotSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def slots(self, request: Request, pk: str) -> Response:
        activity = self._activity(pk)
        data = validated(SlotInputSerializer, request.data)
        slot = services.add_slot(activity, actor=request.user, **data)
        counted = selectors.slots_of(activity).get(pk=slot.pk)
        return Response(SlotSerializer(counted).data, status=status.HTTP_201_CREATED)


class SlotViewSet(viewsets.GenericViewSet):
    """Slots of the activities in the user's subtrees."""

    serializer_class = SlotSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Slot]:
        return selectors.with_places(scope(self.request.user, Slot.objects.all()))

    def _slot(self, pk: str) -> Slot:
        return selectors.office_slot(self.request.user, object_id(pk))

    def _answer(self, slot: Slot) -> Response:
        return Response(
            SlotSerializer(selectors.with_places(Slot.objects.filter(pk=slot.pk)).get()).data
        )

    @extend_schema(
        summary="One slot and its places", responses={200: SlotSerializer, **errors(401, 404)}
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._answer(self._slot(pk))

    @extend_schema(
        summary="Change a slot's places (never below the confirmed), times (while nobody is signed up) or label",
        request=SlotChangeSerializer,
        responses={200: SlotSerializer, **errors(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        slot = self._slot(pk)
        data = validated(SlotChangeSerializer, request.data)
        return self._answer(services.change_slot(slot, actor=request.user, **data))

    @extend_schema(
        summary="Remove a slot nobody signed up for",
        responses={204: None, **errors(400, 401, 403, 404)},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        services.remove_slot(self._slot(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="The slot's roster: names, masked phones and sign-ups",
        responses={200: RosterEntrySerializer(many=True), **errors(401, 404)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def signups(self, request: Request, pk: str) -> Response:
        rows = selectors.roster(self._slot(pk))
        return Response(RosterEntrySerializer(rows, many=True).data)

    @extend_schema(
        summary="A team leader signs up members of the team, all or none, within the places left",
        request=GroupSerializer,
        responses={201: SignUpSerializer(many=True), **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="group-signups", pagination_class=None)
    def group_signups(self, request: Request, pk: str) -> Response:
        slot = self._slot(pk)
        data = validated(GroupSerializer, request.data)
        # Only a team the user leads: its members are looked up next, and must tell nobody else
        # who belongs to a team.
        team = selectors.led_teams(request.user).filter(pk=data["team"]).first()
        if team is None:
            raise ValidationError({"team": [_("Choose a team you lead.")]})
        members = list(selectors.team_members(team).filter(pk__in=data["volunteers"]))
        missing = set(data["volunteers"]) - {m.pk for m in members}
        if missing:
            raise ValidationError(
                {
                    "volunteers": [
                        _("Not registered members of the team: %(ids)s.")
                        % {"ids": ", ".join(str(i) for i in sorted(missing))}
                    ]
                }
            )
        signups = services.sign_up_group(slot, members, actor=request.user, team=team)
        return Response(SignUpSerializer(signups, many=True).data, status=status.HTTP_201_CREATED)


class SignUpViewSet(viewsets.GenericViewSet):
    """Sign-ups for the activities in the user's subtrees: the organiser decides."""

    serializer_class = SignUpSerializer
    http_method_names = ["post", "options"]

    def get_queryset(self) -> QuerySet[SignUp]:
        return scope(self.request.user, SignUp.objects.all())

    def _signup(self, pk: str) -> SignUp:
        return selectors.office_signup(self.request.user, object_id(pk))

    def _answer(self, signup: SignUp) -> Response:
        fresh = SignUp.objects.select_related("slot__activity").get(pk=signup.pk)
        return Response(SignUpSerializer(fresh).data)

    @extend_schema(
        summary="Approve a sign-up awaiting approval: confirmed if a place is left, else waiting",
        request=None,
        responses={200: SignUpSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        return self._answer(services.approve_signup(self._signup(pk), actor=request.user))

    @extend_schema(
        summary="Decline a sign-up awaiting approval, with a reason the volunteer is texted",
        request=ReasonGivenSerializer,
        responses={200: SignUpSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        signup = self._signup(pk)
        data = validated(ReasonGivenSerializer, request.data)
        return self._answer(
            services.reject_signup(signup, actor=request.user, reason=data["reason"])
        )

    @extend_schema(
        summary="Cancel a sign-up (the organiser, or the leader who made it); the place goes to the first waiting",
        request=SignUpReasonSerializer,
        responses={200: SignUpSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        signup = self._signup(pk)
        data = validated(SignUpReasonSerializer, request.data)
        return self._answer(
            services.cancel_signup(signup, actor=request.user, reason=data["reason"])
        )


# --- anyone, and volunteers -------------------------------------------------------------


class PublicActivityList(PublicView):
    pagination_class = Pagination

    @extend_schema(
        summary="Published public activities with a slot to come, soonest first",
        auth=[],
        parameters=[ActivityFilterSerializer],
        responses={200: ActivitySerializer(many=True), **errors(400, 429)},
    )
    def get(self, request: Request) -> Response:
        how = _how(validated(ActivityFilterSerializer, request.query_params))
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.open_activities((), how), request, view=self)
        return paginator.get_paginated_response(ActivitySerializer(page or [], many=True).data)


class PublicActivityDetail(PublicView):
    @extend_schema(
        summary="A published public activity with its slots and places",
        auth=[],
        responses={200: ActivitySerializer, **errors(404, 429)},
    )
    def get(self, request: Request, pk: str) -> Response:
        activity = selectors.open_activity((), object_id(pk))
        if activity is None:
            raise NotFound()
        return Response(_activity_answer(activity, office=False))


class VolunteerActivityList(VolunteerView):
    pagination_class = Pagination

    @extend_schema(
        summary="Activities you may sign up for: public ones and those of your teams and area",
        parameters=[ActivityFilterSerializer],
        responses={200: ActivitySerializer(many=True), **errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        how = _how(validated(ActivityFilterSerializer, request.query_params))
        paginator = Pagination()
        activities = selectors.open_activities(self.session().registrations(), how)
        page = paginator.paginate_queryset(activities, request, view=self)
        return paginator.get_paginated_response(ActivitySerializer(page or [], many=True).data)


class VolunteerSignUpList(VolunteerView):
    pagination_class = Pagination

    @extend_schema(
        summary="Your sign-ups (every registration of your phone), latest slots first",
        responses={200: SignUpSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        signups = selectors.my_signups(self.session().registrations())
        page = paginator.paginate_queryset(signups, request, view=self)
        return paginator.get_paginated_response(SignUpSerializer(page, many=True).data)

    @extend_schema(
        summary="Sign up for a slot: confirmed, on the waiting list, or awaiting approval",
        request=SignUpRequestSerializer,
        responses={201: SignUpSerializer, **errors(400, 401, 404)},
    )
    def post(self, request: Request) -> Response:
        data = validated(SignUpRequestSerializer, request.data)
        mine = self.session().registrations()
        chosen = data.get("volunteer") or (mine[0].pk if len(mine) == 1 else None)
        volunteer = next((v for v in mine if v.pk == chosen), None)
        if volunteer is None:
            raise ValidationError(
                {"volunteer": [_("Choose which of your registrations signs up.")]}
            )
        activity_id = Slot.objects.filter(pk=data["slot"]).values_list("activity_id", flat=True)
        activity = selectors.open_activity(mine, activity_id.first() or 0)
        slot = activity.slots.filter(pk=data["slot"]).first() if activity else None
        if slot is None:
            raise NotFound()
        signup = services.sign_up(slot, volunteer)
        fresh = SignUp.objects.select_related("slot__activity").get(pk=signup.pk)
        return Response(SignUpSerializer(fresh).data, status=status.HTTP_201_CREATED)


class VolunteerSignUpCancel(VolunteerView):
    @extend_schema(
        summary="Cancel one of your sign-ups before its slot starts",
        request=SignUpReasonSerializer,
        responses={200: SignUpSerializer, **errors(400, 401, 404)},
    )
    def post(self, request: Request, pk: str) -> Response:
        mine = [v.pk for v in self.session().registrations()]
        signup = SignUp.objects.filter(pk=object_id(pk), volunteer__in=mine).first()
        if signup is None:
            raise NotFound()
        data = validated(SignUpReasonSerializer, request.data)
        cancelled = services.cancel_signup(signup, reason=data["reason"])
        fresh = SignUp.objects.select_related("slot__activity").get(pk=cancelled.pk)
        return Response(SignUpSerializer(fresh).data)
