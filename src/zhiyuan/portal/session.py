"""The volunteer's session on the portal: log-in by mobile number and a one-time SMS code.

The session keeps the keyed digest of the mobile number (never the number), refreshed on each
request and forgotten after IDLE_SECONDS without one; every registration made with that
number is the volunteer's (`/me/`, their activities, hours and certificates). The log-in's two
steps are `volunteers.mobile_login`'s, which the API's volunteer token shares: between them
the number travels in the page encrypted (a ticket), neither in clear nor in the session, and
the code is recorded whether or not a registration uses the number and texted only when one
does, so the answers tell nobody who is registered.
"""

import time

from django.http import HttpRequest

from zhiyuan.volunteers import mobile_login

IDLE_SECONDS = 30 * 60
_KEY = "volunteers.me"


def mobile_digest_of(request: HttpRequest) -> str | None:
    """The verified mobile digest of this session, refreshed; None when nobody logged in, or
    after IDLE_SECONDS without a request."""
    state = request.session.get(_KEY)
    if not isinstance(state, dict) or time.time() - float(state.get("at", 0)) > IDLE_SECONDS:
        request.session.pop(_KEY, None)
        return None
    request.session[_KEY] = {**state, "at": time.time()}
    return str(state["digest"])


def log_in(request: HttpRequest, mobile: str, code: str) -> None:
    """Log-in step 2: a right code (once) logs the session in for `mobile`, under a new
    session key. Raises ValidationError ("invalid_code", "too_many_attempts", ...)."""
    digest = mobile_login.check_code(mobile, code)
    request.session.cycle_key()
    request.session[_KEY] = {"digest": digest, "at": time.time()}


def log_out(request: HttpRequest) -> None:
    request.session.pop(_KEY, None)


#: Pages a log-in may return to (a URL name, never a URL taken from the request).
RETURN_PAGES = (
    "public:checkin",
    "public:me-hours",
    "public:events",
    "public:my-activities",
    "public:my-certificates",
    "public:my-reports",
    "public:me-help",
    "public:me-help-new",
)
_AFTER_LOGIN = "volunteers.me.after-login"


def return_after_login(request: HttpRequest, page: str) -> None:
    """After the next log-in, go to `page` (one of RETURN_PAGES) instead of /me/."""
    if page in RETURN_PAGES:
        request.session[_AFTER_LOGIN] = page


def page_after_login(request: HttpRequest) -> str:
    """The URL name a log-in goes on to: a page that asked for it, else "public:me"."""
    page = request.session.pop(_AFTER_LOGIN, None)
    return page if page in RETURN_PAGES else "public:me"
