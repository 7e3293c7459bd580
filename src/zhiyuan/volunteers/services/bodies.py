"""Registration bodies (Attachment 2) and their delegations: designating a body, the plan's
standard bodies, granting and revoking a delegation (plan §三(二)), and the check that a
body takes registrations through an organisation."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.common import generations, locks
from zhiyuan.common.audit import log_action
from zhiyuan.common.text import clean_note
from zhiyuan.organizations.enums import OrgKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING
from zhiyuan.volunteers.models import Delegation, RegistrationBody
from zhiyuan.volunteers.services._shared import acting_user, require

BODY_KINDS = (
    OrgKind.VOLUNTEER_ASSOCIATION,
    OrgKind.SERVICE_CENTRE,
    OrgKind.WORK_UNIT,
    OrgKind.SERVICE_TEAM,
    OrgKind.GENERAL_SERVICE_TEAM,
)


_BODY_CODE = re.compile(r"[0-9A-Z]{2,12}")


def designate_body(organization: Organization, *, code: str, actor: Any) -> RegistrationBody:
    """Make `organization` a registration body with registration-body `code` (Attachment 2).

    Codes are 2–12 capital letters or digits, unique, and no code is the start of another, so
    that registration numbers stay unique city-wide. Only administrators covering the
    organisation may do it (`actor` None: the operator, from the command line).
    Raises PermissionDenied, ValidationError (key "code" or "organization").
    Audit: registration_body.designated.
    """
    if actor is not None:
        require(actor, organization, ADMINISTERING)
    code = (code or "").strip().upper()
    if organization.kind not in BODY_KINDS:
        raise ValidationError(
            {"organization": _("Registration bodies are associations, centres, units or teams.")}
        )
    if not _BODY_CODE.fullmatch(code):
        raise ValidationError({"code": _("A code is 2–12 capital letters or digits.")})
    with transaction.atomic():
        locks.hold("volunteers.body-codes")
        if RegistrationBody.objects.filter(organization=organization).exists():
            raise ValidationError({"organization": _("This organisation is already a body.")})
        for other in RegistrationBody.objects.values_list("code", flat=True):
            if other.startswith(code) or code.startswith(other):
                raise ValidationError(
                    {
                        "code": _(
                            "Code %(other)s is taken or starts the same way; numbers would clash."
                        )
                        % {"other": other}
                    }
                )
        body = RegistrationBody.objects.create(
            organization=organization, code=code, designated_by=acting_user(actor)
        )
        log_action(
            actor,
            "registration_body.designated",
            body,
            organization=organization,
            data={"code": code},
        )
    return body


def grant_delegation(
    body: RegistrationBody, organization: Organization, *, actor: Any, note: str = ""
) -> Delegation:
    """Record the body's consent that `organization` (a community organisation or district unit,
    within the area of the body's parent) registers volunteers for it (plan §三(二)).
    Raises PermissionDenied, ValidationError. Audit: registration_body.delegation_granted."""
    if actor is not None:
        require(actor, body.organization, ADMINISTERING)
    parent = Organization.objects.get_parent(body.organization) or body.organization
    if organization.pk == body.organization_id or not organization.path.startswith(parent.path):
        raise ValidationError({"organization": _("Choose an organisation in the body's own area.")})
    with transaction.atomic():
        if body.delegations.filter(organization=organization, revoked_at__isnull=True).exists():
            raise ValidationError({"organization": _("This organisation already has consent.")})
        delegation = Delegation.objects.create(
            body=body,
            organization=organization,
            note=clean_note(note, field="note"),
            granted_by=acting_user(actor),
        )
        log_action(
            actor,
            "registration_body.delegation_granted",
            delegation,
            organization=body.organization,
            data={"body": body.code, "organization": organization.code},
        )
    return delegation


def revoke_delegation(delegation: Delegation, *, actor: Any) -> Delegation:
    """End a delegation; registrations made through it stay. Audit: ...delegation_revoked."""
    require(actor, delegation.body.organization, ADMINISTERING)
    with transaction.atomic():
        updated = Delegation.objects.filter(pk=delegation.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=acting_user(actor)
        )
        if not updated:
            raise ValidationError(_("This consent was already revoked."))
        generations.bump(Delegation.GENERATION)  # update() sends no signal
        delegation.refresh_from_db()
        log_action(
            actor,
            "registration_body.delegation_revoked",
            delegation,
            organization=delegation.body.organization,
            data={"body": delegation.body.code, "organization": delegation.organization.code},
        )
    return delegation


def check_point(body: RegistrationBody, organization: Organization) -> None:
    """The body takes registrations through `organization`: its own or a live delegation."""
    if not body.is_active or not body.organization.is_active or not organization.is_active:
        raise ValidationError(_("This registration body does not take registrations now."))
    if (
        organization.pk != body.organization_id
        and not body.delegations.filter(organization=organization, revoked_at__isnull=True).exists()
    ):
        raise ValidationError(_("This organisation has no consent to register for the body."))


def designate_standard_bodies(root: Organization, *, prefix: str, actor: Any) -> int:
    """Designate the plan's registration bodies under `root` that are not bodies yet: the
    volunteer associations (city, district) and the street/township service centres (plan
    §三(二)). Codes are `prefix` + a 3-digit serial in tree order (Attachment 2 numbering).
    Returns how many were designated."""
    kinds = (OrgKind.VOLUNTEER_ASSOCIATION, OrgKind.SERVICE_CENTRE)
    candidates = (
        Organization.objects.filter(path__startswith=root.path)
        .filter(kind__in=kinds, is_active=True, registration_body__isnull=True)
        .order_by("path")
    )
    used = {
        int(code[len(prefix) :])
        for code in RegistrationBody.objects.filter(code__startswith=prefix).values_list(
            "code", flat=True
        )
        if code[len(prefix) :].isdigit()
    }
    serial, count = 0, 0
    for organization in candidates:
        serial += 1
        while serial in used:
            serial += 1
        designate_body(organization, code=f"{prefix}{serial:03d}", actor=actor)
        count += 1
    return count
