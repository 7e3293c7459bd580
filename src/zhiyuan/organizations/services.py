"""Writes to the organisation tree. Every change is audited; each checks its actor's right
(`permissions.py`; `actor` None is the operator at the command line)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhiyuan.common import generations, locks
from zhiyuan.common.audit import log_action
from zhiyuan.common.identity import validate_credit_code
from zhiyuan.common.phones import normalize_mobile
from zhiyuan.common.text import has_control_characters, holds_personal_number
from zhiyuan.organizations import permissions
from zhiyuan.organizations.enums import OrgKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.structure import TREE_LOCK, is_standard_code

EDITABLE_FIELDS = (
    "name",
    "kind",
    "level",
    "specialty",
    "unit_category",
    "credit_code",
    "station_type",
    "address",
    "responsible_department",
    "responsible_person",
    "contact_phone",
)


#: One-line text fields, kept and shown in clear: checked for control characters and for ID
#: or mobile numbers (`common.text`).
TEXT_FIELDS = ("name", "address", "responsible_department", "responsible_person")


def _validate(org: Organization, parent: Organization | None) -> None:
    errors: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        text = getattr(org, name) or ""
        if has_control_characters(text):
            errors[name] = [_("This text holds invisible control characters. Type it again.")]
        elif holds_personal_number(text):
            errors[name] = [
                _(
                    "Do not write ID numbers or mobile numbers here: this text is kept and "
                    "shown in clear."
                )
            ]
    if parent is not None and org.level < parent.level:
        errors["level"] = [_("An organisation cannot be at a higher level than its parent.")]
    if org.kind == OrgKind.WORK_UNIT and not org.unit_category:
        errors["unit_category"] = [
            _("A work unit needs a category (it sets its registration target).")
        ]
    if org.kind == OrgKind.SERVICE_STATION and not org.station_type:
        errors["station_type"] = [_("A service station needs a station type.")]
    if org.kind != OrgKind.SERVICE_TEAM and org.specialty:
        errors["specialty"] = [_("Only service teams have a specialty.")]
    if org.credit_code:
        try:
            org.credit_code = validate_credit_code(org.credit_code)
        except ValidationError as exc:
            errors["credit_code"] = exc.messages
        else:
            taken = Organization.objects.filter(credit_code=org.credit_code).exclude(pk=org.pk)
            if taken.exists():
                errors["credit_code"] = [_("Another organisation has this credit code.")]
    if org.contact_phone:
        try:
            org.contact_phone = normalize_mobile(org.contact_phone)
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages
    if errors:
        raise ValidationError(errors)


def _check_code_free(code: str) -> None:
    """Raises ValidationError (key code) when `code` is taken, or has the form of a standard
    structure's code, which only the builders create (`structure.is_standard_code`)."""
    if Organization.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("This organisation code is already in use.")]})
    if is_standard_code(code):
        message = _(
            "Codes ending in -GC, -VA, -GT, -SC, -ST or -TM are kept for the standard "
            "structure. Choose another code."
        )
        raise ValidationError({"code": [ValidationError(message, code="reserved_code")]})


def create_organization(
    parent: Organization, *, actor: Any, code: str, **fields: Any
) -> Organization:
    """Create an organisation under `parent`; its jurisdiction starts as the parent's.

    Raises ValidationError (field -> messages) for inconsistent kind, level or phone, or a
    code that is taken or has the form of a standard structure's code
    (`structure.is_standard_code`: only the builders create those); PermissionDenied unless
    `actor` administers `parent`.
    """
    permissions.require_administers(actor, parent)
    org = Organization(code=code.strip(), **fields)
    _validate(org, parent)
    with transaction.atomic():
        locks.hold(TREE_LOCK)  # the code check and the insert are one step for other writers
        _check_code_free(org.code)
        org = Organization.objects.add_child(parent, instance=org)
        org.jurisdiction.set(parent.jurisdiction.all())
        generations.bump(Organization.GENERATION)
        log_action(
            actor,
            "organization.created",
            org,
            organization=org,
            data={"code": org.code, "kind": org.kind},
        )
    return org


def update_organization(org: Organization, *, actor: Any, **changes: Any) -> Organization:
    """Change the fields named in `changes` (a subset of EDITABLE_FIELDS) and audit the diff.
    Raises ValidationError (field -> messages); PermissionDenied unless `actor` administers it."""
    permissions.require_administers(actor, org)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    before = {name: getattr(org, name) for name in changes}
    for name, value in changes.items():
        setattr(org, name, value)
    parent = Organization.objects.get_parent(org)
    _validate(org, parent)
    diff = {
        name: [str(before[name]), str(getattr(org, name))]
        for name in changes
        if before[name] != getattr(org, name)
    }
    if "contact_phone" in diff:
        diff["contact_phone"] = ["***", "***"]
    if not diff:
        return org
    with transaction.atomic():
        # Only the changed fields: a full save would write back the tree fields (path,
        # numchild) as loaded, undoing a child added or a move made meanwhile.
        org.save(update_fields=[*diff, "updated_at"])
        generations.bump(Organization.GENERATION)
        log_action(actor, "organization.updated", org, organization=org, data={"changed": diff})
    return org


def set_organization_active(org: Organization, *, actor: Any, active: bool) -> Organization:
    """Deactivate (or reactivate) an organisation; it is never deleted. Roles on an inactive
    organisation give no access.

    Only an administrator above `org` may deactivate it: one whose administrator role is on
    `org` itself would lock themselves (and its other administrators) out, with nobody left
    inside to undo it. Raises PermissionDenied for them.
    """
    permissions.require_administers(actor, org)
    if not active:
        permissions.require_may_deactivate(actor, org)
    if org.is_active == active:
        return org
    with transaction.atomic():
        org.is_active = active
        org.save(update_fields=["is_active", "updated_at"])
        generations.bump(Organization.GENERATION)
        action = "organization.reactivated" if active else "organization.deactivated"
        log_action(actor, action, org, organization=org)
    return org
