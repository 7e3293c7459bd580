"""Reads of accounts and roles."""

from django.core.exceptions import ValidationError

from zhiyuan.accounts.models import User, mobile_digest
from zhiyuan.common.phones import normalize_mobile


def accounts_for(identifier: str) -> list[User]:
    """Active accounts a log-in identifier names: one by username, or all sharing a mobile."""
    identifier = identifier.strip()
    by_username = list(User.objects.filter(username=identifier, is_active=True))
    if by_username:
        return by_username
    try:
        mobile = normalize_mobile(identifier)
    except ValidationError:
        return []
    return list(
        User.objects.filter(mobile_digest=mobile_digest(mobile), is_active=True).order_by("pk")
    )
