"""Readable names of audit action types, for the audit log pages."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    "organization.created": _("Organisation created"),
    "organization.updated": _("Organisation changed"),
    "organization.moved": _("Organisation moved in the tree"),
    "organization.deactivated": _("Organisation deactivated"),
    "organization.reactivated": _("Organisation reactivated"),
    "organization.admin_created": _("Organisation created in the platform admin"),
    "organization.admin_changed": _("Organisation changed in the platform admin"),
    "organization.admin_deleted": _("Organisation deleted in the platform admin"),
    "account.created": _("Account created"),
    "account.updated": _("Account changed"),
    "account.invited": _("Invitation sent"),
    "account.password_set": _("Password set from an invitation"),
    "account.password_reset": _("Password reset with an SMS code"),
    "account.deactivated": _("Account deactivated"),
    "account.reactivated": _("Account reactivated"),
    "role.granted": _("Role granted"),
    "role.revoked": _("Role revoked"),
    "division.imported": _("Divisions imported"),
    "division.abolished": _("Division abolished"),
}


def action_label(action: str) -> str:
    """The readable name of `action`, or the action type itself for one without a name."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
