"""Team memberships and volunteers' requests over the API, through the access layer.

Memberships are seen through the team: its leader and the roles above it; they approve or
reject applications and record leaving (the services check the role: 403 otherwise).
Volunteers' requests (corrections, cancellations) are seen, and handled by registrars, through
the organisation the registration belongs to. Objects outside the user's subtrees answer 404.
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
from zhiyuan.api.lookups import object_id
from zhiyuan.api.openapi import errors
from zhiyuan.api.shared import OrganizationRefSerializer, id_field, validated
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import selectors, services
from zhiyuan.volunteers.enums import MembershipStatus, RequestKind, RequestStatus
from zhiyuan.volunteers.models import Membership, VolunteerRequest


class VolunteerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    registration_number = serializers.CharField(allow_null=True)


class MembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    volunteer = VolunteerRefSerializer()
    team = OrganizationRefSerializer(help_text="The service team or station.")
    status = serializers.ChoiceField(choices=MembershipStatus.choices)
    applied_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by = ActorSerializer(allow_null=True)
    joined_on = serializers.DateField(allow_null=True)
    left_on = serializers.DateField(allow_null=True)


class MembershipFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=MembershipStatus.choices, required=False)
    team = id_field(required=False, help_text="Only this team's memberships.")
    volunteer = id_field(required=False, help_text="Only this volunteer's memberships.")


class MembershipApplySerializer(serializers.Serializer):
    volunteer = id_field(help_text="An active registration in your subtrees.")
    team = id_field(help_text="An active service team or station; its leader decides.")


class VolunteerRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    volunteer = VolunteerRefSerializer()
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    created_at = serializers.DateTimeField()
    handled_by = ActorSerializer(allow_null=True)
    handled_at = serializers.DateTimeField(allow_null=True)
    response = serializers.CharField(help_text="The answer to the volunteer.")


class VolunteerRequestFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=RequestStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=RequestKind.choices, required=False)


class HandleSerializer(serializers.Serializer):
    done = serializers.BooleanField(
        help_text="True: done (a cancellation request then cancels the registration); "
        "false: declined."
    )
    response = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="To the volunteer."
    )


class MembershipViewSet(viewsets.GenericViewSet):
    """Memberships of the teams in the user's subtrees, newest applications first."""

    serializer_class = MembershipSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Membership]:
        # Every role on the team or above it; the office's inbox lists them to leaders only.
        return selectors.memberships(self.request.user)

    def _membership(self, pk: str) -> Membership:
        return get_scoped_or_404(self.request.user, self.get_queryset(), pk=object_id(pk))

    def _answer(self, membership: Membership, status_code: int = status.HTTP_200_OK) -> Response:
        """The membership as the service left it (a registrar may apply for a team outside
        their subtrees, so it is not read back through their scope)."""
        return Response(MembershipSerializer(membership).data, status=status_code)

    @extend_schema(
        summary="List the memberships of the teams in your subtrees",
        parameters=[MembershipFilter],
        responses={200: MembershipSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        data = validated(MembershipFilter, request.query_params)
        memberships = self.get_queryset()
        for name in ("status", "team", "volunteer"):
            if name in data:
                memberships = memberships.filter(**{name: data[name]})
        page = self.paginate_queryset(memberships)
        return self.get_paginated_response(MembershipSerializer(page, many=True).data)

    @extend_schema(
        summary="Apply for a volunteer to join a team (registrars); its leader decides",
        request=MembershipApplySerializer,
        responses={201: MembershipSerializer, **errors(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        data = validated(MembershipApplySerializer, request.data)
        volunteer = selectors.ledger(request.user).filter(pk=data["volunteer"]).first()
        if volunteer is None:
            raise ValidationError({"volunteer": [_("No volunteer with this id is visible.")]})
        # Any team of the city: the service checks it is an active team or station.
        team = Organization.objects.filter(pk=data["team"]).first()
        if team is None:
            raise ValidationError({"team": [_("Choose an active service team or station.")]})
        membership = services.apply_for_team(volunteer, team, actor=request.user)
        return self._answer(membership, status.HTTP_201_CREATED)

    def _decide(self, pk: str, *, approve: bool) -> Response:
        membership = self._membership(pk)
        decided = services.decide_membership(membership, actor=self.request.user, approve=approve)
        return self._answer(decided)

    @extend_schema(
        summary="Approve an application (the team's leader or an administrator above it)",
        request=None,
        responses={200: MembershipSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        return self._decide(pk, approve=True)

    @extend_schema(
        summary="Reject an application (the team's leader or an administrator above it)",
        request=None,
        responses={200: MembershipSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        return self._decide(pk, approve=False)

    @extend_schema(
        summary="Record that the volunteer left the team (its leader or an administrator)",
        request=None,
        responses={200: MembershipSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str) -> Response:
        membership = self._membership(pk)
        return self._answer(services.leave_team(membership, actor=request.user))


class VolunteerRequestViewSet(viewsets.GenericViewSet):
    """Volunteers' requests on registrations in the user's subtrees, newest first."""

    serializer_class = VolunteerRequestSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[VolunteerRequest]:
        # Every role over the registration; the office's inbox lists them to registrars only.
        return selectors.volunteer_requests(self.request.user)

    @extend_schema(
        summary="List volunteers' correction and cancellation requests",
        parameters=[VolunteerRequestFilter],
        responses={200: VolunteerRequestSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        data = validated(VolunteerRequestFilter, request.query_params)
        page = self.paginate_queryset(self.get_queryset().filter(**data))
        return self.get_paginated_response(VolunteerRequestSerializer(page, many=True).data)

    @extend_schema(
        summary="Close a request as done or declined, with a response (registrars)",
        request=HandleSerializer,
        responses={200: VolunteerRequestSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def handle(self, request: Request, pk: str) -> Response:
        found = get_scoped_or_404(request.user, self.get_queryset(), pk=object_id(pk))
        data = validated(HandleSerializer, request.data)
        services.handle_request(found, actor=request.user, **data)
        return Response(VolunteerRequestSerializer(self.get_queryset().get(pk=found.pk)).data)
