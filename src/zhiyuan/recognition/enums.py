"""States and choices of the recognition app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AwardStatus(models.TextChoices):
    """A star award's path (issue 13 §2): asked for by the volunteer (applied) or put forward by
    the office (proposed) → reviewed with the hours snapshot → on public notice for the policy's
    working days (objections lodged and answered) → awarded with a number and a date; refused
    at review, by an upheld objection, withdrawn, or revoked after a flagged review."""

    APPLIED = "applied", _("Applied for by the volunteer")
    PROPOSED = "proposed", _("Proposed by the office")
    NOTICE = "notice", _("On public notice")
    AWARDED = "awarded", _("Awarded")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REVOKED = "revoked", _("Revoked")


#: Awards waiting for the office's review.
WAITING = (AwardStatus.APPLIED, AwardStatus.PROPOSED)
#: Awards that hold or may come to hold their level: one per volunteer and level.
LIVE = (AwardStatus.APPLIED, AwardStatus.PROPOSED, AwardStatus.NOTICE, AwardStatus.AWARDED)
#: Awards a correction of hours may flag (issue 13: never silently changed).
STANDING = (AwardStatus.NOTICE, AwardStatus.AWARDED)
