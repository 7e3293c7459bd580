"""The volunteer's session on the portal: log-in by mobile number and a one-time SMS code.

The session keeps the keyed digest of the mobile number (never the number), refreshed on each
request and forgotten after IDLE_SECONDS without one; every registration made with that
number is the volunteer's (`/me/` today, their activities, hours and certificates later).
Between the two log-in steps the number travels in the page encrypted (a ticket), neither
in clear nor in the session. The code is recorded whether or not a registration uses the
number and texted only when one does, so the answers tell nobody who is registered.
"""

import time

from django.http import HttpRequest

from zhiyuan.accounts import sms_codes
from zhiyuan.accounts.models import mobile_digest
from zhiyuan.common import crypto
from zhiyuan.volunteers.models import Volunteer

IDLE_SECONDS = 30 * 60
LOGIN_PURPOSE = "volunteer_login"
LOGIN_TEMPLATE = "volunteer_login_code"
_KEY = "volunteers.me"
_TICKET_CONTEXT = "volunteers.me.login-ticket"


def mobile_digest_of(request: HttpRequest) -> str | None:
    """The verified mobile digest of this session, refreshed; None when nobody logged in, or
    after IDLE_SECONDS without a request."""
    state = request.session.get(_KEY)
    if not isinstance(state, dict) or time.time() - float(state.get("at", 0)) > IDLE_SECONDS:
        request.session.pop(_KEY, None)
        return None
    request.session[_KEY] = {**state, "at": time.time()}
    return str(state["digest"])


def send_login_code(mobile: str) -> str:
    """Log-in step 1: record a code for `mobile` (normalised) and text it if a registration
    uses the number. Returns the ticket that carries the number to step 2.
    Raises ValidationError (the rate limits of one-time codes)."""
    sms_codes.issue_code(mobile, LOGIN_PURPOSE, template=LOGIN_TEMPLATE, send=_known(mobile))
    return crypto.encrypt(mobile, context=_TICKET_CONTEXT)


def ticket_mobile(ticket: str) -> str | None:
    """The mobile number a ticket of `send_login_code` carries; None for a ticket that is not
    one (tampered with, or from another key)."""
    try:
        return crypto.decrypt(ticket[:500], context=_TICKET_CONTEXT)
    except crypto.DecryptionError:
        return None


def log_in(request: HttpRequest, mobile: str, code: str) -> None:
    """Log-in step 2: a right code (once) logs the session in for `mobile`, under a new
    session key. Raises ValidationError ("invalid_code", "too_many_attempts", ...)."""
    sms = sms_codes.check_code(mobile, LOGIN_PURPOSE, code)
    if not _known(mobile) or not sms_codes.use_code(sms.pk):
        raise sms_codes.wrong_code()
    request.session.cycle_key()
    request.session[_KEY] = {"digest": mobile_digest(mobile), "at": time.time()}


def log_out(request: HttpRequest) -> None:
    request.session.pop(_KEY, None)


#: Pages a log-in may return to (a URL name, never a URL taken from the request).
RETURN_PAGES = ("public:checkin", "public:me-hours", "public:events", "public:my-activities")
_AFTER_LOGIN = "volunteers.me.after-login"


def return_after_login(request: HttpRequest, page: str) -> None:
    """After the next log-in, go to `page` (one of RETURN_PAGES) instead of /me/."""
    if page in RETURN_PAGES:
        request.session[_AFTER_LOGIN] = page


def page_after_login(request: HttpRequest) -> str:
    """The URL name a log-in goes on to: a page that asked for it, else "public:me"."""
    page = request.session.pop(_AFTER_LOGIN, None)
    return page if page in RETURN_PAGES else "public:me"


def _known(mobile: str) -> bool:
    return Volunteer.objects.filter(mobile_digest=mobile_digest(mobile)).exists()
