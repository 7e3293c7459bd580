"""How the accounts' audit entries read (common.audit_display)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhiyuan.accounts.models import User
from zhiyuan.accounts.selectors import manageable_accounts, roles_in_scope
from zhiyuan.common.audit_display import Shown, data_keys, field_labels, object_type
from zhiyuan.organizations.enums import RoleKind


def _numeric(ids: list[str]) -> list[str]:
    return [i for i in ids if i.isdigit()]


def name_accounts(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = manageable_accounts(reader).filter(pk__in=_numeric(ids)).only("pk", "name", "username")
    return {
        str(user.pk): Shown(str(user), reverse("accounts:user-detail", args=[user.pk]))
        for user in found
    }


def name_roles(reader: Any, ids: list[str]) -> dict[str, Shown]:
    """A role by its holder, kind and organisation, linked to the holder's account page."""
    found = (
        roles_in_scope(reader).filter(pk__in=_numeric(ids)).select_related("user", "organization")
    )
    return {
        str(role.pk): Shown(
            f"{role.user} · {role.get_kind_display()} · {role.organization.name}",
            reverse("accounts:user-detail", args=[role.user_id]),
        )
        for role in found
    }


object_type("accounts.user", _("Account"), name_accounts)
object_type("accounts.role", _("Role"), name_roles)
field_labels("accounts.user", {field.name: field.verbose_name for field in User._meta.fields})
data_keys(
    {
        "username": _("username"),
        "role": _("role"),
        "mobile": _("mobile"),
        "sms": _("sent by SMS"),
        "bulk": _("from an account sheet"),
        "via": _("by"),
    },
    role=RoleKind,
    via={"invitation": _("an invitation link"), "sms": _("a code sent by SMS")},
)
