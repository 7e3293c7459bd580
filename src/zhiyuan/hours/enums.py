from django.db import models
from django.utils.translation import gettext_lazy as _


class HourSource(models.TextChoices):
    """How a service record came to be (志愿服务记录: 谁组织谁记录)."""

    CHECK_IN = "check_in", _("Check-in and check-out")
    LEADER = "leader", _("Entered by a leader")
    BACKFILL = "backfill", _("Back-filled from a paper sheet")


class HourStatus(models.TextChoices):
    """pending → confirmed or rejected by the organiser. A confirmed record is never changed
    again: a correction is a new record that points to it (`HourRecord.corrects`)."""

    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class Rounding(models.TextChoices):
    """How a record's minutes count, applied to each record (totals are sums of counted
    records)."""

    EXACT = "exact", _("Exact minutes")
    HALF_HOUR = (
        "half_hour",
        _("Half-hour steps (under 15 minutes down, 15–44 a half hour, 45 or more a full hour)"),
    )


class HourFlag(models.TextChoices):
    """What a leader should look at before confirming; nothing is refused for a flag."""

    LONG_DAY = "long_day", _("More than 12 hours on one day")
    OUTSIDE_GEOFENCE = "outside_geofence", _("Checked in outside the activity's radius")
    NO_LOCATION = "no_location", _("Checked in without a location")
    AUTO_CLOSED = "auto_closed", _("No check-out: closed at the slot's end")
    OVERLAP = "overlap", _("Overlaps another record: no record was made")


class CheckDirection(models.TextChoices):
    IN = "in", _("Check in")
    OUT = "out", _("Check out")


class ImportState(models.TextChoices):
    """A back-fill sheet: checked (a dry run, with its problems) → imported, or failed (the
    file could not be read)."""

    CHECKED = "checked", _("Checked")
    FAILED = "failed", _("Could not be read")
    IMPORTED = "imported", _("Imported")
