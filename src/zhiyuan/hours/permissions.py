"""Who may do what with service hours: the policy of the hours app (the mechanism is
`organizations.access`: a role on an organisation covers its subtree).

Whoever organises records, whoever records certifies (谁组织谁记录，谁记录谁证明): the team
leaders and administrators of an activity's organiser (or above it) check volunteers in and
out, record, edit and confirm its hours. Every role in the subtree may read them. Services call
the `require_*` functions (PermissionDenied); views ask the predicates only what to show.
`actor` None is the operator at the command line or a periodic job.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.organizations.access import covers, scope_prefixes
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING

#: Check in and out, record, edit before confirmation, confirm, reject, back-fill.
RECORDING = (RoleKind.TEAM_LEADER, RoleKind.ADMINISTRATOR)


def records_for(user: Any, organizer: Organization) -> bool:
    """Whether `user` records and confirms the hours of activities `organizer` organises."""
    return covers(user, organizer, RECORDING)


def records_anywhere(user: Any) -> bool:
    return scope_prefixes(user, RECORDING) != []


def require_records_for(actor: Any, organizer: Organization) -> None:
    """Raises PermissionDenied unless `actor` (None: the operator) is a team leader or an
    administrator of `organizer` or above it."""
    if actor is not None and not records_for(actor, organizer):
        raise PermissionDenied(
            _("Only the organiser's team leaders and administrators record its hours.")
        )


def require_administers(actor: Any, organization: Organization) -> None:
    if actor is not None and not covers(actor, organization, ADMINISTERING):
        raise PermissionDenied(
            _("You can only act on organisations inside the area you administer.")
        )


def is_own(actor: Any, volunteer: Any) -> bool:
    """Whether `actor` is the volunteer: an account with the volunteer's mobile number (the
    digest; a number a family shares counts too, which only asks for a second person more
    often)."""
    digest = getattr(actor, "mobile_digest", "")
    return bool(digest) and digest == volunteer.mobile_digest
