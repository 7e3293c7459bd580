"""Award campaigns (评选表彰) over the API: campaigns (list, open, quotas, the ranking, the
shortlist, fixing the results), nominations (list with the volunteers' counted hours, nominate
with optional evidence as multipart, score, withdraw), objections (the office's list and
answer), and the public shortlist and results with the objection form. The same services and
selectors as the pages, scoped by the access layer: objects outside the caller's roles answer
404; acts the caller's roles do not allow answer 403."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import errors
from zhiyuan.api.public import PublicView
from zhiyuan.api.shared import OrganizationRefSerializer, id_field, validated
from zhiyuan.awards import permissions, selectors, services
from zhiyuan.awards.enums import (
    CampaignStatus,
    CategoryKind,
    NominationStatus,
    ObjectionStatus,
    Stage,
    Subject,
)
from zhiyuan.awards.models import Campaign, Nomination, Objection
from zhiyuan.awards.throttles import ObjectionThrottle
from zhiyuan.common.masking import mask_name
from zhiyuan.hours import rules
from zhiyuan.organizations.access import scope
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.selectors import ledger

# --- output ----------------------------------------------------------------------------------


class AwardCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CategoryKind.choices)
    name = serializers.CharField()
    subject = serializers.ChoiceField(choices=Subject.choices, help_text="Who it honours.")
    places = serializers.IntegerField(help_text="Awards it gives: the shortlist's length.")


class AwardQuotaSerializer(serializers.Serializer):
    category = serializers.IntegerField(source="category_id")
    unit = OrganizationRefSerializer()
    places = serializers.IntegerField(help_text="Nominations the unit's subtree may make.")
    made = serializers.IntegerField(help_text="Live nominations made under it.")


class AwardCampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = OrganizationRefSerializer(help_text="The city or district that opened it.")
    title = serializers.CharField()
    year = serializers.IntegerField()
    criteria = serializers.CharField()
    nominations_close = serializers.DateField(help_text="Last day of nominations (local).")
    review_ends = serializers.DateField(help_text="Last day of scoring (local).")
    notice_days = serializers.IntegerField(
        help_text="Working days of the public notice (weekends and configured holidays skipped)."
    )
    notice_starts = serializers.DateField(allow_null=True)
    notice_ends = serializers.DateField(allow_null=True)
    fixed_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=CampaignStatus.choices)
    stage = serializers.ChoiceField(choices=Stage.choices, help_text="What may happen today.")
    categories = AwardCategorySerializer(many=True)


class AwardCampaignDetailSerializer(AwardCampaignSerializer):
    quotas = AwardQuotaSerializer(many=True)


def _campaign_json(campaign: Campaign, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        **{
            key: getattr(campaign, key)
            for key in (
                "id",
                "organization",
                "title",
                "year",
                "criteria",
                "nominations_close",
                "review_ends",
                "notice_days",
                "notice_starts",
                "notice_ends",
                "fixed_on",
                "status",
            )
        },
        "stage": campaign.stage(),
        "categories": list(campaign.categories.all()),
    }
    if detail:
        data["quotas"] = [
            {"category_id": q.category_id, "unit": q.unit, "places": q.places, "made": made}
            for q, made in selectors.quotas(campaign)
        ]
    return data


class AwardNomineeSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(allow_null=True, help_text="The registration's id.")
    organization = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    registration_number = serializers.CharField(allow_blank=True)


class AwardNominationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.IntegerField()
    category = serializers.IntegerField()
    nominator = OrganizationRefSerializer()
    nominee = AwardNomineeSerializer()
    project_title = serializers.CharField(allow_blank=True)
    citation = serializers.CharField()
    has_evidence = serializers.BooleanField()
    hours = serializers.CharField(help_text="The volunteer's counted hours now, two decimals.")
    hours_when_nominated = serializers.CharField(help_text="Counted hours when nominated.")
    status = serializers.ChoiceField(choices=NominationStatus.choices)
    score_count = serializers.IntegerField()
    average = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    award_number = serializers.CharField(allow_blank=True)
    awarded_on = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()


def _hours(minutes: int) -> str:
    return f"{rules.hours(minutes):.2f}"


def _nomination_json(row: Nomination) -> dict[str, Any]:
    return {
        "id": row.pk,
        "campaign": row.campaign_id,
        "category": row.category_id,
        "nominator": row.nominator,
        "nominee": {
            "volunteer": row.volunteer_id,
            "organization": row.organization_id,
            "name": row.nominee_name,
            "registration_number": (row.volunteer.registration_number or "")
            if row.volunteer
            else "",
        },
        "project_title": row.project_title,
        "citation": row.citation,
        "has_evidence": bool(row.evidence),
        "hours": _hours(int(getattr(row, "counted_minutes", 0) or 0)),
        "hours_when_nominated": _hours(row.hours_minutes),
        "status": row.status,
        "score_count": row.score_count,
        "average": row.average,
        "rank": row.rank,
        "award_number": row.award_number,
        "awarded_on": row.awarded_on,
        "created_at": row.created_at,
    }


class AwardStandingSerializer(serializers.Serializer):
    nomination = serializers.IntegerField()
    name = serializers.CharField()
    average = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    score_count = serializers.IntegerField()
    rank = serializers.IntegerField(allow_null=True)
    shortlist = serializers.BooleanField(help_text="Within the category's awards.")


class AwardRankingSerializer(serializers.Serializer):
    category = AwardCategorySerializer()
    standings = AwardStandingSerializer(many=True)


class AwardObjectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nomination = serializers.IntegerField(source="nomination_id")
    text = serializers.CharField()
    status = serializers.ChoiceField(choices=ObjectionStatus.choices)
    answer = serializers.CharField(allow_blank=True)
    lodged_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)


# --- input -----------------------------------------------------------------------------------


class AwardCategoryInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CategoryKind.choices)
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    subject = serializers.ChoiceField(
        choices=Subject.choices, required=False, help_text="Needed for kind other."
    )
    places = serializers.IntegerField(min_value=1, max_value=1000)


class AwardCampaignCreateSerializer(serializers.Serializer):
    organization = id_field(help_text="A city- or district-level organisation you administer.")
    title = serializers.CharField(max_length=100)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    criteria = serializers.CharField(max_length=2000)
    nominations_close = serializers.DateField()
    review_ends = serializers.DateField()
    notice_days = serializers.IntegerField(
        min_value=5,
        max_value=60,
        default=7,
        help_text="Working days of the public notice (weekends and configured holidays skipped).",
    )
    categories = AwardCategoryInputSerializer(many=True, allow_empty=False)


class AwardQuotaInputSerializer(serializers.Serializer):
    category = id_field()
    unit = id_field(help_text="An organisation inside the campaign's.")
    places = serializers.IntegerField(min_value=0, max_value=1000)


class AwardNominationCreateSerializer(serializers.Serializer):
    campaign = id_field()
    nominator = id_field(help_text="An organisation you administer, inside the campaign's.")
    category = id_field()
    volunteer = id_field(required=False, help_text="A registration in your area.")
    organization = id_field(required=False, help_text="An organisation in your area.")
    project_title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    citation = serializers.CharField(max_length=1000)
    evidence = serializers.FileField(
        required=False, help_text="A JPEG or PNG photo or a PDF of at most 10 MB (multipart)."
    )


class AwardScoreInputSerializer(serializers.Serializer):
    score = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=0, max_value=100, help_text="0 to 100."
    )
    comment = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AwardReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class AwardAnswerInputSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(help_text="Upheld: the nomination is disqualified.")
    answer = serializers.CharField(max_length=1000)


class AwardCampaignFilter(serializers.Serializer):
    campaign = id_field(required=False)


# --- the office's endpoints ------------------------------------------------------------------


class AwardCampaignViewSet(viewsets.GenericViewSet):
    """Award campaigns you see (your organisations', and those above them), newest first."""

    serializer_class = AwardCampaignSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaigns(self.request.user).prefetch_related("categories")

    def _campaign(self, pk: str) -> Campaign:
        found = self.get_queryset().filter(pk=object_id(pk)).first()
        if found is None:
            raise NotFound()
        return found

    @extend_schema(
        summary="List the award campaigns you see",
        responses={200: AwardCampaignSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        data = [_campaign_json(c) for c in page]
        return self.get_paginated_response(AwardCampaignSerializer(data, many=True).data)

    @extend_schema(
        summary="An award campaign, with its quotas",
        responses={200: AwardCampaignDetailSerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        found = self._campaign(pk)
        return Response(AwardCampaignDetailSerializer(_campaign_json(found, detail=True)).data)

    @extend_schema(
        summary="Open an award campaign (a city's or district's administrators)",
        request=AwardCampaignCreateSerializer,
        responses={201: AwardCampaignDetailSerializer, **errors(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        data = validated(AwardCampaignCreateSerializer, request.data)
        organization = (
            scope(request.user, Organization.objects.all())
            .filter(pk=data.pop("organization"))
            .first()
        )
        if organization is None:
            raise ValidationError(
                {"organization": [_("No organisation with this id is inside your area.")]}
            )
        categories = [services.CategoryInput(**item) for item in data.pop("categories")]
        made = services.open_campaign(
            organization, actor=request.user, categories=categories, **data
        )
        body = AwardCampaignDetailSerializer(_campaign_json(made, detail=True)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Set a unit's quota of nominations in a category (the campaign's office)",
        request=AwardQuotaInputSerializer,
        responses={200: AwardCampaignDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def quotas(self, request: Request, pk: str) -> Response:
        found = self._campaign(pk)
        data = validated(AwardQuotaInputSerializer, request.data)
        category = found.categories.filter(pk=data["category"]).first()
        unit = Organization.objects.filter(pk=data["unit"]).first()
        if category is None or unit is None:
            raise ValidationError({"unit": [_("Choose a category and a unit of this campaign.")]})
        services.set_quota(
            found, actor=request.user, category=category, unit=unit, places=data["places"]
        )
        return Response(AwardCampaignDetailSerializer(_campaign_json(found, detail=True)).data)

    @extend_schema(
        summary="Each category's ranking by average score (the office and reviewers)",
        responses={200: AwardRankingSerializer(many=True), **errors(401, 404)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def ranking(self, request: Request, pk: str) -> Response:
        found = self._campaign(pk)
        if not permissions.may_review(request.user, found):
            raise NotFound()
        data = [
            {
                "category": category,
                "standings": [
                    {
                        "nomination": s.nomination.pk,
                        "name": s.nomination.nominee_name,
                        "average": s.average,
                        "score_count": s.score_count,
                        "rank": s.rank,
                        "shortlist": s.rank is not None and s.rank <= category.places,
                    }
                    for s in selectors.ranked(category)
                ],
            }
            for category in found.categories.all()
        ]
        return Response(AwardRankingSerializer(data, many=True).data)

    @extend_schema(
        summary="Publish the shortlist for the notice period (after the review ends)",
        request=None,
        responses={200: AwardCampaignDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def shortlist(self, request: Request, pk: str) -> Response:
        found = services.publish_shortlist(self._campaign(pk), actor=request.user)
        return Response(AwardCampaignDetailSerializer(_campaign_json(found, detail=True)).data)

    @extend_schema(
        summary="Fix and publish the results (after the notice, every objection answered)",
        request=None,
        responses={200: AwardCampaignDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def fix(self, request: Request, pk: str) -> Response:
        found = services.fix_results(self._campaign(pk), actor=request.user)
        return Response(AwardCampaignDetailSerializer(_campaign_json(found, detail=True)).data)

    @extend_schema(
        summary="The objections lodged in a campaign (its office)",
        responses={200: AwardObjectionSerializer(many=True), **errors(401, 404)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def objections(self, request: Request, pk: str) -> Response:
        found = self._campaign(pk)
        if not permissions.may_manage(request.user, found):
            raise NotFound()
        return Response(AwardObjectionSerializer(selectors.objections(found), many=True).data)


class AwardNominationViewSet(viewsets.GenericViewSet):
    """Nominations made by organisations in your subtrees (a campaign's office sees all of its
    campaign's), with the volunteers' counted hours (one query for the page)."""

    serializer_class = AwardNominationSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Nomination]:
        return selectors.with_hours(selectors.nominations(self.request.user)).order_by(
            "campaign_id", "category_id", "rank", "pk"
        )

    def _nomination(self, pk: str) -> Nomination:
        found = self.get_queryset().filter(pk=object_id(pk)).first()
        if found is None:
            raise NotFound()
        return found

    @extend_schema(
        summary="List the nominations you see",
        parameters=[AwardCampaignFilter],
        responses={200: AwardNominationSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        query = validated(AwardCampaignFilter, request.query_params)
        rows = self.get_queryset()
        if query.get("campaign"):
            rows = rows.filter(campaign_id=query["campaign"])
        page = self.paginate_queryset(rows) or []
        data = [_nomination_json(row) for row in page]
        return self.get_paginated_response(AwardNominationSerializer(data, many=True).data)

    @extend_schema(
        summary="A nomination",
        responses={200: AwardNominationSerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(AwardNominationSerializer(_nomination_json(self._nomination(pk))).data)

    @extend_schema(
        summary="Nominate a volunteer or an organisation of your organisation's subtree",
        request={
            "application/json": AwardNominationCreateSerializer,
            "multipart/form-data": AwardNominationCreateSerializer,
        },
        responses={201: AwardNominationSerializer, **errors(400, 401, 403, 404)},
    )
    def create(self, request: Request) -> Response:
        data = validated(AwardNominationCreateSerializer, request.data)
        user = request.user
        campaign = selectors.campaigns(user).filter(pk=data["campaign"]).first()
        if campaign is None:
            raise NotFound(_("No campaign with this id is open to you."))
        nominator = scope(user, Organization.objects.all()).filter(pk=data["nominator"]).first()
        category = campaign.categories.filter(pk=data["category"]).first()
        if nominator is None or category is None:
            raise ValidationError({"nominator": [_("Choose your organisation and a category.")]})
        volunteer = organization = None
        if data.get("volunteer"):
            volunteer = ledger(user).filter(pk=data["volunteer"]).first()
            if volunteer is None:
                raise ValidationError(
                    {"volunteer": [_("No volunteer with this id is in your area.")]}
                )
        if data.get("organization"):
            organization = (
                scope(user, Organization.objects.all()).filter(pk=data["organization"]).first()
            )
            if organization is None:
                raise ValidationError(
                    {"organization": [_("No organisation with this id is inside your area.")]}
                )
        made = services.nominate(
            campaign,
            actor=user,
            nominator=nominator,
            category=category,
            volunteer=volunteer,
            organization=organization,
            project_title=data.get("project_title", ""),
            citation=data["citation"],
            evidence=data.get("evidence"),
        )
        body = AwardNominationSerializer(_nomination_json(self._nomination(str(made.pk)))).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Score a nomination, once (the campaign's reviewers)",
        request=AwardScoreInputSerializer,
        responses={201: AwardNominationSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def scores(self, request: Request, pk: str) -> Response:
        row = self._nomination(pk)
        data = validated(AwardScoreInputSerializer, request.data)
        services.score_nomination(row, actor=request.user, **data)
        body = AwardNominationSerializer(_nomination_json(self._nomination(pk))).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Withdraw a nomination while nominations are open (the nominator)",
        request=AwardReasonSerializer,
        responses={200: AwardNominationSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        row = self._nomination(pk)
        data = validated(AwardReasonSerializer, request.data)
        services.withdraw_nomination(row, actor=request.user, reason=data["reason"])
        return Response(AwardNominationSerializer(_nomination_json(self._nomination(pk))).data)


class AwardObjectionViewSet(viewsets.GenericViewSet):
    """Objections to the shortlists of the campaigns you run."""

    serializer_class = AwardObjectionSerializer
    http_method_names = ["post", "options"]

    def get_queryset(self) -> QuerySet[Objection]:
        return Objection.objects.filter(campaign__in=selectors.campaigns(self.request.user))

    @extend_schema(
        summary="Answer an objection (the campaign's office); upheld disqualifies the entry",
        request=AwardAnswerInputSerializer,
        responses={200: AwardObjectionSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        found = (
            self.get_queryset()
            .select_related("campaign__organization")
            .filter(pk=object_id(pk))
            .first()
        )
        if found is None:
            raise NotFound()
        data = validated(AwardAnswerInputSerializer, request.data)
        answered = services.answer_objection(found, actor=request.user, **data)
        return Response(AwardObjectionSerializer(answered).data)


# --- public ----------------------------------------------------------------------------------


class PublicAwardEntrySerializer(serializers.Serializer):
    nomination = serializers.IntegerField()
    category = serializers.CharField()
    name = serializers.CharField(help_text="A volunteer's name masked (张*明).")
    nominated_by = serializers.CharField()
    citation = serializers.CharField()
    award_number = serializers.CharField(allow_blank=True)


class PublicAwardCampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.CharField()
    title = serializers.CharField()
    year = serializers.IntegerField()
    criteria = serializers.CharField()
    status = serializers.ChoiceField(choices=CampaignStatus.choices)
    notice_starts = serializers.DateField(allow_null=True)
    notice_ends = serializers.DateField(allow_null=True)
    fixed_on = serializers.DateField(allow_null=True)
    objections_open = serializers.BooleanField(help_text="Whether objections are taken today.")


class PublicAwardCampaignDetailSerializer(PublicAwardCampaignSerializer):
    entries = PublicAwardEntrySerializer(many=True)


def _public_json(campaign: Campaign, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": campaign.pk,
        "organization": campaign.organization.name,
        "title": campaign.title,
        "year": campaign.year,
        "criteria": campaign.criteria,
        "status": campaign.status,
        "notice_starts": campaign.notice_starts,
        "notice_ends": campaign.notice_ends,
        "fixed_on": campaign.fixed_on,
        "objections_open": campaign.stage() == Stage.NOTICE,
    }
    if detail:
        data["entries"] = [
            {
                "nomination": row.pk,
                "category": row.category.name,
                "name": mask_name(str(row.volunteer.name)) if row.volunteer else row.nominee_name,
                "nominated_by": row.nominator.name,
                "citation": row.citation,
                "award_number": row.award_number,
            }
            for row in selectors.public_entries(campaign)
        ]
    return data


class PublicAwardCampaignList(PublicView):
    @extend_schema(
        summary="Award campaigns whose shortlist is on notice or whose results are published",
        responses={200: PublicAwardCampaignSerializer(many=True), **errors(429)},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        rows = [_public_json(c) for c in selectors.public_campaigns()[:100]]
        return Response(PublicAwardCampaignSerializer(rows, many=True).data)


class PublicAwardCampaignDetail(PublicView):
    @extend_schema(
        summary="A campaign's shortlist on notice, or its results",
        responses={200: PublicAwardCampaignDetailSerializer, **errors(404, 429)},
        auth=[],
    )
    def get(self, request: Request, pk: str) -> Response:
        found = selectors.public_campaigns().filter(pk=object_id(pk)).first()
        if found is None:
            raise NotFound()
        return Response(PublicAwardCampaignDetailSerializer(_public_json(found, detail=True)).data)


class PublicAwardObjectionInputSerializer(serializers.Serializer):
    nomination = id_field(help_text="An entry of a shortlist on notice.")
    text = serializers.CharField(min_length=10, max_length=1000)


class PublicAwardObjectionSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text="Keep it to read the answer.")
    status = serializers.ChoiceField(choices=ObjectionStatus.choices)
    answer = serializers.CharField(allow_blank=True)


class PublicObjectionCreate(PublicView):
    throttle_classes = [*PublicView.throttle_classes, ObjectionThrottle]

    @extend_schema(
        summary="Object to an entry of a shortlist on notice (no log-in)",
        request=PublicAwardObjectionInputSerializer,
        responses={201: PublicAwardObjectionSerializer, **errors(400, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = validated(PublicAwardObjectionInputSerializer, request.data)
        row = (
            Nomination.objects.filter(
                pk=data["nomination"],
                status=NominationStatus.SHORTLISTED,
                campaign__status=CampaignStatus.NOTICE,
            )
            .select_related("campaign")
            .first()
        )
        if row is None:
            raise ValidationError(
                {"nomination": [_("Objections are lodged during the notice period.")]}
            )
        made = services.lodge_objection(row, text=data["text"])
        return Response(PublicAwardObjectionSerializer(made).data, status=status.HTTP_201_CREATED)
