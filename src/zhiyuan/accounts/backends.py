"""Log-in with a username or a mobile number (shared mobiles: see `selectors.accounts_for`)."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from zhiyuan.accounts.models import User
from zhiyuan.accounts.selectors import accounts_for, axes_key


class IdentifierBackend(ModelBackend):
    """Authenticates `username` (a username or a mobile number) and `password`.

    When several accounts share a mobile number, the caller passes `user_id` to say which
    person is logging in; without it, a shared number authenticates only if exactly one of
    its accounts has that password.
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        user_id: int | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        accounts = accounts_for(username)
        if not accounts:
            # Hash once anyway so that the response time does not tell whether the account exists.
            User().set_password(password)
            return None
        candidates = [user for user in accounts if user.check_password(password)]
        if user_id is not None:
            candidates = [user for user in candidates if user.pk == user_id]
        if len(candidates) != 1:
            return None
        user = candidates[0]
        return user if self.user_can_authenticate(user) else None


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """AXES_USERNAME_CALLABLE: failed log-ins count per canonical identifier (`login_key`),
    so one mobile number written in several ways shares one counter. django-axes stores this
    value, so a mobile number is replaced by its keyed digest (`axes_key`), never kept in clear."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("identifier") or request.POST.get("username")
    return axes_key(str(raw or ""))
