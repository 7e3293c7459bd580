"""Audit entries of the subtrees the user administers (as on the web's audit page): filtered by
action, dates, person and organisation; each entry's object named, and linked, where the user
may see it (never the name of an object outside their scope), its data in words."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.accounts import selectors
from zhiyuan.api.openapi import errors
from zhiyuan.api.shared import id_field
from zhiyuan.common.audit_display import describe_data, show_objects
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.selectors import administered_organizations


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = ActorSerializer(allow_null=True, help_text="Null for changes made by the system.")
    organization = serializers.IntegerField(
        source="organization_id", allow_null=True, help_text="Where in the tree it happened."
    )
    object_label = serializers.SerializerMethodField(
        help_text="The object's current name where you may see it, else its kind and id; in "
        "the request's language."
    )
    object_url = serializers.SerializerMethodField(
        help_text="The object's page on the web, where you may see it; else null."
    )
    description = serializers.SerializerMethodField(
        help_text="`data` in words, in the request's language."
    )

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "object_label",
            "object_url",
            "organization",
            "data",
            "description",
            "origin",
        ]
        read_only_fields = fields

    def get_object_label(self, entry: AuditEntry) -> str:
        return str(self.context["shown"][entry.pk].label)

    def get_object_url(self, entry: AuditEntry) -> str | None:
        url = self.context["shown"][entry.pk].url
        return self.context["request"].build_absolute_uri(url) if url else None

    def get_description(self, entry: AuditEntry) -> str:
        return describe_data(entry.data, entry.object_type)


class AuditFilter(serializers.Serializer):
    action = serializers.CharField(
        required=False,
        max_length=100,
        help_text="Action prefix, e.g. `organization.` or `organization.created`.",
    )
    since = serializers.DateField(required=False, help_text="From this local date (inclusive).")
    until = serializers.DateField(required=False, help_text="Up to this local date (inclusive).")
    actor = id_field(required=False, help_text="Who acted (user id).")
    organization = id_field(
        required=False,
        help_text="Only entries placed in this organisation's subtree (one you administer).",
    )


@extend_schema_view(
    get=extend_schema(
        parameters=[AuditFilter],
        responses={200: AuditEntrySerializer(many=True), **errors(400, 401)},
    )
)
class AuditEntryList(generics.ListAPIView):
    """Newest first; only entries placed in subtrees where the user is an administrator."""

    serializer_class = AuditEntrySerializer

    def get_queryset(self) -> QuerySet[AuditEntry]:
        form = AuditFilter(data=self.request.query_params)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        organization = None
        if "organization" in data:
            organization = (
                administered_organizations(self.request.user)
                .filter(pk=data["organization"])
                .first()
            )
            if organization is None:
                raise ValidationError(
                    {"organization": [_("No organisation with this id is administered by you.")]}
                )
        filters = selectors.AuditFilter(
            action=data.get("action", ""),
            since=data.get("since"),
            until=data.get("until"),
            person=data.get("actor"),
            organization=organization,
        )
        return selectors.audit_entries(self.request.user, filters)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        entries = list(page) if page is not None else list(self.get_queryset())
        context = {**self.get_serializer_context(), "shown": show_objects(request.user, entries)}
        data = AuditEntrySerializer(entries, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)
