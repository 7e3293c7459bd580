"""Who may do what in award campaigns (the policy; `organizations.access` is the mechanism).

- A campaign is opened by the administrators of a city- or district-level organisation (its
  office), who also set its quotas, publish its shortlist, answer objections and fix its
  results (an administrator role on the campaign's organisation or above).
- Any role inside the campaign's subtree (or above it) sees the campaign.
- An organisation nominates through its administrators (a role on it or above), and only
  organisations inside the campaign's subtree do.
- Reviewers are the office users of the campaign's organisation who hold the administrator or
  the checker role on it or above: checkers are the office's verifiers (plan §三(二)3: the
  office verifies by spot checks), and no other role is made for awards.

`actor` None is the operator at the command line, whom every check lets through.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.awards.models import Campaign
from zhiyuan.organizations.access import covers, scope_prefixes
from zhiyuan.organizations.enums import OrgLevel, RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import administers

#: The roles whose holders score nominations.
REVIEWING = (RoleKind.ADMINISTRATOR, RoleKind.CHECKER)
#: The levels whose organisations open campaigns.
OPENING_LEVELS = (OrgLevel.CITY, OrgLevel.DISTRICT)


def may_open(actor: Any, organization: Organization) -> bool:
    return organization.level in OPENING_LEVELS and (
        actor is None or administers(actor, organization)
    )


def may_manage(actor: Any, campaign: Campaign) -> bool:
    return actor is None or administers(actor, campaign.organization)


def may_review(actor: Any, campaign: Campaign) -> bool:
    return actor is None or covers(actor, campaign.organization, REVIEWING)


def may_nominate_as(actor: Any, nominator: Organization) -> bool:
    return actor is None or administers(actor, nominator)


def may_view(user: Any, campaign: Campaign) -> bool:
    """Any role on the campaign's organisation, above it or inside its subtree."""
    if user is None:
        return True
    prefixes = scope_prefixes(user)
    if prefixes is None:
        return True
    path = campaign.organization.path
    return any(path.startswith(p) or p.startswith(path) for p in prefixes)


def require_open(actor: Any, organization: Organization) -> None:
    if organization.level not in OPENING_LEVELS:
        raise PermissionDenied(_("Campaigns are opened by a city or a district."))
    if not may_open(actor, organization):
        raise PermissionDenied(
            _("Only the administrators of %(name)s open its campaigns.") % {"name": organization}
        )


def require_manage(actor: Any, campaign: Campaign) -> None:
    if not may_manage(actor, campaign):
        raise PermissionDenied(
            _("Only the administrators of %(name)s run this campaign.")
            % {"name": campaign.organization}
        )


def require_review(actor: Any, campaign: Campaign) -> None:
    if not may_review(actor, campaign):
        raise PermissionDenied(
            _("Only the administrators and checkers of %(name)s score its nominations.")
            % {"name": campaign.organization}
        )


def require_nominate_as(actor: Any, nominator: Organization) -> None:
    if not may_nominate_as(actor, nominator):
        raise PermissionDenied(
            _("Only the administrators of %(name)s nominate for it.") % {"name": nominator}
        )
