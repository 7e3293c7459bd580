"""Who may manage accounts and roles: the policy of the accounts app (the mechanism is
`organizations.access`; administering a subtree is `organizations.permissions.ADMINISTERING`).

Services call the `require_*` functions, which raise PermissionDenied; views and API views ask
the predicates what to show.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.accounts import selectors
from zhiyuan.accounts.models import User
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import administers


def may_manage(actor: Any, user: User) -> bool:
    """Whether `user` holds a role inside `actor`'s administered subtrees (and is not platform
    staff, unless `actor` is)."""
    return selectors.manageable_accounts(actor).filter(pk=user.pk).exists()


def require_administers_active(actor: Any, organization: Organization) -> None:
    """Roles are given only on active organisations inside `actor`'s administered subtrees.
    Raises PermissionDenied."""
    if not organization.is_active or not administers(actor, organization):
        raise PermissionDenied(
            _("You can only act on organisations inside the area you administer.")
        )


def require_manageable(actor: Any, user: User) -> None:
    """Raises PermissionDenied unless `actor` may manage `user` (`may_manage`)."""
    if not may_manage(actor, user):
        raise PermissionDenied(_("This account is outside the area you administer."))


def require_fully_managed(actor: Any, user: User) -> None:
    """Every role of `user` must lie inside `actor`'s subtrees before `actor` acts on the whole
    account (deactivate, edit, change the mobile). Raises PermissionDenied."""
    require_manageable(actor, user)
    if not selectors.is_fully_managed(actor, user):
        raise PermissionDenied(
            _(
                "This account also holds roles outside the area you administer. "
                "Ask an administrator who covers all of its roles."
            )
        )
