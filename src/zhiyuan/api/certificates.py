"""Service-record certificates over the API (issue 13, items 3 and 4): the office lists, issues
and revokes the certificates of its subtrees and downloads their PDFs; a volunteer (volunteer
token) lists theirs, asks for one and downloads it; anyone checks a certificate by its number.

Everything reads through the access layer: certificates outside the user's subtrees answer 404;
writes the user's role does not allow answer 403. The public check answers every malformed or
unknown number alike (200, verdict "not_found") and is limited per address, one budget with the
/verify/ page (`certificates.throttles.VerificationThrottle`).
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.api.audit import ActorSerializer
from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import errors
from zhiyuan.api.public import PublicView
from zhiyuan.api.shared import OrganizationRefSerializer, id_field, validated
from zhiyuan.api.volunteer_auth import VolunteerView
from zhiyuan.certificates import documents, permissions, selectors, services
from zhiyuan.certificates.enums import CertificateStatus, Verdict
from zhiyuan.certificates.models import Certificate
from zhiyuan.certificates.throttles import VerificationThrottle
from zhiyuan.common.identity import DocumentType
from zhiyuan.hours import rules
from zhiyuan.organizations.access import get_scoped_or_404, in_subtree
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

PDF_ANSWER = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="A4.")}

# --- output ----------------------------------------------------------------------------------


class ActivityLineSerializer(serializers.Serializer):
    title = serializers.CharField()
    minutes = serializers.IntegerField()
    records = serializers.IntegerField()


class CertificateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="ZY<year>-XXXX-XXXX-XXXX.")
    status = serializers.ChoiceField(choices=CertificateStatus.choices)
    volunteer = serializers.IntegerField(source="volunteer_id")
    name = serializers.CharField()
    document_type = serializers.ChoiceField(choices=DocumentType.choices)
    document_number = serializers.CharField(
        source="document_masked", help_text="Masked, e.g. 43**************3X."
    )
    full_number_printed = serializers.SerializerMethodField(
        help_text="Whether the PDF prints the full ID number (the volunteer asked for it)."
    )
    registration_number = serializers.CharField()
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    minutes = serializers.IntegerField(help_text="Counted minutes of the confirmed records.")
    hours = serializers.SerializerMethodField(help_text="`minutes` as hours, two decimals.")
    record_count = serializers.IntegerField()
    activities = ActivityLineSerializer(many=True)
    per_activity = serializers.BooleanField(help_text="Whether the PDF lists the activities.")
    content = serializers.CharField(help_text="The service content.")
    issuer = OrganizationRefSerializer()
    issuer_name = serializers.CharField(help_text="As printed on the day of issue.")
    person_in_charge = serializers.CharField()
    handler = serializers.CharField()
    contact = serializers.CharField()
    issued_on = serializers.DateField()
    issued_at = serializers.DateTimeField()
    issued_by = ActorSerializer(allow_null=True)
    requested_by_volunteer = serializers.BooleanField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_by = ActorSerializer(allow_null=True)
    revocation_reason = serializers.CharField()
    check_url = serializers.SerializerMethodField(help_text="The public check (the QR code).")

    def get_full_number_printed(self, certificate: Certificate) -> bool:
        return bool(certificate.document_number)

    def get_hours(self, certificate: Certificate) -> str:
        return f"{rules.hours(certificate.minutes):.2f}"

    def get_check_url(self, certificate: Certificate) -> str:
        return _check_url(self.context["request"], certificate)


class VerificationSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=Verdict.choices,
        help_text="not_found for every malformed or unknown number, and for a certificate "
        "altered after it was issued.",
    )
    number = serializers.CharField(allow_null=True)
    issuer = serializers.CharField(allow_null=True)
    issued_on = serializers.DateField(allow_null=True)
    name = serializers.CharField(allow_null=True, help_text="Masked, e.g. 欧**兰.")
    hours = serializers.CharField(allow_null=True, help_text="Two decimals.")
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)


# --- input -----------------------------------------------------------------------------------


class CertificateFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=CertificateStatus.choices, required=False)
    volunteer = id_field(required=False)
    issuer = id_field(required=False, help_text="Only this organisation's subtree.")
    q = serializers.CharField(
        required=False, max_length=50, help_text="A certificate or registration number, a name."
    )


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False, allow_null=True, help_text="From this local day (none: all records)."
    )
    end = serializers.DateField(
        required=False, allow_null=True, help_text="Up to this local day, included."
    )
    per_activity = serializers.BooleanField(default=False)
    full_number = serializers.BooleanField(
        default=False, help_text="Only when the volunteer asked for their full ID number."
    )


class IssueSerializer(PeriodSerializer):
    issuer = id_field(help_text="The organisation that recorded the hours (or an association).")
    registration_number = serializers.CharField(max_length=40)


class RequestSerializer(PeriodSerializer):
    volunteer = id_field(help_text="One of your registrations.")
    issuer = id_field(help_text="One of the organisations that recorded your hours.")


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


# --- helpers ---------------------------------------------------------------------------------


def _check_url(request: Any, certificate: Certificate) -> str:
    return str(
        request.build_absolute_uri(reverse("public:verify-number", args=[certificate.number]))
    )


def _pdf(request: Request, certificate: Certificate, actor: Any) -> HttpResponse:
    content = services.print_certificate(
        certificate, actor=actor, check_url=_check_url(request, certificate)
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=True, filename=documents.file_name(certificate))
    )
    return response


def _answer(request: Request, data: Any, *, many: bool = False, code: int = 200) -> Response:
    body = CertificateSerializer(data, many=many, context={"request": request}).data
    return Response(body, status=code)


# --- the office ------------------------------------------------------------------------------


class CertificateViewSet(viewsets.GenericViewSet):
    """Certificates issued in the user's subtrees, newest first."""

    serializer_class = CertificateSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Certificate]:
        return selectors.certificates(self.request.user).order_by("-issued_at", "-pk")

    def _certificate(self, pk: str) -> Certificate:
        return get_scoped_or_404(self.request.user, self.get_queryset(), pk=object_id(pk))

    @extend_schema(
        summary="List the certificates issued in your subtrees",
        parameters=[CertificateFilter],
        responses={200: CertificateSerializer(many=True), **errors(400, 401, 404)},
    )
    def list(self, request: Request) -> Response:
        data = validated(CertificateFilter, request.query_params)
        found = self.get_queryset()
        if "status" in data:
            found = found.filter(status=data["status"])
        if "volunteer" in data:
            found = found.filter(volunteer_id=data["volunteer"])
        if "issuer" in data:
            issuer = get_scoped_or_404(request.user, Organization.objects.all(), pk=data["issuer"])
            found = in_subtree(found, issuer)
        if data.get("q", "").strip():
            text = data["q"].strip()
            found = found.filter(
                Q(number=selectors.normalize_number(text) or text)
                | Q(name=text)
                | Q(registration_number=text)
            )
        page = self.paginate_queryset(found)
        return self.get_paginated_response(
            CertificateSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        summary="One certificate", responses={200: CertificateSerializer, **errors(401, 404)}
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return _answer(request, self._certificate(pk))

    @extend_schema(
        summary="Issue a certificate of a volunteer's confirmed hours (the issuer's leaders)",
        description="The hours are the confirmed records the issuer organised (a volunteer "
        "association: those of its area) on the local days `start` to `end`. A period without "
        "confirmed hours is refused (400) with a message naming it, alike for an unknown "
        "registration number. 民政部令第67号 第十八条.",
        request=IssueSerializer,
        responses={201: CertificateSerializer, **errors(400, 401, 403, 404)},
    )
    def create(self, request: Request) -> Response:
        data = validated(IssueSerializer, request.data)
        issuer = get_scoped_or_404(request.user, Organization.objects.all(), pk=data["issuer"])
        volunteer = selectors.volunteer_by_number(data["registration_number"])
        permissions.require_issues_for(request.user, issuer)
        if volunteer is None:
            raise services.no_hours(issuer, data.get("start"), data.get("end"))
        certificate = services.issue_certificate(
            volunteer,
            issuer=issuer,
            actor=request.user,
            start=data.get("start"),
            end=data.get("end"),
            per_activity=data["per_activity"],
            full_number=data["full_number"],
        )
        return _answer(request, self.get_queryset().get(pk=certificate.pk), code=201)

    @extend_schema(
        summary="Revoke a certificate with a reason (a new one is issued, never one changed)",
        request=RevokeSerializer,
        responses={200: CertificateSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        certificate = self._certificate(pk)
        data = validated(RevokeSerializer, request.data)
        services.revoke_certificate(certificate, actor=request.user, reason=data["reason"])
        return _answer(request, self.get_queryset().get(pk=certificate.pk))

    @extend_schema(
        summary="The certificate's PDF",
        responses={**PDF_ANSWER, **errors(401, 404)},
    )
    @action(detail=True, pagination_class=None)
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        return _pdf(request, self._certificate(pk), request.user)


# --- the volunteer ---------------------------------------------------------------------------


class VolunteerCertificateView(VolunteerView):
    def _mine(self) -> QuerySet[Certificate]:
        return selectors.certificates_of_volunteers(self.session().mobile_digest)

    @extend_schema(
        summary="Your certificates, newest first",
        responses={200: CertificateSerializer(many=True), **errors(401)},
    )
    def get(self, request: Request) -> Response:
        return _answer(request, list(self._mine()[:100]), many=True)

    @extend_schema(
        summary="Ask for a certificate of your confirmed hours (issued at once)",
        description="`issuer` is an organisation that recorded confirmed hours of the "
        "registration (or a volunteer association of their area). A period without confirmed "
        "hours is refused (400) with a message naming it. 民政部令第67号 第十八条.",
        request=RequestSerializer,
        responses={201: CertificateSerializer, **errors(400, 401, 404)},
    )
    def post(self, request: Request) -> Response:
        data = validated(RequestSerializer, request.data)
        volunteer = Volunteer.objects.filter(
            pk=data["volunteer"], mobile_digest=self.session().mobile_digest
        ).first()
        issuer = Organization.objects.filter(pk=data["issuer"], is_active=True).first()
        if volunteer is None or issuer is None:
            raise NotFound()
        if not volunteer.registration_number:
            raise ValidationError({"volunteer": [_("Confirm your registration first.")]})
        certificate = services.request_certificate(
            volunteer,
            issuer=issuer,
            start=data.get("start"),
            end=data.get("end"),
            per_activity=data["per_activity"],
            full_number=data["full_number"],
        )
        return _answer(request, certificate, code=status.HTTP_201_CREATED)


class VolunteerCertificatePdfView(VolunteerView):
    @extend_schema(
        summary="One of your certificates as a PDF", responses={**PDF_ANSWER, **errors(401, 404)}
    )
    def get(self, request: Request, number: str) -> HttpResponse:
        certificate = (
            selectors.certificates_of_volunteers(self.session().mobile_digest)
            .filter(number=selectors.normalize_number(number) or "-")
            .first()
        )
        if certificate is None:
            raise NotFound()
        return _pdf(request, certificate, None)


# --- the public check ------------------------------------------------------------------------


class PublicCertificateCheck(PublicView):
    """Anyone checks a certificate by its number (what its QR code carries)."""

    throttle_classes = [*PublicView.throttle_classes, VerificationThrottle]

    @extend_schema(
        operation_id="public_certificate_check",
        summary="Check a service-record certificate by its number",
        description="Genuine and valid, revoked, or not found, with only the issuer, the date, "
        "the masked name and the hours. Every malformed or unknown number answers alike.",
        responses={200: VerificationSerializer, **errors(429)},
        auth=[],
    )
    def get(self, request: Request, number: str) -> Response:
        check = selectors.verify(number)
        body = {
            "verdict": check.verdict,
            "number": check.number or None,
            "issuer": check.issuer or None,
            "issued_on": check.issued_on,
            "name": check.name or None,
            "hours": f"{check.hours:.2f}" if check.hours is not None else None,
            "period_start": check.period_start,
            "period_end": check.period_end,
        }
        return Response(VerificationSerializer(body).data)
