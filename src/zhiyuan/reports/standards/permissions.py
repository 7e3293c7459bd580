"""Who may see and change the standards (the policy; `organizations.access` is the mechanism).

- Any role on a station or team or above it sees its checklist, history and evidence.
- Its administrators (a role on it or above: the community's, the street's, the district's, the
  city's) assess it.
- A city's administrators set the city's lists of items (as they set its targets).

`actor` None is the operator at the command line, whom every check lets through.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.organizations.access import covers
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import administers
from zhiyuan.reports.permissions import may_set_policy


def may_view(user: Any, organization: Organization) -> bool:
    return user is None or covers(user, organization)


def may_assess(actor: Any, organization: Organization) -> bool:
    return actor is None or administers(actor, organization)


def may_set_items(actor: Any, city: Organization) -> bool:
    return may_set_policy(actor, city)


def require_assess(actor: Any, organization: Organization) -> None:
    if not may_assess(actor, organization):
        raise PermissionDenied(_("Only the administrators of a station or team assess it."))


def require_set_items(actor: Any, city: Organization) -> None:
    if not may_set_items(actor, city):
        raise PermissionDenied(_("Only the administrators of a city set its standards."))
