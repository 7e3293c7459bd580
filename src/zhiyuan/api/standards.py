"""A station's six haves and a team's five haves over the API: the checklist on a date, and
recording an assessment (evidence files are added on the web page). The same selectors and
service as the pages, scoped by the access layer: a station or team outside the caller's roles
is not found."""

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import errors
from zhiyuan.api.shared import OrganizationRefSerializer, validated
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.organizations.models import Organization
from zhiyuan.reports.standards import selectors, services
from zhiyuan.reports.standards.enums import Standard, standard_of
from zhiyuan.reports.standards.models import StandardAssessment


class ChecklistQuerySerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text="The day the assessments stand on (default: today)."
    )


class EvidenceSerializer(serializers.Serializer):
    name = serializers.CharField(source="evidence_name")
    content_type = serializers.CharField(source="evidence_type")
    size = serializers.IntegerField(source="evidence_size", help_text="In bytes.")
    url = serializers.SerializerMethodField(help_text="The file, for users of the web pages.")

    def get_url(self, row: StandardAssessment) -> str:
        return reverse("reports:standard-evidence", args=[row.pk])


class AssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.CharField(source="item_code", help_text="The item's code.")
    met = serializers.BooleanField()
    assessed_on = serializers.DateField()
    assessed_by = serializers.CharField(
        source="assessed_by.name", default="", help_text="The assessor's name."
    )
    note = serializers.CharField(allow_blank=True)
    evidence = serializers.SerializerMethodField()

    def get_evidence(self, row: StandardAssessment) -> dict[str, Any] | None:
        return dict(EvidenceSerializer(row).data) if row.evidence else None


class ChecklistItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="What assessments name.")
    name = serializers.CharField(help_text="The item, in the request's language where set.")
    heading = serializers.CharField(help_text="Its column heading in Attachments 6 and 7.")
    met = serializers.BooleanField(
        allow_null=True, help_text="As the standing assessment says; null: never assessed."
    )
    assessment = AssessmentSerializer(allow_null=True)


class ChecklistSerializer(serializers.Serializer):
    organization = OrganizationRefSerializer()
    standard = serializers.ChoiceField(choices=Standard.choices)
    date = serializers.DateField()
    items = ChecklistItemSerializer(many=True)
    met = serializers.IntegerField(help_text="How many items stand met.")
    all_met = serializers.BooleanField()


class AssessmentInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=30, help_text="The code of an item in force.")
    met = serializers.BooleanField()
    assessed_on = serializers.DateField(help_text="Not in the future.")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


def _station_or_team(request: Request, organization: str) -> Organization:
    found = get_scoped_or_404(request.user, Organization.objects.all(), pk=object_id(organization))
    if not standard_of(found.kind):
        raise NotFound()
    return found


def _checklist_json(organization: Organization, day: date) -> dict[str, Any]:
    found = selectors.checklist(organization, day)
    if found is None:
        raise NotFound()
    return {
        "organization": organization,
        "standard": found.items.standard,
        "date": day,
        "items": [
            {
                "code": line.item.code,
                "name": line.item.label,
                "heading": line.item.heading,
                "met": line.met,
                "assessment": line.assessment,
            }
            for line in found.lines
        ],
        "met": found.met_count,
        "all_met": found.all_met,
    }


class ChecklistView(APIView):
    @extend_schema(
        summary="A station's six haves or a team's five haves, as assessed on a day",
        parameters=[ChecklistQuerySerializer],
        responses={200: ChecklistSerializer, **errors(400, 401, 404)},
    )
    def get(self, request: Request, organization: str) -> Response:
        query = validated(ChecklistQuerySerializer, request.query_params)
        found = _station_or_team(request, organization)
        day = query.get("date") or timezone.localdate()
        return Response(ChecklistSerializer(_checklist_json(found, day)).data)


class AssessmentView(APIView):
    @extend_schema(
        summary="Record an assessment of an item of a station or team you administer",
        request=AssessmentInputSerializer,
        responses={201: AssessmentSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, organization: str) -> Response:
        data = validated(AssessmentInputSerializer, request.data)
        found = _station_or_team(request, organization)
        row = services.assess_item(found, actor=request.user, **data)
        return Response(AssessmentSerializer(row).data, status=status.HTTP_201_CREATED)
