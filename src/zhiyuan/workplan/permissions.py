"""Who may do what with the work plan (the policy; `organizations.access` is the mechanism).

- A city's administrators set its steps (as they set its targets and standards).
- An organisation's administrators (a role on it or above) report its steps done.
- An administrator above it (a role on an ancestor: the street for a community, the district
  for a street, the city for a district) accepts or returns a report; never the person who
  made the report: a step reported done is a claim to check.
- Any role on an organisation or above sees its reports, their evidence and the board; the
  responsible person's mobile in full only its administrators (on it or above), with a reason,
  each viewing audited.

`actor` None is the operator at the command line, whom every check lets through.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.organizations.access import covers
from zhiyuan.organizations.enums import OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import administers, administers_from_above


def may_view(user: Any, organization: Organization) -> bool:
    return user is None or covers(user, organization)


def may_set_steps(actor: Any, city: Organization) -> bool:
    return city.level == OrgLevel.CITY and (actor is None or administers(actor, city))


def may_report(actor: Any, organization: Organization) -> bool:
    return actor is None or administers(actor, organization)


def may_decide(actor: Any, organization: Organization) -> bool:
    return actor is None or administers_from_above(actor, organization)


def may_reveal(actor: Any, organization: Organization) -> bool:
    return actor is None or administers(actor, organization)


def require_reveal(actor: Any, organization: Organization) -> None:
    if not may_reveal(actor, organization):
        raise PermissionDenied(
            _("Only the administrators of an organisation and those above see its contacts.")
        )


def require_set_steps(actor: Any, city: Organization) -> None:
    if not may_set_steps(actor, city):
        raise PermissionDenied(_("Only the administrators of a city set its work steps."))


def require_report(actor: Any, organization: Organization) -> None:
    if not may_report(actor, organization):
        raise PermissionDenied(_("Only the administrators of an organisation report its steps."))


def require_decide(actor: Any, organization: Organization) -> None:
    if not may_decide(actor, organization):
        raise PermissionDenied(
            _("Only an administrator above an organisation accepts or returns its reports.")
        )
