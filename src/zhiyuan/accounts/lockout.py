"""Log-in lockout: per address (django-axes) and per account (here).

django-axes counts the failed log-ins of one identifier from one address
(`AXES_LOCKOUT_PARAMETERS`), so that one address cannot try passwords on an account for long.
An attacker with many addresses could still try on; so the failures of an account are also
counted across its identifiers (its username and its mobile) and across addresses, from the
rows django-axes keeps. The per-account limit is gentle, because a stranger can reach it too:
after LOGIN_ACCOUNT_FAILURE_LIMIT failures the account is locked for
LOGIN_ACCOUNT_COOLOFF_SECONDS, then each further failure locks it again for as long (one try
per cool-off: a slower rate, never a long lock-out). A successful log-in (or a password reset
by SMS) starts the count afresh. An identifier that names no account is counted by itself, so
that a lock-out tells nobody whether an account exists.
"""

from datetime import datetime, timedelta
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.http import HttpRequest
from django.utils import timezone

from zhiyuan.accounts.selectors import accounts_for, axes_key


def login_allowed(request: HttpRequest, identifier: str) -> bool:
    """Whether a log-in with `identifier` may be tried now: neither this address's attempts
    at it (django-axes) nor the account's attempts from everywhere (`account_locked`) are
    over their limits."""
    if not AxesProxyHandler.is_allowed(request, {"username": identifier}):
        return False
    return not account_locked(identifier)


def account_locked(identifier: str, *, now: datetime | None = None) -> bool:
    """Whether the account(s) `identifier` names are locked by their failures from every
    address and identifier; an identifier naming no account is judged by its own failures."""
    now = now or timezone.now()
    accounts = accounts_for(identifier)
    if not accounts:
        return _locked(_failures(Q(username=axes_key(identifier))), now)
    return any(_locked(_failures(_keys(user), since=user.last_login), now) for user in accounts)


def _keys(user: Any) -> Q:
    keys = {axes_key(user.username)}
    if user.mobile:
        keys.add(axes_key(user.mobile))
    return Q(username__in=keys)


def _failures(keys: Q, *, since: datetime | None = None) -> dict[str, Any]:
    """The count and the time of the last of the failures django-axes keeps for `keys`
    (rows not yet expired, changed after `since`)."""
    rows = AccessAttempt.objects.filter(keys).filter(
        Q(expiration__isnull=True) | Q(expiration__expires_at__gt=timezone.now())
    )
    if since is not None:
        rows = rows.filter(attempt_time__gt=since)
    return rows.aggregate(count=Sum("failures_since_start"), last=Max("attempt_time"))


def _locked(failures: dict[str, Any], now: datetime) -> bool:
    if (failures["count"] or 0) < settings.LOGIN_ACCOUNT_FAILURE_LIMIT:
        return False
    cooloff = timedelta(seconds=settings.LOGIN_ACCOUNT_COOLOFF_SECONDS)
    return bool(now < failures["last"] + cooloff)
