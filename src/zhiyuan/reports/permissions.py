"""Who may see and set targets (the policy; `organizations.access` is the mechanism).

- Any role on an organisation or above it sees its tables and targets (counts only, no person).
- A unit's category and headcount are set by its administrators (a role on it or above).
- A division's resident population is set by the administrators of the organisations serving
  it: those whose jurisdiction is that division, or, where none is, the nearest division above
  it that has some (a community's station, a street's centre, a management area's committee).
- The rates and the built-up area are the city's: set by the administrators of a city-level
  organisation, for the city.

`actor` None is the operator at the command line, whom every check lets through.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.divisions.models import Division
from zhiyuan.organizations.access import covers, scope_prefixes
from zhiyuan.organizations.enums import OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING, administers
from zhiyuan.reports.selectors import city_of


def may_view(user: Any, organization: Organization) -> bool:
    return covers(user, organization)


def may_set_headcount(actor: Any, unit: Organization) -> bool:
    return actor is None or administers(actor, unit)


def serving_organizations(division: Division) -> list[Organization]:
    """The organisations serving `division`: those whose jurisdiction names it, else those of
    the nearest division above it that has any (one query per level climbed, at most four)."""
    from zhiyuan.reports.selectors import division_ancestor_codes

    for code in reversed(division_ancestor_codes(division.code)):
        found = list(Organization.objects.filter(jurisdiction=code, is_active=True))
        if found:
            return found
    return []


def may_set_population(actor: Any, division: Division) -> bool:
    if actor is None:
        return True
    serving = serving_organizations(division)
    return any(administers(actor, organization) for organization in serving)


def may_set_policy(actor: Any, organization: Organization) -> bool:
    return organization.level == OrgLevel.CITY and (
        actor is None or administers(actor, organization)
    )


def administered_roots(actor: Any) -> list[Organization]:
    """The highest organisations `actor` administers, in tree order (platform staff and the
    operator: the roots of the tree)."""
    prefixes = None if actor is None else scope_prefixes(actor, ADMINISTERING)
    if prefixes is None:
        return list(Organization.objects.filter(depth=1).order_by("path"))
    return list(Organization.objects.filter(path__in=prefixes).order_by("path"))


def require_view(user: Any, organization: Organization) -> None:
    if user is not None and not may_view(user, organization):
        raise PermissionDenied(_("You can only see the tables of the area your roles cover."))


def require_set_headcount(actor: Any, unit: Organization) -> None:
    if not may_set_headcount(actor, unit):
        raise PermissionDenied(_("You can only set the headcounts of units you administer."))


def require_set_population(actor: Any, division: Division) -> None:
    if not may_set_population(actor, division):
        raise PermissionDenied(
            _("You can only set the resident population of divisions your organisations serve.")
        )


def require_set_policy(actor: Any, organization: Organization) -> None:
    if not may_set_policy(actor, organization):
        raise PermissionDenied(_("Only the administrators of a city set its registration targets."))


# --- reporting rounds ------------------------------------------------------------------------
# A city's administrators open rounds for any subtree of their city; an organisation submits
# its own tables: an administrator role on that organisation itself (not one above it: the
# submission is the organisation's statement, and its office answers for it).


def may_open_round(actor: Any, root: Organization) -> bool:
    if actor is None:
        return True
    city = city_of(root)
    return city is not None and administers(actor, city)


def may_submit(actor: Any, organization: Organization) -> bool:
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return actor.roles.filter(
        organization=organization, kind__in=ADMINISTERING, organization__is_active=True
    ).exists()


def require_open_round(actor: Any, root: Organization) -> None:
    if not may_open_round(actor, root):
        raise PermissionDenied(_("Only the administrators of a city open reporting rounds."))


def require_submit(actor: Any, organization: Organization) -> None:
    if not may_submit(actor, organization):
        raise PermissionDenied(
            _("Only the administrators of %(name)s submit its tables.")
            % {"name": organization.name}
        )
