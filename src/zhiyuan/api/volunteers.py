"""The ledger of registered volunteers (台账) over the API, always through the access layer.

Reads show the registrations made through organisations the user's roles cover
(`selectors.ledger`); others answer 404. Each write calls one service, which checks the role
(registrars and administrators: 403 otherwise) and the rules (400 with field keys).

ID numbers and phones are masked in every answer. The `reveal` action shows one full value
to a role permitted to see it, with a reason, and the service logs who, whose, when and why.
They never travel in a URL: look people up by ID number or mobile with POST `lookup/`, and a
list search (`q`) that looks like one is refused.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.accounts.models import mobile_digest
from zhiyuan.api.audit import ActorSerializer
from zhiyuan.api.fields import IdentifierField
from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import errors
from zhiyuan.api.shared import BodyRefSerializer, OrganizationRefSerializer, id_field, validated
from zhiyuan.common.identity import (
    DocumentType,
    Gender,
    normalize_document_number,
)
from zhiyuan.common.masking import mask_document, mask_phone
from zhiyuan.common.phones import normalize_mobile
from zhiyuan.organizations.access import covers
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.selectors import visible_organizations
from zhiyuan.volunteers import permissions, rules, selectors, services
from zhiyuan.volunteers.enums import (
    ActivityCategory,
    AgeBasis,
    AvailableTime,
    CancellationKind,
    ConfirmationMethod,
    Education,
    Ethnicity,
    MembershipStatus,
    PersonalField,
    PoliticalStatus,
    RegistrationChannel,
    RegistrationStatus,
    Skill,
)
from zhiyuan.volunteers.models import RegistrationBody, Volunteer, document_digest


def choice_list(enum: Any, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=enum.choices), max_length=len(enum), **kwargs
    )


# --- answers ---------------------------------------------------------------------------------


class VolunteerSerializer(serializers.Serializer):
    """A ledger row."""

    id = serializers.IntegerField()
    registration_number = serializers.CharField(
        allow_null=True, help_text="Issued when the person confirms; null before."
    )
    status = serializers.ChoiceField(choices=RegistrationStatus.choices)
    name = serializers.CharField()
    gender = serializers.ChoiceField(choices=Gender.choices)
    birth_date = serializers.DateField()
    age = serializers.SerializerMethodField(help_text="Completed years today.")
    political_status = serializers.ChoiceField(choices=PoliticalStatus.choices)
    mobile_masked = serializers.SerializerMethodField(help_text="e.g. 138****8000.")
    body = BodyRefSerializer()
    organization = OrganizationRefSerializer(help_text="The organisation registered through.")
    applied_at = serializers.DateTimeField()
    registered_on = serializers.DateField(allow_null=True, help_text="Date of confirmation.")

    def get_age(self, volunteer: Volunteer) -> int:
        return selectors.age_on(volunteer.birth_date, selectors.local_today())

    def get_mobile_masked(self, volunteer: Volunteer) -> str:
        return mask_phone(volunteer.mobile)


class DivisionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class VolunteerMembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    team = OrganizationRefSerializer()
    status = serializers.ChoiceField(choices=MembershipStatus.choices)
    joined_on = serializers.DateField(allow_null=True)
    left_on = serializers.DateField(allow_null=True)


class VolunteerDetailSerializer(VolunteerSerializer):
    """The registration and the person (Attachment 4); ID numbers and phones masked."""

    channel = serializers.ChoiceField(choices=RegistrationChannel.choices)
    registered_by = ActorSerializer(allow_null=True, help_text="The registrar; null for self.")
    confirmed_at = serializers.DateTimeField(allow_null=True)
    confirmation_method = serializers.ChoiceField(
        choices=ConfirmationMethod.choices, allow_blank=True
    )
    confirmed_by = ActorSerializer(allow_null=True, help_text="Who recorded it in person.")
    confirmation_reason = serializers.CharField()
    reregistered_year = serializers.IntegerField(allow_null=True)
    status_changed_at = serializers.DateTimeField()
    status_reason = serializers.CharField(
        source="status_reason_text", help_text="In the request's language."
    )
    cancellation_kind = serializers.ChoiceField(choices=CancellationKind.choices, allow_blank=True)
    document_type = serializers.ChoiceField(choices=DocumentType.choices)
    document_number_masked = serializers.SerializerMethodField(help_text="e.g. 43**************1X.")
    ethnicity = serializers.ChoiceField(choices=Ethnicity.choices, allow_blank=True)
    education = serializers.ChoiceField(choices=Education.choices, allow_blank=True)
    occupation = serializers.CharField()
    work_unit = OrganizationRefSerializer(allow_null=True, help_text="Where one exists.")
    work_unit_name = serializers.CharField()
    email = serializers.CharField()
    home_division = DivisionRefSerializer(allow_null=True)
    address_detail = serializers.CharField()
    skills = choice_list(Skill)
    service_intentions = choice_list(ActivityCategory)
    available_times = choice_list(AvailableTime)
    emergency_contact_name = serializers.CharField()
    emergency_contact_phone_masked = serializers.SerializerMethodField()
    age_basis = serializers.ChoiceField(choices=AgeBasis.choices)
    guardian_name = serializers.CharField()
    guardian_relation = serializers.CharField()
    guardian_mobile_masked = serializers.SerializerMethodField()
    school_consent_reference = serializers.CharField()
    privacy_notice_version = serializers.CharField()
    id_consent_at = serializers.DateTimeField(help_text="When the person consented.")
    memberships = VolunteerMembershipSerializer(many=True, source="memberships.all")

    def get_document_number_masked(self, volunteer: Volunteer) -> str:
        return mask_document(volunteer.document_number)

    def get_emergency_contact_phone_masked(self, volunteer: Volunteer) -> str:
        return mask_phone(volunteer.emergency_contact_phone)

    def get_guardian_mobile_masked(self, volunteer: Volunteer) -> str:
        return mask_phone(volunteer.guardian_mobile)


class CreatedVolunteerSerializer(VolunteerDetailSerializer):
    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="To show the registrar, e.g. an ID area code the system does not know.",
    )


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField(help_text="e.g. volunteer.registration.confirmed.")
    actor = ActorSerializer(allow_null=True, help_text="Null for the person or the system.")
    created_at = serializers.DateTimeField()
    data = serializers.JSONField(  # type: ignore[assignment]
        help_text="Reasons, numbers, field names; never ID or phone."
    )


class RevealedSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=PersonalField.choices)
    value = serializers.CharField()


class ProgressRowSerializer(serializers.Serializer):
    """Every registration in exactly one of applied, confirmed, cancelled and closed."""

    code = serializers.CharField()
    name = serializers.CharField()
    applied = serializers.IntegerField(help_text="Awaiting confirmation.")
    confirmed = serializers.IntegerField(help_text="Active or suspended.")
    cancelled = serializers.IntegerField(help_text="Cancelled after confirmation.")
    closed = serializers.IntegerField(
        help_text="Withdrawn, or lost to the person's registration elsewhere."
    )
    total = serializers.IntegerField(help_text="applied + confirmed + cancelled + closed.")
    share_confirmed = serializers.IntegerField(
        source="share",
        allow_null=True,
        help_text="Whole per cent of confirmed among confirmed + applied; null when both are 0.",
    )


class InPersonRowSerializer(serializers.Serializer):
    name = serializers.CharField(source="confirmed_by__name", allow_null=True)
    username = serializers.CharField(source="confirmed_by__username", allow_null=True)
    count = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    organizations = ProgressRowSerializer(many=True, help_text="Per registering organisation.")
    in_person = InPersonRowSerializer(
        many=True, help_text="In-person confirmations per registrar, most first."
    )


class SentSerializer(serializers.Serializer):
    sent = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Texted recently or too often today.")
    held = serializers.IntegerField(help_text="Held back by the units' daily limits.")


class UnitRequestsSerializer(serializers.Serializer):
    code = serializers.CharField(source="organization.code")
    name = serializers.CharField(source="organization.name")
    awaiting = serializers.IntegerField(help_text="Applications awaiting confirmation.")
    to_send = serializers.IntegerField(help_text="Texted if sent now.")
    held = serializers.IntegerField(help_text="Held back by the unit's daily limit.")
    sent_today = serializers.IntegerField(help_text="Sent by staff since local midnight.")


class ConfirmationPlanSerializer(serializers.Serializer):
    to_send = serializers.IntegerField(help_text="Messages a send now would text: `expected`.")
    held = serializers.IntegerField(help_text="Held back by the units' daily limits.")
    daily_limit = serializers.IntegerField(help_text="Messages a unit may send a day.")
    units = UnitRequestsSerializer(many=True, help_text="Per registering unit, in tree order.")


class RegistrationPointSerializer(serializers.Serializer):
    body = BodyRefSerializer()
    organization = OrganizationRefSerializer()


# --- input -----------------------------------------------------------------------------------


# The person's fields (rules.PERSON_FIELDS). The rules check them with their own messages;
# the limits here only keep absurd input out.
class PersonSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="As on the ID document.")
    gender = serializers.ChoiceField(
        choices=Gender.choices,
        required=False,
        allow_blank=True,
        help_text="Derived from an 18-digit ID; a value that differs is refused.",
    )
    document_type = serializers.ChoiceField(
        choices=DocumentType.choices, required=False, default=DocumentType.RESIDENT_ID
    )
    document_number = IdentifierField("id_number", max_length=40, help_text="Answered masked.")
    birth_date = serializers.DateField(
        required=False, allow_null=True, help_text="Derived from an 18-digit ID."
    )
    ethnicity = serializers.ChoiceField(
        choices=Ethnicity.choices, required=False, allow_blank=True, help_text="GB/T 3304 code."
    )
    political_status = serializers.ChoiceField(choices=PoliticalStatus.choices, required=False)
    education = serializers.ChoiceField(choices=Education.choices, required=False, allow_blank=True)
    occupation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    work_unit = IdentifierField(
        "code",
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="Code of the work unit or school organisation, where it has one.",
    )
    work_unit_name = serializers.CharField(max_length=400, required=False, allow_blank=True)
    mobile = IdentifierField("phone", max_length=40, help_text="The person's own; answered masked.")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    home_division = IdentifierField(
        "code",
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="12-digit code of the community or village.",
    )
    address_detail = serializers.CharField(max_length=800, required=False, allow_blank=True)
    skills = choice_list(Skill, required=False)
    service_intentions = choice_list(ActivityCategory, required=False)
    available_times = choice_list(AvailableTime, required=False)
    emergency_contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    emergency_contact_phone = IdentifierField(
        "phone", max_length=40, required=False, allow_blank=True
    )
    age_basis = serializers.ChoiceField(
        choices=AgeBasis.choices,
        required=False,
        help_text="Under 18: guardian's or school's consent, or (16–17) own income.",
    )
    guardian_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    guardian_relation = serializers.CharField(max_length=80, required=False, allow_blank=True)
    guardian_mobile = IdentifierField("phone", max_length=40, required=False, allow_blank=True)
    school_consent_reference = serializers.CharField(
        max_length=400, required=False, allow_blank=True
    )


class RegistrationSerializer(PersonSerializer):
    body = id_field(help_text="The registration body.")
    organization = id_field(
        required=False,
        help_text="Registered through: the body's own organisation (the default) or one it "
        "delegated to.",
    )
    consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The person's separate consent to processing their ID number, after reading "
        "the privacy notice; registration needs it.",
    )


class VolunteerCreateSerializer(RegistrationSerializer):
    send_confirmation = serializers.BooleanField(
        default=True, help_text="Text the person a code and a link to confirm now."
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, help_text="Kept in history.")


class CancelSerializer(ReasonSerializer):
    kind = serializers.ChoiceField(choices=CancellationKind.choices)


class TransferSerializer(serializers.Serializer):
    body = id_field(help_text="The registration body taking the registration over.")
    organization = id_field(
        required=False,
        help_text="Through the body's own organisation (the default) or one it delegated to.",
    )


class ReregisterSerializer(serializers.Serializer):
    year = serializers.IntegerField(
        required=False, min_value=2000, max_value=2100, help_text="Default: this year."
    )


class RevealSerializer(ReasonSerializer):
    field = serializers.ChoiceField(choices=PersonalField.choices)


class LookupSerializer(serializers.Serializer):
    document_number = IdentifierField("id_number", required=False, max_length=40)
    mobile = IdentifierField("phone", required=False, max_length=40)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if len(data) != 1:
            raise ValidationError(
                {"non_field_errors": [_("Send either document_number or mobile.")]}
            )
        return data


class OrganizationChoiceSerializer(serializers.Serializer):
    organization = id_field(help_text="An organisation in your subtrees; its subtree counts.")


class SendConfirmationsSerializer(OrganizationChoiceSerializer):
    expected = serializers.IntegerField(
        min_value=0,
        help_text="The `to_send` of the preview (GET) that the user confirmed. When the number "
        "changed meanwhile, nothing is sent (400).",
    )


class ProgressFilter(serializers.Serializer):
    organization = id_field(
        required=False, help_text="Only this organisation's subtree (default: your scope)."
    )


class VolunteerFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=RegistrationStatus.choices, required=False)
    body = id_field(required=False, help_text="Registered with this body.")
    organization = id_field(
        required=False, help_text="Registered through this organisation or one below it."
    )
    political_status = serializers.ChoiceField(choices=PoliticalStatus.choices, required=False)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    age_min = serializers.IntegerField(required=False, min_value=0, max_value=150)
    age_max = serializers.IntegerField(required=False, min_value=0, max_value=150)
    skill = serializers.ChoiceField(choices=Skill.choices, required=False)
    registered_from = serializers.DateField(required=False, help_text="Confirmed on or after.")
    registered_to = serializers.DateField(required=False, help_text="Confirmed on or before.")
    q = serializers.CharField(
        required=False,
        max_length=50,
        help_text="Part of the name, or the start of a registration number. Never an ID number "
        "or a mobile (refused): use POST lookup/.",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("age_min", 0) > data.get("age_max", 150):
            raise ValidationError({"age_max": [_("The highest age is below the lowest.")]})
        return data


# --- helpers ---------------------------------------------------------------------------------


def _mobile(raw: str) -> str:
    try:
        return normalize_mobile(raw)
    except DjangoValidationError as error:
        raise ValidationError({"mobile": error.messages}) from None


def _visible_organization(user: Any, pk: int, field: str = "organization") -> Organization:
    found = visible_organizations(user).filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [_("No organisation with this id is visible.")]})
    return found


def filter_ledger(user: Any, volunteers: QuerySet[Volunteer], data: dict[str, Any]) -> Any:
    """`volunteers` narrowed by the validated VolunteerFilter `data` (selectors.filter_ledger,
    as the ledger page filters). An ID or mobile number in `q` is refused: never in a URL."""
    return selectors.filter_ledger(volunteers, ledger_filter(user, volunteers, data))


def ledger_filter(
    user: Any, volunteers: QuerySet[Volunteer], data: dict[str, Any]
) -> selectors.LedgerFilter:
    """The LedgerFilter of the validated VolunteerFilter `data`; raises ValidationError (400)
    for an ID or mobile number in `q` (looked for among `volunteers`) or an organisation the
    user does not see."""
    text = data.get("q", "").strip()
    if text and selectors.identity_in_search(volunteers, text):
        raise ValidationError(
            {"q": [_("Never put an ID number or a mobile in a URL: use POST lookup/ instead.")]}
        )
    organization = None
    if "organization" in data:
        organization = _visible_organization(user, data["organization"])
    return selectors.LedgerFilter(
        q=text,
        organization=organization,
        body=data.get("body"),
        age_min=data.get("age_min"),
        age_max=data.get("age_max"),
        status=data.get("status") or "",
        political_status=data.get("political_status") or "",
        gender=data.get("gender") or "",
        skill=data.get("skill") or "",
        registered_from=data.get("registered_from"),
        registered_to=data.get("registered_to"),
    )


def registration_point(user: Any, data: dict[str, Any]) -> tuple[RegistrationBody, Organization]:
    """The body and organisation named in `data`, among those the user sees or registers
    through (a delegation may reach beyond the user's subtrees); the service decides."""
    points = permissions.registration_points(user)
    bodies = {point.body.pk: point.body for point in points}
    body = bodies.get(data["body"]) or (
        selectors.registration_bodies(user).filter(pk=data["body"]).first()
    )
    if body is None:
        raise ValidationError({"body": [_("No registration body with this id is visible.")]})
    if "organization" not in data:
        return body, body.organization
    organizations = {point.organization.pk: point.organization for point in points}
    organization = organizations.get(data["organization"]) or _visible_organization(
        user, data["organization"]
    )
    return body, organization


# --- the viewset -----------------------------------------------------------------------------


class VolunteerViewSet(viewsets.GenericViewSet):
    """Registrations made through organisations in the user's subtrees, newest first."""

    serializer_class = VolunteerSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Volunteer]:
        return selectors.ledger(self.request.user)

    def _volunteer(self, pk: str) -> Volunteer:
        volunteer = self.get_queryset().filter(pk=object_id(pk)).first()
        if volunteer is None:
            raise NotFound()
        return volunteer

    def _detail(
        self, pk: int, *, status_code: int = 200, moved: bool = False, **extra: Any
    ) -> Response:
        """The answer of a read or a write; `moved`: the write (a transfer) may have taken the
        registration out of the user's subtrees, but they saw it a moment ago."""
        volunteers = Volunteer.objects.all() if moved else self.get_queryset()
        volunteer = (
            volunteers.select_related(
                "body__organization",
                "organization",
                "registered_by",
                "confirmed_by",
                "work_unit",
                "home_division",
            )
            .prefetch_related("memberships__team")
            .get(pk=pk)
        )
        serializer = CreatedVolunteerSerializer if extra else VolunteerDetailSerializer
        for name, value in extra.items():
            setattr(volunteer, name, value)
        return Response(serializer(volunteer).data, status=status_code)

    @extend_schema(
        summary="The ledger: registrations in your subtrees, with filters",
        parameters=[VolunteerFilter],
        responses={200: VolunteerSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        data = validated(VolunteerFilter, request.query_params)
        page = self.paginate_queryset(filter_ledger(request.user, self.get_queryset(), data))
        return self.get_paginated_response(VolunteerSerializer(page, many=True).data)

    @extend_schema(
        summary="One registration, with the person's details (masked) and teams",
        responses={200: VolunteerDetailSerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(self._volunteer(pk).pk)

    @extend_schema(
        summary="Register a person (registrars); they confirm it themselves",
        description="Records an application (status applied) and, unless told otherwise, "
        "texts the person a one-time code and a link. The registration number comes when "
        "they confirm.",
        request=VolunteerCreateSerializer,
        responses={201: CreatedVolunteerSerializer, **errors(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        data = validated(VolunteerCreateSerializer, request.data)
        body, organization = registration_point(request.user, data)
        registered = services.register_volunteer(
            {field: data[field] for field in rules.PERSON_FIELDS if field in data},
            body=body,
            organization=organization,
            actor=request.user,
            channel=RegistrationChannel.REGISTRAR,
            consent=data["consent"],
            send_confirmation=data["send_confirmation"],
        )
        return self._detail(
            registered.volunteer.pk,
            status_code=status.HTTP_201_CREATED,
            warnings=[str(warning) for warning in registered.warnings],
        )

    @extend_schema(
        summary="Correct the person's details (registrars); send only what changes",
        request=PersonSerializer,
        responses={200: VolunteerDetailSerializer, **errors(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        volunteer = self._volunteer(pk)
        form = PersonSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        services.update_person(volunteer, dict(form.validated_data), actor=request.user)
        return self._detail(volunteer.pk)

    @extend_schema(
        summary="Where you may register volunteers: (body, organisation) pairs",
        responses={200: RegistrationPointSerializer(many=True), **errors(401)},
    )
    @action(detail=False, url_path="registration-points", pagination_class=None)
    def registration_points(self, request: Request) -> Response:
        points = permissions.registration_points(request.user)
        return Response(RegistrationPointSerializer(points, many=True).data)

    @extend_schema(
        summary="Find registrations in your subtrees by ID number or mobile",
        description="The number travels in the body, never in a URL. Send one of the two.",
        request=LookupSerializer,
        responses={200: VolunteerSerializer(many=True), **errors(400, 401, 403)},
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def lookup(self, request: Request) -> Response:
        data = validated(LookupSerializer, request.data)
        found = self.get_queryset()
        if "document_number" in data:
            number = normalize_document_number(data["document_number"])
            found = found.filter(document_digest=document_digest(number))
        else:
            found = found.filter(mobile_digest=mobile_digest(_mobile(data["mobile"])))
        return Response(VolunteerSerializer(found, many=True).data)

    @extend_schema(
        summary="Confirmation progress per registering organisation, and in-person counts",
        parameters=[ProgressFilter],
        responses={200: ProgressSerializer, **errors(400, 401)},
    )
    @action(detail=False, url_path="confirmation-progress", pagination_class=None)
    def confirmation_progress(self, request: Request) -> Response:
        data = validated(ProgressFilter, request.query_params)
        volunteers = self.get_queryset()
        if "organization" in data:
            organization = _visible_organization(request.user, data["organization"])
            volunteers = selectors.in_subtree(volunteers, organization)
        body = {
            "organizations": selectors.confirmation_progress(volunteers),
            "in_person": selectors.in_person_confirmations(volunteers),
        }
        return Response(ProgressSerializer(body).data)

    @extend_schema(
        methods=["GET"],
        summary='Preview the bulk "please confirm": how many messages, to which units',
        parameters=[OrganizationChoiceSerializer],
        responses={200: ConfirmationPlanSerializer, **errors(400, 401, 403)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Text everyone still applied in an organisation's subtree to confirm",
        description="Send `expected`, the preview's `to_send`: the office confirms the number "
        "of messages. Each registering unit sends at most its daily limit.",
        request=SendConfirmationsSerializer,
        responses={200: SentSerializer, **errors(400, 401, 403)},
    )
    @action(detail=False, methods=["get", "post"], url_path="send-confirmations")
    def send_confirmations(self, request: Request) -> Response:
        if request.method == "POST":
            data = validated(SendConfirmationsSerializer, request.data)
            organization = _visible_organization(request.user, data["organization"])
            counts = services.send_confirmation_requests(
                organization, actor=request.user, expected=data["expected"]
            )
            return Response(SentSerializer(counts).data)
        data = validated(OrganizationChoiceSerializer, request.query_params)
        organization = _visible_organization(request.user, data["organization"])
        if not covers(request.user, organization, permissions.REGISTERING):
            raise PermissionDenied(_("Only registrars and administrators send these messages."))
        units = selectors.confirmation_request_plan(request.user, organization)
        plan = {
            "to_send": sum(unit.to_send for unit in units),
            "held": sum(unit.held for unit in units),
            "daily_limit": settings.CONFIRMATION_REQUESTS_PER_UNIT_PER_DAY,
            "units": units,
        }
        return Response(ConfirmationPlanSerializer(plan).data)

    @extend_schema(
        summary="Record that the person confirmed in person, with how (registrars)",
        request=ReasonSerializer,
        responses={200: VolunteerDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="confirm-in-person")
    def confirm_in_person(self, request: Request, pk: str) -> Response:
        volunteer = self._volunteer(pk)
        reason = validated(ReasonSerializer, request.data)["reason"]
        services.confirm_in_person(volunteer, actor=request.user, reason=reason)
        return self._detail(volunteer.pk)

    @extend_schema(
        summary="Text the person a new code and link to confirm (registrars)",
        request=None,
        responses={204: None, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="send-confirmation")
    def send_confirmation(self, request: Request, pk: str) -> Response:
        volunteer = self._volunteer(pk)
        # The service leaves access to its callers (it also serves self-registration).
        services.send_confirmation_request(volunteer, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _lifecycle(self, pk: str, change: Any, form: Any = None) -> Response:
        volunteer = self._volunteer(pk)
        data = validated(form, self.request.data) if form else {}
        change(volunteer, actor=self.request.user, **data)
        return self._detail(volunteer.pk)

    @extend_schema(
        summary="Suspend an active registration, with a reason (registrars)",
        request=ReasonSerializer,
        responses={200: VolunteerDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str) -> Response:
        return self._lifecycle(pk, services.suspend_registration, ReasonSerializer)

    @extend_schema(
        summary="Reinstate a suspended registration (registrars)",
        request=None,
        responses={200: VolunteerDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def reinstate(self, request: Request, pk: str) -> Response:
        return self._lifecycle(pk, services.reinstate_registration)

    @extend_schema(
        summary="Cancel a registration: at the volunteer's request or for refusal of duties",
        request=CancelSerializer,
        responses={200: VolunteerDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        return self._lifecycle(pk, services.cancel_registration, CancelSerializer)

    @extend_schema(
        summary="Close an application that awaits confirmation, with a reason (registrars)",
        request=ReasonSerializer,
        responses={200: VolunteerDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        return self._lifecycle(pk, services.withdraw_application, ReasonSerializer)

    @extend_schema(
        summary="Move a registration to another body; number and history stay (registrars)",
        description="The answer shows the registration where it went, even outside your "
        "subtrees; afterwards it is the new body's to see.",
        request=TransferSerializer,
        responses={200: VolunteerDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str) -> Response:
        volunteer = self._volunteer(pk)
        data = validated(TransferSerializer, request.data)
        point = selectors.transfer_point(data["body"], data.get("organization"))
        body, organization = point.body, point.organization
        services.transfer_registration(
            volunteer, actor=request.user, body=body, organization=organization
        )
        return self._detail(volunteer.pk, moved=True)

    @extend_schema(
        summary="Record the yearly re-registration (registrars)",
        request=ReregisterSerializer,
        responses={200: VolunteerDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def reregister(self, request: Request, pk: str) -> Response:
        return self._lifecycle(pk, services.reregister, ReregisterSerializer)

    @extend_schema(
        summary="Show one masked value in full, with a reason; the viewing is logged",
        request=RevealSerializer,
        responses={200: RevealedSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str) -> Response:
        volunteer = self._volunteer(pk)
        data = validated(RevealSerializer, request.data)
        value = services.reveal_personal_data(
            volunteer, data["field"], actor=request.user, reason=data["reason"]
        )
        response = Response(RevealedSerializer({"field": data["field"], "value": value}).data)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        summary="The registration's history: its audit entries, newest first",
        responses={200: HistoryEntrySerializer(many=True), **errors(400, 401, 404)},
    )
    @action(detail=True)
    def history(self, request: Request, pk: str) -> Response:
        volunteer = self._volunteer(pk)
        page = self.paginate_queryset(selectors.history(volunteer, newest_first=True))
        return self.get_paginated_response(HistoryEntrySerializer(page, many=True).data)
