"""The link in the messages that tell a person something was recorded in their name (the
"registered" SMS, the "hours recorded" SMS): it lets them say "this is not me" or "I did not
serve this" (issue 14: the volunteer's own voice; 志愿服务条例 第三条: volunteering is voluntary).

The token is signed, not a secret: it holds a registration's id (and an hour record's), never a
name, number or phone, so whoever it is forwarded to learns nobody's identity; the page it opens
shows none either. The apps above (checks, through the portal) read it with `read_report_link`.
"""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

REPORT_LINK_SALT = "zhiyuan.volunteers.report-link"
#: A message may be read late: the link works for a year.
REPORT_LINK_SECONDS = 366 * 24 * 3600


def report_link(volunteer_id: int, record_id: int | None = None) -> str:
    """The absolute URL of the report page for registration `volunteer_id` (and hour record
    `record_id`): SITE_URL/me/report/<token>/."""
    payload: dict[str, int] = {"v": volunteer_id}
    if record_id is not None:
        payload["r"] = record_id
    token = signing.dumps(payload, salt=REPORT_LINK_SALT)
    return f"{settings.SITE_URL.rstrip('/')}/me/report/{token}/"


def read_report_link(token: str) -> tuple[int, int | None]:
    """(registration id, hour record id or None) of a token of `report_link`.
    Raises ValidationError "invalid_link" (altered, expired, not ours)."""
    try:
        data = signing.loads(token, salt=REPORT_LINK_SALT, max_age=REPORT_LINK_SECONDS)
        volunteer_id = int(data["v"])
        record_id = int(data["r"]) if "r" in data else None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError(
            _("This link is not valid or has expired. Log in to “My registration” instead."),
            code="invalid_link",
        ) from None
    return volunteer_id, record_id
