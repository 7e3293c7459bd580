"""Token log-in and log-out for apps (knox: expiring tokens, stored only as hashes).

The rules are the web log-in's (`zhiyuan.accounts.views.login_view`): a username or a mobile
number; a mobile number shared by several people whose password fits more than one of them
answers 409 with the masked names to choose from, and the client repeats with `user_id`.
Failed attempts count towards the same lockouts as the web's (per address by django-axes,
because `authenticate()` gets the request, and per account: `accounts.lockout`).
"""

from typing import Any, cast

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox import views as knox_views
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from zhiyuan.accounts import lockout
from zhiyuan.accounts.models import User
from zhiyuan.accounts.selectors import people_sharing
from zhiyuan.api.fields import IdentifierField
from zhiyuan.api.openapi import errors
from zhiyuan.api.shared import id_field
from zhiyuan.common.masking import mask_name


class LoginSerializer(serializers.Serializer):
    identifier = IdentifierField(
        "username", max_length=50, help_text="A username or a mainland mobile number."
    )
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    user_id = id_field(
        required=False,
        help_text="Which person is logging in, when a 409 answer offered a choice.",
    )


class TokenUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send as `Authorization: Token <token>`; only its hash is stored."
    )
    expiry = serializers.DateTimeField(
        help_text="When the token lapses; each use moves it forward by the token lifetime."
    )
    user = TokenUserSerializer()


class PersonChoiceSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField(help_text="Masked, e.g. 张*明.")


class ChoosePersonSerializer(serializers.Serializer):
    detail = serializers.CharField()
    choices = PersonChoiceSerializer(many=True)


class LockedOut(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = gettext_lazy("Too many failed log-ins. Please try again later.")
    default_code = "locked_out"


def issue_token(request: Request, user: User) -> tuple[AuthToken, str]:
    """A new token for `user` (TOKEN_TTL from now) and its clear text, shown only this once.

    Raises PermissionDenied when the user already holds TOKEN_LIMIT_PER_USER live tokens.
    Sends `user_logged_in`, which resets the user's failed attempts (django-axes) and sets
    `last_login`.
    """
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    live = AuthToken.objects.filter(user=user, expiry__gt=timezone.now())
    if limit is not None and live.count() >= limit:
        raise PermissionDenied(
            _(
                "You are logged in on too many devices. Log out on one of them, "
                "or wait until its log-in expires."
            )
        )
    instance, token = AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
    user_logged_in.send(sender=type(user), request=request, user=user)
    return instance, token


class LoginView(APIView):
    """Exchange a username or mobile number and a password for a token."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        operation_id="auth_login",
        request=LoginSerializer,
        responses={
            200: TokenSerializer,
            409: OpenApiResponse(
                ChoosePersonSerializer,
                description="Several people share this mobile number and password: "
                "repeat the call with one of the offered `user_id`s.",
            ),
            **errors(400, 429),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        form = LoginSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        identifier: str = form.validated_data["identifier"]
        password: str = form.validated_data["password"]
        user_id: int | None = form.validated_data.get("user_id")
        if not lockout.login_allowed(request, identifier):
            raise LockedOut()
        if user_id is None:
            matching = people_sharing(identifier, password)
            if len(matching) > 1:
                return _choose_person(matching)
        user = authenticate(request, username=identifier, password=password, user_id=user_id)
        if user is None:
            # axes marks the request it locked out (the attempt that reached the limit).
            if getattr(request, "axes_locked_out", False) or lockout.account_locked(identifier):
                raise LockedOut()
            raise ValidationError(
                {"non_field_errors": [_("The mobile number/username or the password is wrong.")]}
            )
        instance, token = issue_token(request, cast(User, user))
        body = {"token": token, "expiry": instance.expiry, "user": user}
        return Response(TokenSerializer(body).data)


def _choose_person(matching: list[User]) -> Response:
    body = {
        "detail": _("Several people use this mobile number. Choose who is logging in."),
        "choices": [{"user_id": u.pk, "name": mask_name(u.name)} for u in matching],
    }
    return Response(ChoosePersonSerializer(body).data, status=status.HTTP_409_CONFLICT)


class LogoutView(knox_views.LogoutView):
    """Revoke the token this request carries."""

    @extend_schema(operation_id="auth_logout", request=None, responses={204: None, **errors(401)})
    def post(self, request: Request, format: Any = None) -> Response:
        return super().post(request, format)


class LogoutAllView(knox_views.LogoutAllView):
    """Revoke every token of the user (all devices)."""

    @extend_schema(
        operation_id="auth_logoutall", request=None, responses={204: None, **errors(401)}
    )
    def post(self, request: Request, format: Any = None) -> Response:
        return super().post(request, format)
