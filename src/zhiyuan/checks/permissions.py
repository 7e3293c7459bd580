"""Who may do what in spot checks and cases: the policy of the checks app (the mechanism is
`organizations.access`: a role on an organisation covers its subtree).

- The city or a district opens a campaign (plan §三(二)3: the city office verifies by 电话抽查、
  走访; 民政部令第67号 gives civil-affairs departments the duty to check records): an
  administrator on a city- or district-level organisation at or above the area checked.
- Checkers (the checker role) record attempts and outcomes of the items assigned to them, on
  registrations their role covers; they see the name, the masked ID number and, for the call, the
  phone (each reveal logged through `volunteers.services.reveal_personal_data`).
- A case is decided by an administrator of the responsible organisation (the registration body's,
  or the organiser) or above it.
Services call the `require_*` functions (PermissionDenied); views ask the predicates.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.checks.models import Campaign, Case, CheckItem
from zhiyuan.organizations.access import covers, scope_prefixes
from zhiyuan.organizations.enums import OrgLevel, RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING
from zhiyuan.volunteers.permissions import covers_registration

CHECKING = (RoleKind.CHECKER,)
#: The levels whose administrators open campaigns: the city and the districts.
OPENING_LEVELS = (OrgLevel.CITY, OrgLevel.DISTRICT)


def _opening_roots(user: Any) -> list[Organization]:
    prefixes = scope_prefixes(user, ADMINISTERING)
    roots = Organization.objects.filter(level__in=OPENING_LEVELS, is_active=True)
    if prefixes is None:
        return list(roots)
    return [root for root in roots.filter(path__in=prefixes)]


def may_open(user: Any, organization: Organization) -> bool:
    """Whether `user` administers a city- or district-level organisation at or above
    `organization` (platform staff: anywhere)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(organization.path.startswith(root.path) for root in _opening_roots(user))


def opens_anywhere(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or bool(_opening_roots(user))


def require_open(actor: Any, organization: Organization) -> None:
    if actor is not None and not may_open(actor, organization):
        raise PermissionDenied(
            _("Only the administrators of the city or a district open spot checks, in their area.")
        )


def manages(user: Any, campaign: Campaign) -> bool:
    """Whether `user` manages `campaign` (assigns, closes): as for opening it."""
    return may_open(user, campaign.organization)


def require_manages(actor: Any, campaign: Campaign) -> None:
    if actor is not None and not manages(actor, campaign):
        raise PermissionDenied(_("Only the administrators who open spot checks manage them."))


def may_check(user: Any, item: CheckItem) -> bool:
    """Whether `user` holds the checker role over the item's registration."""
    return covers_registration(user, item.volunteer, CHECKING)


def require_checks(actor: Any, item: CheckItem) -> None:
    """Raises PermissionDenied unless `actor` is a checker over the item's registration and,
    once it is assigned, its assignee."""
    if actor is None:
        return
    if not may_check(actor, item):
        raise PermissionDenied(_("Only checkers record the outcome of a spot check."))
    if item.assigned_to_id is not None and item.assigned_to_id != actor.pk:
        raise PermissionDenied(_("This item is assigned to another checker."))


def decides(user: Any, case: Case) -> bool:
    return covers(user, case.organization, ADMINISTERING)


def require_decides(actor: Any, case: Case) -> None:
    if actor is not None and not decides(actor, case):
        raise PermissionDenied(
            _("Only the administrators of the registration body or the organiser decide a case.")
        )


def may_require_in_person(user: Any, organization: Organization) -> bool:
    """Whether `user` may require a body's registrations to be confirmed in person: as for
    opening a spot check over the body's organisation."""
    return may_open(user, organization)
