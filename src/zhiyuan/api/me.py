"""The logged-in user and their roles."""

from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from zhiyuan.accounts.models import Role, User
from zhiyuan.api.openapi import errors
from zhiyuan.common.masking import mask_phone
from zhiyuan.organizations.enums import RoleKind


class RoleOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    is_active = serializers.BooleanField(
        help_text="Roles on an inactive organisation give no access."
    )


class RoleSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=RoleKind.choices)
    organization = RoleOrganizationSerializer()

    class Meta:
        model = Role
        fields = ["kind", "organization"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    mobile = serializers.CharField(help_text="Masked, e.g. 138****8000; empty if none.")
    roles = RoleSerializer(many=True)


class MeView(APIView):
    """Who is logged in, and the roles that decide what they see."""

    @extend_schema(responses={200: MeSerializer, **errors(401)})
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)
        roles = (
            Role.objects.filter(user=user)
            .select_related("organization")
            .order_by("organization__path", "kind")
        )
        body = {
            "id": user.pk,
            "username": user.username,
            "name": user.name,
            "mobile": mask_phone(user.mobile),
            "roles": roles,
        }
        return Response(MeSerializer(body).data)
