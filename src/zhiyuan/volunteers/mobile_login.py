"""A volunteer's log-in by mobile number and one-time SMS code, the steps the portal's session
(`portal.session`) and the API's volunteer token (`api.volunteer_auth`) share: a code asked
for on one logs in on the other.

1. `send_code(mobile)`: a code is recorded for the number and texted only when a registration
   uses it, so the answer tells nobody who is registered; the number goes on to step 2 in a
   ticket (encrypted), neither in clear nor in a session.
2. `check_code(mobile, code)`: a right code (once) for a number a registration uses gives the
   keyed digest of the number, which stands for the volunteer: every registration made with
   it is theirs (`registrations`; a family may share one phone).
"""

from zhiyuan.accounts import sms_codes
from zhiyuan.accounts.models import mobile_digest
from zhiyuan.common import crypto
from zhiyuan.volunteers.models import Volunteer

PURPOSE = "volunteer_login"
TEMPLATE = "volunteer_login_code"
_TICKET_CONTEXT = "volunteers.me.login-ticket"


def send_code(mobile: str) -> str:
    """Step 1: record a code for `mobile` (normalised) and text it if a registration uses the
    number. Returns the ticket that carries the number to step 2.
    Raises ValidationError (the rate limits of one-time codes)."""
    sms_codes.issue_code(mobile, PURPOSE, template=TEMPLATE, send=_known(mobile))
    return crypto.encrypt(mobile, context=_TICKET_CONTEXT)


def ticket_mobile(ticket: str) -> str | None:
    """The mobile number a ticket of `send_code` carries; None for a ticket that is not one
    (tampered with, or from another key)."""
    try:
        return crypto.decrypt(ticket[:500], context=_TICKET_CONTEXT)
    except crypto.DecryptionError:
        return None


def check_code(mobile: str, code: str) -> str:
    """Step 2: use a right code for `mobile`, a number a registration uses; returns the keyed
    digest of the number. Raises ValidationError ("invalid_code", "too_many_attempts", ...)."""
    sms = sms_codes.check_code(mobile, PURPOSE, code)
    if not _known(mobile) or not sms_codes.use_code(sms.pk):
        raise sms_codes.wrong_code()
    return mobile_digest(mobile)


def registrations(digest: str) -> list[Volunteer]:
    """Every registration made with the mobile whose keyed digest is `digest`, newest first."""
    return list(
        Volunteer.objects.filter(mobile_digest=digest)
        .select_related("organization")
        .order_by("-applied_at", "-pk")
    )


def _known(mobile: str) -> bool:
    return Volunteer.objects.filter(mobile_digest=mobile_digest(mobile)).exists()
