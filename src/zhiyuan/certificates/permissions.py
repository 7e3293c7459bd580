"""Who may do what with service-record certificates (the mechanism is `organizations.access`:
a role on an organisation covers its subtree).

Whoever records certifies (谁记录谁证明, 民政部令第67号 第十八条): the team leaders and
administrators of an organisation (or above it) issue and revoke its certificates, and every
role in the subtree reads them. Only administrators set what the organisation prints (its seal,
handler, contact). Services call the `require_*` functions (PermissionDenied); views ask the
predicates what to show. `actor` None is the operator at the command line.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.hours.permissions import RECORDING
from zhiyuan.organizations.access import covers, scope_prefixes
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING

#: Issue and revoke certificates: those who record and confirm the hours.
ISSUING = RECORDING
#: Upload the seal, set the handler and the contact.
SETTING = ADMINISTERING


def issues_for(user: Any, issuer: Organization) -> bool:
    return covers(user, issuer, ISSUING)


def issues_anywhere(user: Any) -> bool:
    return scope_prefixes(user, ISSUING) != []


def sets_up(user: Any, issuer: Organization) -> bool:
    return covers(user, issuer, SETTING)


def require_issues_for(actor: Any, issuer: Organization) -> None:
    """Raises PermissionDenied unless `actor` (None: the operator) is a team leader or an
    administrator of `issuer` or above it."""
    if actor is not None and not issues_for(actor, issuer):
        raise PermissionDenied(
            _(
                "Only the issuer's team leaders and administrators issue and revoke its certificates."
            )
        )


def require_sets_up(actor: Any, issuer: Organization) -> None:
    if actor is not None and not sets_up(actor, issuer):
        raise PermissionDenied(
            _("Only the organisation's administrators set what its certificates print.")
        )
