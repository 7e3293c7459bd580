"""Memberships of service teams and stations (the volunteer applies, the leader decides) and
volunteers' requests for a correction or a cancellation, which registrars handle."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.common import locks
from zhiyuan.common.audit import log_action
from zhiyuan.common.text import clean_note
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import permissions
from zhiyuan.volunteers.enums import (
    HOLDING_STATUSES,
    CancellationKind,
    MembershipStatus,
    RegistrationStatus,
    RequestKind,
    RequestStatus,
    SystemReason,
)
from zhiyuan.volunteers.models import Membership, Volunteer, VolunteerRequest
from zhiyuan.volunteers.selectors import TEAM_KINDS
from zhiyuan.volunteers.services._shared import acting_user, refuse, require, require_registration
from zhiyuan.volunteers.services.lifecycle import cancel_registration, withdraw_application


def apply_for_team(volunteer: Volunteer, team: Organization, *, actor: Any = None) -> Membership:
    """The volunteer (or a registrar for them) applies to join `team`; its leader approves.
    `actor` None is the person (the portal); staff need a registering role over the
    registration. Raises PermissionDenied, ValidationError. Audit: volunteer.membership.applied."""
    if getattr(actor, "is_authenticated", False) and not permissions.covers_registration(
        actor, volunteer, permissions.REGISTERING
    ):
        raise refuse(_("Only registrars and administrators apply for volunteers."))
    if team.kind not in TEAM_KINDS or not team.is_active:
        raise ValidationError({"team": _("Choose an active service team or station.")})
    if volunteer.status != RegistrationStatus.ACTIVE:
        raise ValidationError(_("Only active registered volunteers join teams."))
    with transaction.atomic():
        locks.hold(f"volunteers.membership:{volunteer.pk}")
        if volunteer.memberships.filter(
            team=team, status__in=[MembershipStatus.APPLIED, MembershipStatus.APPROVED]
        ).exists():
            raise ValidationError({"team": _("Already a member of this team, or applied.")})
        membership = Membership.objects.create(volunteer=volunteer, team=team)
        log_action(
            actor,
            "volunteer.membership.applied",
            membership,
            organization=team,
            data={"team": team.code},
        )
    return membership


def decide_membership(membership: Membership, *, actor: Any, approve: bool) -> Membership:
    """The team's leader (or an administrator above it) approves or rejects an application."""
    require(actor, membership.team, permissions.LEADING)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.status != MembershipStatus.APPLIED:
            raise ValidationError(_("This application was already decided."))
        if approve and locked.volunteer.status != RegistrationStatus.ACTIVE:
            raise ValidationError(_("Only active registered volunteers join teams."))
        locked.status = MembershipStatus.APPROVED if approve else MembershipStatus.REJECTED
        locked.decided_at = timezone.now()
        locked.decided_by = acting_user(actor)
        locked.joined_on = timezone.localdate() if approve else None
        locked.save()
        action = "approved" if approve else "rejected"
        log_action(actor, f"volunteer.membership.{action}", locked, organization=locked.team)
    return locked


def leave_team(membership: Membership, *, actor: Any = None) -> Membership:
    """End a membership (the volunteer leaves, or the leader records it)."""
    if actor is not None and actor.is_authenticated:
        require(actor, membership.team, permissions.LEADING)
    with transaction.atomic():
        updated = Membership.objects.filter(
            pk=membership.pk, status__in=[MembershipStatus.APPLIED, MembershipStatus.APPROVED]
        ).update(status=MembershipStatus.LEFT, left_on=timezone.localdate())
        if not updated:
            raise ValidationError(_("This membership has already ended."))
        membership.refresh_from_db()
        log_action(actor, "volunteer.membership.left", membership, organization=membership.team)
    return membership


def submit_request(volunteer: Volunteer, *, kind: str, message: str) -> VolunteerRequest:
    """A volunteer asks for a correction or a cancellation; it reaches the registrars of the
    registration's organisation. Raises ValidationError."""
    if kind not in RequestKind.values:
        raise ValidationError({"kind": _("Choose what you are asking for.")})
    message = clean_note(message, field="message", limit=1000)
    if kind == RequestKind.CORRECTION and not message:
        raise ValidationError({"message": _("Say what is wrong and what is right.")})
    if kind == RequestKind.CANCELLATION and volunteer.status not in (
        RegistrationStatus.APPLIED,
        *HOLDING_STATUSES,
    ):
        raise ValidationError(_("This registration has already ended."))
    if volunteer.requests.filter(kind=kind, status=RequestStatus.OPEN).exists():
        raise ValidationError(_("You already have an open request of this kind."))
    with transaction.atomic():
        request = VolunteerRequest.objects.create(volunteer=volunteer, kind=kind, message=message)
        log_action(None, f"volunteer.request.{kind}", request, organization=volunteer.organization)
    return request


def handle_request(
    request: VolunteerRequest, *, actor: Any, done: bool, response: str = ""
) -> VolunteerRequest:
    """A registrar closes a request as done or declined, with a response to the volunteer.
    A cancellation request marked done cancels the registration at the volunteer's request."""
    require_registration(actor, request.volunteer, permissions.REGISTERING)
    response = clean_note(response, field="response", limit=500)
    with transaction.atomic():
        locked = VolunteerRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != RequestStatus.OPEN:
            raise ValidationError(_("This request was already handled."))
        if done and locked.kind == RequestKind.CANCELLATION:
            volunteer = locked.volunteer
            if volunteer.status in HOLDING_STATUSES:
                cancel_registration(
                    volunteer,
                    actor=actor,
                    kind=CancellationKind.VOLUNTEER_REQUEST,
                    reason=SystemReason.VOLUNTEER_REQUEST,
                )
            elif volunteer.status == RegistrationStatus.APPLIED:
                withdraw_application(volunteer, actor=actor, reason=SystemReason.VOLUNTEER_REQUEST)
        locked.status = RequestStatus.DONE if done else RequestStatus.DECLINED
        locked.handled_by = acting_user(actor)
        locked.handled_at = timezone.now()
        locked.response = response
        locked.save()
        log_action(
            actor,
            f"volunteer.request.{locked.status}",
            locked,
            organization=locked.volunteer.organization,
        )
    return locked
