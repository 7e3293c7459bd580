"""Public endpoints for people registering themselves: no log-in, throttled per client address.

The self-registration page's API (MISSION §2): where one can register, the application
(channel self, with the separate consent to processing the ID number), and the confirmation
with the one-time code texted to the person's own mobile. Answers never echo personal data.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from zhiyuan.api.fields import IdentifierField
from zhiyuan.api.openapi import errors
from zhiyuan.api.pagination import Pagination
from zhiyuan.api.shared import validated
from zhiyuan.api.volunteers import RegistrationSerializer
from zhiyuan.common.phones import normalize_mobile
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import rules, selectors, services
from zhiyuan.volunteers.enums import RegistrationChannel, RegistrationStatus
from zhiyuan.volunteers.models import RegistrationBody
from zhiyuan.volunteers.throttles import CodeAttemptThrottle, RegistrationThrottle


class PublicRateThrottle(ScopedRateThrottle):
    """Counts per client address in its own bucket ("public", API_PUBLIC_RATE)."""


class PublicView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicRateThrottle]
    throttle_scope = "public"


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PublicPointSerializer(serializers.Serializer):
    body = PlaceSerializer(help_text="The registration body.")
    organization = PlaceSerializer(help_text="Registered through (the body's own or delegated).")


class PointFilter(serializers.Serializer):
    q = serializers.CharField(
        required=False, max_length=100, help_text="Part of the body's or organisation's name."
    )


class SelfRegisteredSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RegistrationStatus.choices)


class ConfirmSerializer(serializers.Serializer):
    mobile = IdentifierField("phone", max_length=40)
    code = IdentifierField("code", max_length=12, help_text="The six digits texted to the mobile.")

    def validate_mobile(self, value: str) -> str:
        try:
            return normalize_mobile(value)
        except DjangoValidationError as error:
            raise ValidationError(error.messages) from None


class ConfirmedSerializer(serializers.Serializer):
    registration_number = serializers.CharField()
    body = serializers.CharField(help_text="The registration body's name.")


def _point(point: selectors.RegistrationPoint) -> dict[str, Any]:
    return {
        "body": {"id": point.body.pk, "name": point.body.organization.name},
        "organization": {"id": point.organization.pk, "name": point.organization.name},
    }


class RegistrationPointList(PublicView):
    """Where people can register: active bodies, and the organisations they delegated to."""

    pagination_class = Pagination

    @extend_schema(
        operation_id="public_registration_points_list",
        parameters=[PointFilter],
        responses={200: PublicPointSerializer(many=True), **errors(400, 429)},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        text = validated(PointFilter, request.query_params).get("q", "").strip()
        # The points as this process keeps them (selectors.public_points), with their
        # answers built once per snapshot: already what PublicPointSerializer would return
        # (ids and names), so every request only picks and pages them.
        snapshot = selectors.public_points()
        by_body = snapshot.value.by_body
        answers = snapshot.derived(
            "api.public_points", lambda: {point.key: _point(point) for point in by_body}
        )
        points = [answers[point.key] for point in selectors.matching_points(by_body, text)]
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(points, request, view=self) or []
        return paginator.get_paginated_response(page)


class SelfRegistration(PublicView):
    """A person registers themself; a code and a link go to their mobile to confirm.
    Each one texts a number, so it also counts against the registration page's allowance
    per address (RegistrationThrottle), not only the looser API_PUBLIC_RATE."""

    throttle_classes = [PublicRateThrottle, RegistrationThrottle]

    @extend_schema(
        operation_id="public_registrations_create",
        request=RegistrationSerializer,
        responses={201: SelfRegisteredSerializer, **errors(400, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = validated(RegistrationSerializer, request.data)
        bodies = RegistrationBody.objects.select_related("organization")
        body = bodies.filter(pk=data["body"]).first()
        if body is None:
            raise ValidationError({"body": [_("Choose a registration point from the list.")]})
        organization = body.organization
        if "organization" in data:
            organization = Organization.objects.filter(pk=data["organization"]).first()
            if organization is None:
                raise ValidationError(
                    {"organization": [_("Choose a registration point from the list.")]}
                )
        registered = services.register_volunteer(
            {field: data[field] for field in rules.PERSON_FIELDS if field in data},
            body=body,
            organization=organization,
            actor=None,
            channel=RegistrationChannel.SELF,
            consent=data["consent"],
        )
        answer = SelfRegisteredSerializer(registered.volunteer)
        return Response(answer.data, status=status.HTTP_201_CREATED)


class SelfConfirmation(PublicView):
    """The person confirms their own registration with their mobile and the code."""

    throttle_classes = [PublicRateThrottle, CodeAttemptThrottle]

    @extend_schema(
        operation_id="public_registrations_confirm",
        request=ConfirmSerializer,
        responses={200: ConfirmedSerializer, **errors(400, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = validated(ConfirmSerializer, request.data)
        volunteer = services.confirm_by_mobile_and_code(data["mobile"], data["code"])
        body = {
            "registration_number": volunteer.registration_number,
            "body": volunteer.body.organization.name,
        }
        return Response(ConfirmedSerializer(body).data)
