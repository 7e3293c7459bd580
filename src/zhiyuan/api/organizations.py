"""The organisation tree, always through the access layer (`zhiyuan.organizations.access`).

Reads show what the user's roles cover; objects outside answer 404. Writes (create, update,
activate, deactivate) need an administrator role on the organisation or an ancestor: other
users who can see the organisation get 403. Contact phones are masked in every answer.
"""

from typing import Any

from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from zhiyuan.api.fields import IdentifierField
from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import errors
from zhiyuan.common.masking import mask_phone
from zhiyuan.organizations import permissions, selectors, services, structure
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.organizations.enums import OrgKind, OrgLevel, StationType, UnitCategory
from zhiyuan.organizations.models import Organization


class LevelCountsSerializer(serializers.Serializer):
    """Organisations per level in a subtree (the node itself included)."""

    city = serializers.IntegerField()
    district = serializers.IntegerField()
    street = serializers.IntegerField()
    community = serializers.IntegerField()


def _named_counts(counts: dict[int, int]) -> dict[str, int]:
    return {level.name.lower(): counts[level.value] for level in OrgLevel}


class OrganizationSerializer(serializers.ModelSerializer):
    parent = serializers.IntegerField(  # type: ignore[assignment]
        source="visible_parent_id",
        allow_null=True,
        read_only=True,
        help_text="The parent's id; null when the parent lies outside the user's scope.",
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "level",
            "specialty",
            "parent",
            "is_management_area",
            "is_active",
        ]
        read_only_fields = fields


class OrganizationNodeSerializer(OrganizationSerializer):
    counts = LevelCountsSerializer(source="level_counts", read_only=True)

    class Meta(OrganizationSerializer.Meta):
        fields = [*OrganizationSerializer.Meta.fields, "counts"]
        read_only_fields = fields


class OrganizationDetailSerializer(OrganizationNodeSerializer):
    # Declared because read-only model fields lose `allow_blank`, and the schema needs "".
    unit_category = serializers.ChoiceField(
        choices=UnitCategory.choices, allow_blank=True, read_only=True
    )
    station_type = serializers.ChoiceField(
        choices=StationType.choices, allow_blank=True, read_only=True
    )
    contact_phone = serializers.SerializerMethodField(help_text="Masked, e.g. 138****8000.")
    jurisdiction = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="code",
        many=True,
        read_only=True,
        help_text="Codes of the divisions this organisation serves.",
    )

    class Meta(OrganizationNodeSerializer.Meta):
        # Every editable field (`services.EDITABLE_FIELDS`) the list does not show already.
        fields = [
            *OrganizationNodeSerializer.Meta.fields,
            *(
                f
                for f in services.EDITABLE_FIELDS
                if f not in OrganizationNodeSerializer.Meta.fields
            ),
            "jurisdiction",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_contact_phone(self, org: Organization) -> str:
        return mask_phone(org.contact_phone)


class OrganizationUpdateSerializer(serializers.ModelSerializer):
    """The editable fields (`services.EDITABLE_FIELDS`); send only those that change."""

    credit_code = IdentifierField(
        "code",
        max_length=18,
        required=False,
        allow_blank=True,
        help_text="18 characters (GB 32100), for units and registered organisations.",
    )
    contact_phone = IdentifierField(
        "phone", required=False, allow_blank=True, help_text="A mainland mobile number, or empty."
    )

    class Meta:
        model = Organization
        fields = list(services.EDITABLE_FIELDS)
        extra_kwargs: dict[str, dict[str, Any]] = {}


class OrganizationCreateSerializer(OrganizationUpdateSerializer):
    code = IdentifierField(
        "code",
        max_length=40,
        help_text="Unique; letters, digits and dashes.",
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9-]+$", message=gettext_lazy("Use only letters, digits and dashes.")
            )
        ],
    )

    class Meta(OrganizationUpdateSerializer.Meta):
        fields = ["code", *OrganizationUpdateSerializer.Meta.fields]
        extra_kwargs = {
            **OrganizationUpdateSerializer.Meta.extra_kwargs,
            "level": {"required": False, "help_text": "Defaults to the parent's level."},
        }


class BuildReportSerializer(serializers.Serializer):
    created = serializers.DictField(
        child=serializers.IntegerField(), help_text="Organisations created, per kind."
    )
    total_created = serializers.IntegerField()
    moved = serializers.IntegerField(help_text="Organisations moved under their right parent.")


class ManagementAreaSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, help_text="e.g. 岳阳经济技术开发区")
    code = IdentifierField(
        "code", max_length=31, help_text="Letters, digits and dashes, e.g. YYETDZ."
    )
    townships = serializers.ListField(
        child=IdentifierField("code", max_length=12),
        min_length=1,
        max_length=200,
        help_text="12-digit codes of the townships the area administers.",
    )


class TreeSerializer(serializers.Serializer):
    totals = LevelCountsSerializer(help_text="Organisations per level in the whole scope.")
    roots = OrganizationNodeSerializer(many=True)


class OrganizationFilter(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OrgKind.choices, required=False)
    level = serializers.ChoiceField(choices=OrgLevel.choices, required=False)
    parent = serializers.IntegerField(  # type: ignore[assignment]
        required=False, min_value=1, help_text="Only the children of this organisation."
    )
    q = serializers.CharField(
        required=False,
        max_length=100,
        help_text="Part of the name, or (digits) an organisation or division code prefix.",
    )


def _decorate(user: Any, nodes: list[Organization], *, counts: bool = False) -> None:
    """Attach what the serializers show beyond the model: the visible parent id and counts."""
    parents = selectors.visible_parent_ids(user, nodes)
    level_counts = selectors.subtree_level_counts(nodes) if counts else {}
    for node in nodes:
        node.visible_parent_id = parents[node.pk]  # type: ignore[attr-defined]
        if counts:
            node.level_counts = _named_counts(level_counts[node.pk])  # type: ignore[attr-defined]


class OrganizationViewSet(viewsets.GenericViewSet):
    """Organisations in the subtrees the user's roles cover, in tree order."""

    serializer_class = OrganizationSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Organization]:
        return selectors.visible_organizations(self.request.user).order_by("path")

    def _visible(self, pk: str, *, detail: bool = False) -> Organization:
        queryset = selectors.visible_organizations(self.request.user)
        if detail:
            queryset = queryset.prefetch_related("jurisdiction")
        return get_scoped_or_404(self.request.user, queryset, pk=object_id(pk))

    def _administered(self, pk: str) -> Organization:
        """The organisation if the user administers its subtree; 404 if they cannot see it."""
        org = self._visible(pk)
        if not permissions.administers(self.request.user, org):
            raise PermissionDenied(
                _("Only administrators of this organisation or one above it may change it.")
            )
        return org

    def _detail(self, pk: int | str, *, status_code: int = status.HTTP_200_OK) -> Response:
        org = self._visible(str(pk), detail=True)
        _decorate(self.request.user, [org], counts=True)
        return Response(OrganizationDetailSerializer(org).data, status=status_code)

    def _page(self, queryset: QuerySet[Organization], *, counts: bool) -> Response:
        page = self.paginate_queryset(queryset) or []
        _decorate(self.request.user, page, counts=counts)
        serializer = OrganizationNodeSerializer if counts else OrganizationSerializer
        return self.get_paginated_response(serializer(page, many=True).data)

    @extend_schema(
        summary="List organisations",
        parameters=[OrganizationFilter],
        responses={200: OrganizationSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        form = OrganizationFilter(data=request.query_params)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        query = data.get("q", "").strip()
        found = (
            selectors.search_organizations(request.user, query, limit=None)
            if query
            else self.get_queryset()
        )
        if "kind" in data:
            found = found.filter(kind=data["kind"])
        if "level" in data:
            found = found.filter(level=data["level"])
        if "parent" in data:
            visible = selectors.visible_organizations(request.user)
            parent = visible.filter(pk=data["parent"]).first()
            if parent is None:
                raise ValidationError({"parent": [_("No organisation with this id is visible.")]})
            found = found.filter(path__startswith=parent.path, depth=parent.depth + 1)
        return self._page(found, counts=False)

    @extend_schema(
        summary="One organisation, with its jurisdiction and per-level counts",
        responses={200: OrganizationDetailSerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(pk)

    @extend_schema(
        summary="Change an organisation (administrators of its subtree)",
        request=OrganizationUpdateSerializer,
        responses={200: OrganizationDetailSerializer, **errors(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        org = self._administered(pk)
        form = OrganizationUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        services.update_organization(org, actor=request.user, **form.validated_data)
        return self._detail(pk)

    @extend_schema(
        methods=["GET"],
        summary="The organisations directly under one, with per-level counts",
        responses={200: OrganizationNodeSerializer(many=True), **errors(400, 401, 404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Create an organisation under this one (administrators of its subtree)",
        request=OrganizationCreateSerializer,
        responses={201: OrganizationDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["get", "post"])
    def children(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            return self._create_child(request, pk)
        node = self._visible(pk)
        children = self.get_queryset().filter(path__startswith=node.path, depth=node.depth + 1)
        return self._page(children, counts=True)

    def _create_child(self, request: Request, pk: str) -> Response:
        parent = self._administered(pk)
        form = OrganizationCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        fields = dict(form.validated_data)
        fields.setdefault("level", parent.level)
        org = services.create_organization(parent, actor=request.user, **fields)
        return self._detail(org.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Deactivate an organisation (administrators of its subtree)",
        request=None,
        responses={200: OrganizationDetailSerializer, **errors(401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        org = self._administered(pk)
        services.set_organization_active(org, actor=request.user, active=False)
        return self._detail(pk)

    @extend_schema(
        summary="Reactivate an organisation (administrators of its subtree)",
        request=None,
        responses={200: OrganizationDetailSerializer, **errors(401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        org = self._administered(pk)
        services.set_organization_active(org, actor=request.user, active=True)
        return self._detail(pk)

    @extend_schema(
        summary="Build or complete the standard structure of a city or county (administrators)",
        description=(
            "On the guidance committee of a city or county: adds what is missing of the standard "
            "structure (committee, association and general team per county; centre and team per "
            "township; station and team per village). Idempotent."
        ),
        request=None,
        responses={200: BuildReportSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="build-structure")
    def build_structure(self, request: Request, pk: str) -> Response:
        committee = self._administered(pk)
        report = structure.build_structure_for(committee, actor=request.user)
        body = {
            "created": dict(report.created),
            "total_created": report.total_created,
            "moved": report.moved,
        }
        return Response(BuildReportSerializer(body).data)

    @extend_schema(
        summary="Add a management area under a city's guidance committee (administrators)",
        request=ManagementAreaSerializer,
        responses={201: OrganizationDetailSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="management-areas")
    def management_areas(self, request: Request, pk: str) -> Response:
        committee = self._administered(pk)
        form = ManagementAreaSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        area = structure.add_management_area(committee, actor=request.user, **form.validated_data)
        return self._detail(area.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The top of the user's part of the tree: scope roots with per-level counts",
        responses={200: TreeSerializer, **errors(401)},
    )
    @action(detail=False, pagination_class=None)
    def tree(self, request: Request) -> Response:
        roots = selectors.scope_roots(request.user)
        _decorate(request.user, roots, counts=True)
        totals = selectors.level_counts(selectors.visible_organizations(request.user))
        body = {"totals": _named_counts(totals), "roots": roots}
        return Response(TreeSerializer(body).data)
