"""Who sees and closes anomaly flags (the mechanism is `organizations.access`: a role on an
organisation covers its subtree).

A flag is shown to the superiors of the organisation responsible for its evidence: the roles
on that organisation's parent and above (`Flag.superior`), not the organiser or registering
body itself. Administrators, checkers and viewers there read flags (oversight: 67号令 gives
civil-affairs departments the duty to check records); administrators close them. `actor` None
is the operator at the command line or a periodic job.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.organizations.access import covers, scope_prefixes
from zhiyuan.organizations.enums import RoleKind

#: The roles that read flags in their subtree.
OVERSIGHT = (RoleKind.ADMINISTRATOR, RoleKind.CHECKER, RoleKind.VIEWER)
#: The roles that close them.
CLOSING = (RoleKind.ADMINISTRATOR,)


def sees_flags(user: Any) -> bool:
    """Whether `user` holds a role that reads flags anywhere."""
    return scope_prefixes(user, OVERSIGHT) != []


def may_close(user: Any, flag: Any) -> bool:
    """Whether `user` administers the flag's superior organisation or above it."""
    return covers(user, flag.superior, CLOSING)


def require_may_close(actor: Any, flag: Any) -> None:
    """Raises PermissionDenied unless `actor` (None: the operator) may close `flag`."""
    if actor is not None and not may_close(actor, flag):
        raise PermissionDenied(
            _("Only the administrators above the organisation responsible close its flags.")
        )
