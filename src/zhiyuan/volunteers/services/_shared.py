"""What the parts of `services` share and nothing outside the package uses: the refusal, the
role checks, the registration's audit entry, the acting user as a foreign key."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.common.audit import log_action
from zhiyuan.organizations.access import covers
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import permissions
from zhiyuan.volunteers.models import Volunteer


def refuse(message: str) -> PermissionDenied:
    return PermissionDenied(message)


def require(actor: Any, organization: Organization, roles: Any) -> None:
    if not covers(actor, organization, roles):
        raise refuse(_("You do not have a role for this organisation."))


def require_registration(actor: Any, volunteer: Volunteer, roles: Any) -> None:
    """A role over the registration: through its organisation or its body's."""
    if not permissions.covers_registration(actor, volunteer, roles):
        raise refuse(_("You do not have a role for this organisation."))


def audit(actor: Any, action: str, volunteer: Volunteer, **data: Any) -> None:
    log_action(actor, action, volunteer, organization=volunteer.organization, data=data)


def acting_user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None
