"""Audit entries of the subtrees the user administers (as on the web's audit page)."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers

from zhiyuan.accounts import selectors
from zhiyuan.api.openapi import errors
from zhiyuan.common.models import AuditEntry


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = ActorSerializer(allow_null=True, help_text="Null for changes made by the system.")
    organization = serializers.IntegerField(
        source="organization_id", allow_null=True, help_text="Where in the tree it happened."
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
            "organization",
            "data",
            "origin",
        ]
        read_only_fields = fields


class AuditFilter(serializers.Serializer):
    action = serializers.CharField(
        required=False,
        max_length=100,
        help_text="Action prefix, e.g. `organization.` or `organization.created`.",
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
        return selectors.audit_entries(
            self.request.user, action=form.validated_data.get("action", "")
        )
