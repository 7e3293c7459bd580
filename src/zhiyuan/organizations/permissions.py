"""Who may do what in the organisation tree: the policy. `access.py` is the mechanism (a role
on an organisation covers its subtree); this module names the roles each act needs.

Services call the `require_*` functions and raise PermissionDenied; views and API views call
the predicates only to decide what to show. `actor` None is the operator at the command line
(and the demo loader): the platform itself, which every check lets through.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.organizations.access import covers, scope_prefixes
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization

#: The role that manages an organisation's subtree: its organisations, accounts and roles.
ADMINISTERING = (RoleKind.ADMINISTRATOR,)


def administers(user: Any, organization: Organization) -> bool:
    """Whether `user` administers `organization` (a role on it or an ancestor)."""
    return covers(user, organization, ADMINISTERING)


def administers_anything(user: Any) -> bool:
    """Whether `user` administers any active organisation (or is platform staff)."""
    return scope_prefixes(user, ADMINISTERING) != []


def administers_from_above(user: Any, organization: Organization) -> bool:
    """Whether an administrator role of `user` on an ancestor of `organization` covers it."""
    prefixes = scope_prefixes(user, ADMINISTERING)
    if prefixes is None:  # platform staff
        return True
    path = organization.path
    return any(path.startswith(prefix) and len(prefix) < len(path) for prefix in prefixes)


def may_deactivate(user: Any, organization: Organization) -> bool:
    """Only an administrator above `organization` may deactivate it: one whose role is on the
    organisation itself would lock themselves (and its other administrators) out, with nobody
    left inside to undo it."""
    return administers_from_above(user, organization)


def require_administers(actor: Any, organization: Organization) -> None:
    """Raises PermissionDenied unless `actor` (None: the operator) administers `organization`."""
    if actor is not None and not administers(actor, organization):
        raise PermissionDenied(
            _("You can only act on organisations inside the area you administer.")
        )


def require_may_deactivate(actor: Any, organization: Organization) -> None:
    """Raises PermissionDenied unless `actor` (None: the operator) may deactivate it."""
    if actor is not None and not may_deactivate(actor, organization):
        raise PermissionDenied(
            _(
                "Only an administrator of an organisation above this one may deactivate it: "
                "you would lose access to it yourself."
            )
        )
