from django.db import models
from django.utils.translation import gettext_lazy as _


class Rule(models.TextChoices):
    """What an anomaly flag says (issue 14, item 4). Each rule is one set-based query
    (`rules`), its thresholds in settings (ANOMALY_*)."""

    OVERLAPPING_HOURS = "overlapping_hours", _("Overlapping hours")
    LONG_DAY = "long_day", _("Day over 12 hours")
    BULK_IDENTICAL = "bulk_identical", _("Many identical records entered in bulk")
    SELF_CONFIRMED = "self_confirmed", _("Hours confirmed by the volunteer they belong to")
    OUTSIDE_GEOFENCE = "outside_geofence", _("Check-ins outside the geofence")
    REGISTRAR_BURST = "registrar_burst", _("Registrations in a burst from one registrar")
    ADDRESS_BURST = "address_burst", _("Registrations in a burst from one address")
    REGISTRAR_PHONE = "registrar_phone", _("Volunteer's only contact is a registrar's phone")
    SHARED_MOBILE = "shared_mobile", _("Many people sharing one mobile number")
    UNDER_AGE = "under_age", _("Hours for a person under 14")
    BEFORE_REGISTRATION = "before_registration", _("Hours before the person was registered")


class FlagState(models.TextChoices):
    """open → closed (with a reason). A closed flag is never opened again: the same evidence
    found again is the same flag (its key)."""

    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Responsibility(models.TextChoices):
    """How a person named by a flag is responsible for its records."""

    RECORDER = "recorder", _("Recorded the hours")
    CONFIRMER = "confirmer", _("Confirmed the hours")
    REGISTRAR = "registrar", _("Registered the volunteer")
    CHECKER_IN = "checker_in", _("Checked the volunteer in")
