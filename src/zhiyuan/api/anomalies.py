"""Anomaly flags over the API (issue 14, items 4 and 6): the flags a user oversees (list
filtered by rule and status, one flag with its evidence and the people responsible), closing
one with a reason, and the list as xlsx or PDF. Everything reads through the access layer: a
flag outside the user's scope answers 404; closing it without the administrator's role above
the organisation responsible answers 403; without a reason, 400 and nothing written.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.anomalies import exports, selectors, services
from zhiyuan.anomalies.enums import FlagState, Responsibility, Rule
from zhiyuan.anomalies.models import Flag
from zhiyuan.api.audit import ActorSerializer
from zhiyuan.api.lookups import object_id
from zhiyuan.api.memberships import VolunteerRefSerializer
from zhiyuan.api.openapi import errors
from zhiyuan.api.shared import BodyRefSerializer, OrganizationRefSerializer, validated
from zhiyuan.common.masking import mask_phone

# --- output ----------------------------------------------------------------------------------


class FlagPersonSerializer(serializers.Serializer):
    user = ActorSerializer()
    role = serializers.ChoiceField(choices=Responsibility.choices)


class FlagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.ChoiceField(choices=Rule.choices)
    state = serializers.ChoiceField(choices=FlagState.choices)
    organization = OrganizationRefSerializer(
        help_text="The organisation responsible: the deepest above every organiser or "
        "registering organisation of the evidence."
    )
    facts = serializers.DictField(help_text="What the rule measured (day, minutes, count…).")
    records = serializers.IntegerField(source="n_records", help_text="Service records named.")
    volunteers = serializers.IntegerField(source="n_volunteers", help_text="Registrations named.")
    found_at = serializers.DateTimeField()
    seen_at = serializers.DateTimeField(help_text="When a run last found the same evidence.")
    closed_by = ActorSerializer(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    close_reason = serializers.CharField()


class EvidenceRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    volunteer = VolunteerRefSerializer()
    activity = serializers.CharField(source="activity.title")
    organizer = OrganizationRefSerializer()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    actual_minutes = serializers.IntegerField()
    status = serializers.CharField()
    recorded_by = ActorSerializer(allow_null=True)
    decided_by = ActorSerializer(allow_null=True)


class EvidenceVolunteerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    registration_number = serializers.CharField(allow_null=True)
    body = BodyRefSerializer(help_text="The registration body responsible for the registration.")
    organization = OrganizationRefSerializer(help_text="Registered through.")
    registered_by = ActorSerializer(allow_null=True)
    applied_at = serializers.DateTimeField()
    mobile = serializers.SerializerMethodField(help_text="Masked.")

    def get_mobile(self, volunteer: Any) -> str:
        return mask_phone(volunteer.mobile)


class FlagDetailSerializer(FlagSerializer):
    people = FlagPersonSerializer(many=True, source="people.all")
    evidence_records = EvidenceRecordSerializer(many=True)
    evidence_volunteers = EvidenceVolunteerSerializer(many=True)


# --- input -----------------------------------------------------------------------------------


class FlagFilter(serializers.Serializer):
    rule = serializers.ChoiceField(choices=Rule.choices, required=False)
    state = serializers.ChoiceField(choices=FlagState.choices, required=False)


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, help_text="What was checked and found: required, 1–500 characters."
    )


class ExportQuery(FlagFilter):
    type = serializers.ChoiceField(choices=[("xlsx", "xlsx"), ("pdf", "pdf")])


# --- the flags -------------------------------------------------------------------------------


class FlagViewSet(viewsets.GenericViewSet):
    """Anomaly flags raised over the organisations below the user's (their superiors see
    them), open first, newest first."""

    serializer_class = FlagSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Flag]:
        return selectors.with_counts(selectors.flags(self.request.user)).select_related("closed_by")

    def _filtered(self, data: dict[str, Any]) -> QuerySet[Flag]:
        found = selectors.filter_flags(
            self.get_queryset(), rule=data.get("rule", ""), state=data.get("state", "")
        )
        return found.order_by("state", "-found_at", "-pk")

    def _detail(self, pk: str) -> Response:
        flag = self.get_queryset().filter(pk=object_id(pk)).first()
        if flag is None:
            raise Http404
        flag.evidence_records = list(selectors.evidence_records(flag))  # type: ignore[attr-defined]
        flag.evidence_volunteers = list(selectors.evidence_volunteers(flag))  # type: ignore[attr-defined]
        return Response(FlagDetailSerializer(flag).data)

    @extend_schema(
        summary="List the anomaly flags you oversee",
        parameters=[FlagFilter],
        responses={200: FlagSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        found = self._filtered(validated(FlagFilter, request.query_params))
        page = self.paginate_queryset(found)
        return self.get_paginated_response(FlagSerializer(page, many=True).data)

    @extend_schema(
        summary="One anomaly flag, with its evidence and the people responsible",
        responses={200: FlagDetailSerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(pk)

    @extend_schema(
        summary="Close an open flag, with a reason",
        description="Only administrators above the organisation responsible close a flag. "
        "A closed flag stays closed: the same evidence found again is the same flag.",
        request=CloseSerializer,
        responses={200: FlagDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        data = validated(CloseSerializer, request.data)
        flag = selectors.flag_detail(request.user, object_id(pk))
        services.close_flag(flag, actor=request.user, reason=data["reason"])
        return self._detail(pk)

    @extend_schema(
        summary="The flags you oversee as xlsx or PDF",
        parameters=[ExportQuery],
        responses={
            (200, exports.CONTENT_TYPES["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY),
            (200, exports.CONTENT_TYPES["pdf"]): OpenApiResponse(OpenApiTypes.BINARY),
            **errors(400, 401),
        },
    )
    @action(detail=False, pagination_class=None)
    def export(self, request: Request) -> HttpResponse:
        query = validated(ExportQuery, request.query_params)
        found = selectors.filter_flags(
            selectors.flags(request.user), rule=query.get("rule", ""), state=query.get("state", "")
        ).order_by("state", "-found_at", "-pk")
        made = exports.export_flags(request.user, found, kind=query["type"])
        response = HttpResponse(made.content, content_type=made.content_type)
        response["Content-Disposition"] = str(
            content_disposition_header(as_attachment=True, filename=made.name)
        )
        return response
