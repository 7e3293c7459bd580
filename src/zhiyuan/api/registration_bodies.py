"""Registration bodies (注册机构, MISSION §2) and their delegations, through the access layer.

Reads show the bodies whose organisation the user's roles cover; others answer 404.
Designating a body and granting or revoking a delegation need an administrator role on the
body's organisation or one above it: the services check that (403 with their reason) and the
rules (400 with field keys).
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.api.audit import ActorSerializer
from zhiyuan.api.fields import IdentifierField
from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import errors
from zhiyuan.api.shared import OrganizationRefSerializer, id_field, validated
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.selectors import visible_organizations
from zhiyuan.volunteers import selectors, services
from zhiyuan.volunteers.models import Delegation, RegistrationBody


class RegistrationBodySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text="Starts its registration numbers (Attachment 2).")
    organization = OrganizationRefSerializer()
    is_active = serializers.BooleanField()
    designated_at = serializers.DateTimeField()


class DesignationSerializer(serializers.Serializer):
    organization = id_field(help_text="An association, centre, work unit or team you administer.")
    code = IdentifierField(
        "code",
        max_length=20,
        help_text="2–12 capital letters or digits; no code may start another.",
    )


class DelegationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.IntegerField(source="body_id", help_text="The registration body's id.")
    organization = OrganizationRefSerializer(help_text="Registers volunteers for the body.")
    note = serializers.CharField()
    granted_at = serializers.DateTimeField()
    granted_by = ActorSerializer(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_by = ActorSerializer(allow_null=True)
    is_live = serializers.BooleanField(help_text="Not revoked: registrations go through it.")


class DelegationGrantSerializer(serializers.Serializer):
    organization = id_field(
        help_text="A community organisation or district unit in the area of the body's parent."
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RegistrationBodyViewSet(viewsets.GenericViewSet):
    """Registration bodies whose organisation lies in the user's subtrees, by code."""

    serializer_class = RegistrationBodySerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[RegistrationBody]:
        return selectors.registration_bodies(self.request.user)

    def _body(self, pk: str) -> RegistrationBody:
        return get_scoped_or_404(self.request.user, self.get_queryset(), pk=object_id(pk))

    @extend_schema(
        summary="List the registration bodies in your subtrees",
        responses={200: RegistrationBodySerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RegistrationBodySerializer(page, many=True).data)

    @extend_schema(
        summary="One registration body",
        responses={200: RegistrationBodySerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(RegistrationBodySerializer(self._body(pk)).data)

    @extend_schema(
        summary="Make an organisation a registration body (administrators above it)",
        request=DesignationSerializer,
        responses={201: RegistrationBodySerializer, **errors(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        data = validated(DesignationSerializer, request.data)
        visible = visible_organizations(request.user)
        organization = visible.filter(pk=data["organization"]).first()
        if organization is None:
            raise ValidationError({"organization": [_("No organisation with this id is visible.")]})
        body = services.designate_body(organization, code=data["code"], actor=request.user)
        return Response(RegistrationBodySerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="The body's delegations, live and revoked, newest first",
        responses={200: DelegationSerializer(many=True), **errors(400, 401, 404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record the body's consent that an organisation registers for it (administrators)",
        request=DelegationGrantSerializer,
        responses={201: DelegationSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["get", "post"])
    def delegations(self, request: Request, pk: str) -> Response:
        body = self._body(pk)
        if request.method == "POST":
            return self._grant(request, body)
        page = self.paginate_queryset(selectors.delegations(request.user).filter(body=body))
        return self.get_paginated_response(DelegationSerializer(page, many=True).data)

    def _grant(self, request: Request, body: RegistrationBody) -> Response:
        data = validated(DelegationGrantSerializer, request.data)
        # The organisation may lie outside the user's subtrees (anywhere in the area of the
        # body's parent); the service checks the area and the user's role on the body.
        organization = Organization.objects.filter(pk=data["organization"]).first()
        if organization is None:
            raise ValidationError({"organization": [_("No organisation has this id.")]})
        delegation = services.grant_delegation(
            body, organization, actor=request.user, note=data["note"]
        )
        delegation = selectors.delegations(request.user).get(pk=delegation.pk)
        return Response(DelegationSerializer(delegation).data, status=status.HTTP_201_CREATED)


class DelegationViewSet(viewsets.GenericViewSet):
    """Delegations of the bodies in the user's subtrees (listed under each body)."""

    serializer_class = DelegationSerializer
    http_method_names = ["post", "options"]

    def get_queryset(self) -> QuerySet[Delegation]:
        return selectors.delegations(self.request.user)

    @extend_schema(
        summary="Revoke a delegation (administrators of the body); its registrations stay",
        request=None,
        responses={200: DelegationSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        delegation = get_scoped_or_404(request.user, self.get_queryset(), pk=object_id(pk))
        services.revoke_delegation(delegation, actor=request.user)
        return Response(DelegationSerializer(self.get_queryset().get(pk=delegation.pk)).data)
