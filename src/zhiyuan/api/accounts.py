"""Account management for administrators (as on the web's account pages).

An administrator sees the accounts holding a role inside the subtrees they administer
(`selectors.manageable_accounts`); other accounts answer 404. The rules are the services':
editing, inviting and deactivating need every role of the account inside the administrator's
subtrees, roles are granted only on organisations there, and nobody locks themselves out.
Refusals are 403 with the service's reason; mobiles are masked in every answer.
"""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.accounts import selectors, services
from zhiyuan.accounts.models import Role, User
from zhiyuan.api.fields import IdentifierField
from zhiyuan.api.lookups import object_id
from zhiyuan.api.me import RoleOrganizationSerializer
from zhiyuan.api.openapi import errors
from zhiyuan.api.shared import id_field
from zhiyuan.common.masking import mask_phone
from zhiyuan.organizations import selectors as org_selectors
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import administers_anything


class AccountRoleSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=RoleKind.choices)
    organization = RoleOrganizationSerializer()

    class Meta:
        model = Role
        fields = ["id", "kind", "organization", "granted_at"]
        read_only_fields = fields


class AccountSerializer(serializers.ModelSerializer):
    mobile = serializers.SerializerMethodField(help_text="Masked, e.g. 138****8000.")
    roles = AccountRoleSerializer(
        source="visible_roles",
        many=True,
        read_only=True,
        help_text="Its roles inside the subtrees you administer.",
    )

    class Meta:
        model = User
        fields = ["id", "username", "name", "mobile", "is_active", "roles"]
        read_only_fields = fields

    def get_mobile(self, user: User) -> str:
        return mask_phone(user.mobile)


class AccountDetailSerializer(AccountSerializer):
    roles_outside = serializers.IntegerField(
        source="outside_count",
        read_only=True,
        help_text="How many of its roles lie outside your subtrees (then you may not edit, "
        "invite or deactivate it).",
    )

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "roles_outside"]
        read_only_fields = fields


class InvitationSerializer(serializers.Serializer):
    link = serializers.CharField(
        help_text="A one-time link to set the password; whoever holds it can, so pass it on "
        "only to the person."
    )
    sms_sent = serializers.BooleanField(help_text="Whether the link also went out by SMS.")


class CreatedAccountSerializer(AccountDetailSerializer):
    invitation = InvitationSerializer(allow_null=True, read_only=True)

    class Meta(AccountDetailSerializer.Meta):
        fields = [*AccountDetailSerializer.Meta.fields, "invitation"]
        read_only_fields = fields


class AccountFilter(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        max_length=100,
        help_text="Part of a name or username, or a whole mobile number.",
    )


# The services check names, usernames and mobiles with their own messages (blank ones too);
# the lengths here only keep absurd input out.
class AccountCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    username = IdentifierField("username", max_length=200, allow_blank=True)
    mobile = IdentifierField(
        "phone", max_length=50, allow_blank=True, help_text="A mainland mobile number."
    )
    organization = id_field(help_text="Id of the organisation of the first role.")
    kind = serializers.ChoiceField(choices=RoleKind.choices, help_text="The first role.")
    send_invitation = serializers.BooleanField(
        default=True, help_text="Send the invitation link by SMS now (and return it)."
    )


class AccountUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    mobile = IdentifierField("phone", max_length=50, required=False, allow_blank=True)


class RoleGrantSerializer(serializers.Serializer):
    organization = id_field()
    kind = serializers.ChoiceField(choices=RoleKind.choices)


def _administered(actor: Any, pk: int) -> Organization:
    """An active organisation `actor` administers, or a 400 on the `organization` field."""
    organization = org_selectors.administered_organizations(actor).filter(pk=pk).first()
    if organization is None:
        raise ValidationError(
            {"organization": [_("No active organisation with this id in the area you administer.")]}
        )
    return organization


class AccountViewSet(viewsets.GenericViewSet):
    """Accounts holding a role inside the subtrees you administer, by name."""

    serializer_class = AccountSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.manageable_accounts(self.request.user)

    def _account(self, pk: str) -> User:
        return selectors.get_manageable_account(self.request.user, object_id(pk))

    def _detail(self, account: User, *, status_code: int = 200, **extra: Any) -> Response:
        actor = self.request.user
        account = selectors.search_accounts(actor).get(pk=account.pk)
        account.outside_count = selectors.outside_roles(actor, account).count()  # type: ignore[attr-defined]
        serializer = CreatedAccountSerializer if "invitation" in extra else AccountDetailSerializer
        for name, value in extra.items():
            setattr(account, name, value)
        return Response(serializer(account).data, status=status_code)

    @extend_schema(
        summary="List the accounts you manage",
        parameters=[AccountFilter],
        responses={200: AccountSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        form = AccountFilter(data=request.query_params)
        form.is_valid(raise_exception=True)
        accounts = selectors.search_accounts(request.user, form.validated_data.get("q", ""))
        page = self.paginate_queryset(accounts)
        return self.get_paginated_response(AccountSerializer(page, many=True).data)

    @extend_schema(
        summary="One account you manage",
        responses={200: AccountDetailSerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(self._account(pk))

    @extend_schema(
        summary="Create an account with its first role, and invite it",
        request=AccountCreateSerializer,
        responses={201: CreatedAccountSerializer, **errors(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        if not administers_anything(request.user):
            raise PermissionDenied(_("Only administrators manage accounts."))
        form = AccountCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        account = services.create_account(
            actor=request.user,
            name=data["name"],
            username=data["username"],
            mobile=data["mobile"],
            organization=_administered(request.user, data["organization"]),
            kind=data["kind"],
        )
        invitation = None
        if data["send_invitation"]:
            invitation = services.invite_account(
                account, actor=request.user, site_url=request.build_absolute_uri("/")
            )
        return self._detail(account, status_code=status.HTTP_201_CREATED, invitation=invitation)

    @extend_schema(
        summary="Change an account's name or mobile",
        request=AccountUpdateSerializer,
        responses={200: AccountDetailSerializer, **errors(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        account = self._account(pk)
        form = AccountUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        services.update_account(account, actor=request.user, **form.validated_data)
        return self._detail(account)

    @extend_schema(
        summary="Make a new invitation link (also sent by SMS when the account has a mobile)",
        request=None,
        responses={200: InvitationSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def invite(self, request: Request, pk: str) -> Response:
        invitation = services.invite_account(
            self._account(pk), actor=request.user, site_url=request.build_absolute_uri("/")
        )
        return Response(InvitationSerializer(invitation).data)

    @extend_schema(
        summary="Deactivate an account: it can no longer log in",
        request=None,
        responses={200: AccountDetailSerializer, **errors(401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        account = services.deactivate_account(self._account(pk), actor=request.user)
        return self._detail(account)

    @extend_schema(
        summary="Reactivate an account",
        request=None,
        responses={200: AccountDetailSerializer, **errors(401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: str) -> Response:
        account = services.reactivate_account(self._account(pk), actor=request.user)
        return self._detail(account)

    @extend_schema(
        summary="Grant a role on an organisation you administer",
        request=RoleGrantSerializer,
        responses={201: AccountRoleSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def roles(self, request: Request, pk: str) -> Response:
        account = self._account(pk)
        form = RoleGrantSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        role = services.grant_role(
            account,
            actor=request.user,
            organization=_administered(request.user, form.validated_data["organization"]),
            kind=form.validated_data["kind"],
        )
        return Response(AccountRoleSerializer(role).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke a role (on an organisation you administer)",
        parameters=[OpenApiParameter("role_id", int, OpenApiParameter.PATH)],
        request=None,
        responses={204: None, **errors(401, 403, 404)},
    )
    @action(detail=True, methods=["delete"], url_path=r"roles/(?P<role_id>[0-9]+)")
    def revoke(self, request: Request, pk: str, role_id: str) -> Response:
        account = self._account(pk)
        roles = selectors.roles_in_scope(request.user, account.roles.select_related("organization"))
        role = roles.filter(pk=object_id(role_id)).first()
        if role is None:
            raise NotFound()
        services.revoke_role(role, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
