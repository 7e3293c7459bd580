"""Volunteers' log-in for the API (mobile clients), the portal's steps
(`volunteers.mobile_login`: a code asked for on one logs in on the other): a mobile number and
a one-time SMS code, then a token that stands for that number.

1. `POST /api/v1/volunteer/login/code/` {mobile}: a code is recorded for the number and texted
   only if a registration uses it; the answer is the same either way (a ticket carrying the
   number, encrypted), so it tells nobody who is registered.
2. `POST /api/v1/volunteer/login/` {ticket, code}: a right code (once) gives a token.

The token is signed (Django's TimestampSigner, SECRET_KEY) and holds the keyed digest of the
number, never the number; it lasts VOLUNTEER_TOKEN_DAYS and is sent as
`Authorization: Volunteer <token>`. Every registration made with the number is the caller's (a
family may share a phone). It is not stored, so it cannot be revoked one by one: the client
forgets it to log out, and rotating SECRET_KEY ends every one. It authenticates the volunteer
endpoints only, never the office's: `request.user` stays anonymous there and `request.auth`
is a `VolunteerSession`.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from zhiyuan.api.fields import IdentifierField
from zhiyuan.api.openapi import errors
from zhiyuan.api.shared import validated
from zhiyuan.common.masking import mask_name
from zhiyuan.common.phones import normalize_mobile
from zhiyuan.volunteers import mobile_login
from zhiyuan.volunteers.models import Volunteer

VOLUNTEER_TOKEN_DAYS = 7
KEYWORD = "Volunteer"
_SALT = "zhiyuan.api.volunteer-token"


@dataclass(frozen=True)
class VolunteerSession:
    """Who a volunteer token stands for: the keyed digest of a mobile number."""

    mobile_digest: str

    def registrations(self) -> list[Volunteer]:
        """Every registration made with the number, newest first."""
        return mobile_login.registrations(self.mobile_digest)


def issue_token(digest: str) -> str:
    return signing.TimestampSigner(salt=_SALT).sign_object({"d": digest})


class VolunteerTokenAuthentication(BaseAuthentication):
    """`Authorization: Volunteer <token>`: request.auth becomes a VolunteerSession."""

    def authenticate(self, request: Request) -> tuple[Any, VolunteerSession] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Invalid token header."))
        try:
            payload = signing.TimestampSigner(salt=_SALT).unsign_object(
                parts[1].decode("ascii", "replace")[:500],
                max_age=timedelta(days=VOLUNTEER_TOKEN_DAYS),
            )
        except signing.BadSignature:
            raise AuthenticationFailed(_("The token is invalid or has expired.")) from None
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser(), VolunteerSession(str(payload["d"]))

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class IsVolunteer(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, VolunteerSession):
            raise NotAuthenticated()
        return True


class VolunteerView(APIView):
    """A view for the volunteer behind a volunteer token."""

    authentication_classes = [VolunteerTokenAuthentication]
    permission_classes = [IsVolunteer]

    def session(self) -> VolunteerSession:
        assert isinstance(self.request.auth, VolunteerSession)  # noqa: S101 (IsVolunteer)
        return self.request.auth


class VolunteerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "zhiyuan.api.volunteer_auth.VolunteerTokenAuthentication"
    name = "volunteerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A volunteer's token from /api/v1/volunteer/login/, sent as "
            "`Volunteer <token>`.",
        }


class LoginRateThrottle(ScopedRateThrottle):
    """Per client address, in the log-in's bucket (API_LOGIN_RATE)."""


class MobileSerializer(serializers.Serializer):
    mobile = IdentifierField("phone", max_length=30, help_text="The mobile you registered with.")


class TicketSerializer(serializers.Serializer):
    ticket = serializers.CharField(help_text="Send it back with the code.")


class VolunteerLoginSerializer(serializers.Serializer):
    ticket = serializers.CharField(max_length=500)
    code = IdentifierField("code", max_length=12, help_text="The six digits texted to you.")


class RegistrationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="Masked, e.g. 张*明.")
    status = serializers.CharField()


class VolunteerTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Volunteer <token>`.")
    expires_at = serializers.DateTimeField()
    registrations = RegistrationRefSerializer(many=True)


class PublicLoginView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]
    throttle_scope = "login"


class VolunteerCodeView(PublicLoginView):
    @extend_schema(
        summary="Volunteer log-in, step 1: text a code to the mobile",
        auth=[],
        request=MobileSerializer,
        responses={200: TicketSerializer, **errors(400, 429)},
    )
    def post(self, request: Request) -> Response:
        data = validated(MobileSerializer, request.data)
        ticket = mobile_login.send_code(normalize_mobile(data["mobile"]))
        return Response({"ticket": ticket})


class VolunteerLoginView(PublicLoginView):
    @extend_schema(
        summary="Volunteer log-in, step 2: the code gives a volunteer token",
        auth=[],
        request=VolunteerLoginSerializer,
        responses={200: VolunteerTokenSerializer, **errors(400, 429)},
    )
    def post(self, request: Request) -> Response:
        data = validated(VolunteerLoginSerializer, request.data)
        mobile = mobile_login.ticket_mobile(data["ticket"])
        if mobile is None:
            raise serializers.ValidationError({"ticket": [_("Please ask for a code again.")]})
        digest = mobile_login.check_code(mobile, data["code"])
        mine = mobile_login.registrations(digest)
        body = {
            "token": issue_token(digest),
            "expires_at": timezone.now() + timedelta(days=VOLUNTEER_TOKEN_DAYS),
            "registrations": [
                {"id": v.pk, "name": mask_name(v.name), "status": v.status} for v in mine
            ],
        }
        return Response(VolunteerTokenSerializer(body).data)
