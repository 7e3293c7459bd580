"""Who may do what with help requests: the policy of the assistance app (the mechanism is
`organizations.access`: a role on an organisation covers its subtree).

- Every role whose subtree holds a request's station, or one of the organisations it was routed
  to, sees it (`selectors.visible`).
- The team leaders and administrators of a route (or above it) take it and record its outcome
  (`TAKING`); once taken, those of the organisation that took it (`taken_for`).
- Administrators, registrars and team leaders enter a request by phone for a volunteer of their
  ledger (`ENTERING`).

Services call the `require_*` functions (PermissionDenied); views ask the predicates only what
to show. `actor` None is the operator or a periodic job.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.organizations.access import covers, scope_prefixes
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization

#: Take a request and record what was done.
TAKING = (RoleKind.TEAM_LEADER, RoleKind.ADMINISTRATOR)
#: Enter a request by phone for a volunteer of the ledger.
ENTERING = (RoleKind.ADMINISTRATOR, RoleKind.REGISTRAR, RoleKind.TEAM_LEADER)


def takes_for(user: Any, organization: Organization) -> bool:
    """Whether `user` takes requests for `organization` (a leader or administrator on it or
    above it)."""
    return covers(user, organization, TAKING)


def takes_anywhere(user: Any) -> bool:
    return scope_prefixes(user, TAKING) != []


def enters_anywhere(user: Any) -> bool:
    return scope_prefixes(user, ENTERING) != []


def require_takes_for(actor: Any, organization: Organization) -> None:
    """Raises PermissionDenied unless `actor` (None: the operator) is a team leader or an
    administrator of `organization` or above it."""
    if actor is not None and not takes_for(actor, organization):
        raise PermissionDenied(
            _("Only the team leaders and administrators of the team or station take this request.")
        )
