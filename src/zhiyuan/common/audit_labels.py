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
    "registration_body.designated": _("Registration body designated"),
    "registration_policy.changed": _("Registration policy changed"),
    "registration_body.delegation_granted": _("Consent to register granted"),
    "registration_body.delegation_revoked": _("Consent to register revoked"),
    "volunteer.registration.applied": _("Application recorded"),
    "volunteer.confirmation.requested": _("Confirmation message sent"),
    "volunteer.registration.confirmed": _("Registration confirmed, number issued"),
    "volunteer.registration.closed": _("Application closed"),
    "volunteer.registration.attempted": _("Someone applied again with this ID number"),
    "volunteer.registration.suspended": _("Registration suspended"),
    "volunteer.registration.reinstated": _("Registration reinstated"),
    "volunteer.registration.cancelled": _("Registration cancelled"),
    "volunteer.registration.transferred": _("Registration transferred"),
    "volunteer.registration.reregistered": _("Re-registered for the year"),
    "volunteer.details.corrected": _("Details corrected"),
    "volunteer.photo.changed": _("Photo changed"),
    "volunteer.personal_data.viewed": _("Full ID number or phone viewed"),
    "volunteer.ledger.exported": _("Ledger exported"),
    "export.downloaded": _("Export downloaded"),
    "volunteer.form.printed": _("Registration form printed"),
    "volunteer.roster.uploaded": _("Roster uploaded"),
    "volunteer.roster.checked": _("Roster checked"),
    "volunteer.roster.imported": _("Roster imported"),
    "volunteer.roster.downloaded": _("Roster or its error report downloaded"),
    "volunteer.membership.applied": _("Applied to join a team"),
    "volunteer.membership.approved": _("Team membership approved"),
    "volunteer.membership.rejected": _("Team membership rejected"),
    "volunteer.membership.left": _("Left a team"),
    "volunteer.request.correction": _("Correction requested"),
    "volunteer.request.cancellation": _("Cancellation requested"),
    "volunteer.request.done": _("Request done"),
    "volunteer.request.declined": _("Request declined"),
    "reports.headcount.recorded": _("Headcount recorded"),
    "reports.population.recorded": _("Resident population recorded"),
    "reports.target_policy.changed": _("Registration targets changed"),
    "reports.targets.checked": _("Target sheet uploaded and checked"),
    "reports.targets.imported": _("Target sheet imported"),
}


def action_label(action: str) -> str:
    """The readable name of `action`, or the action type itself for one without a name."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
