from django.db import models
from django.utils.translation import gettext_lazy as _


class HelpKind(models.TextChoices):
    """What help a volunteer asks for (the services stations commonly give)."""

    DAILY_LIVING = "daily_living", _("Daily living (shopping, cleaning, meals)")
    ESCORT = "escort", _("Escort to hospital or an office")
    CARE = "care", _("Care for a sick, elderly or disabled family member")
    REPAIR = "repair", _("Small repairs at home")
    COMPANY = "company", _("Company and emotional support")
    LEGAL = "legal", _("Legal or administrative advice")
    OTHER = "other", _("Other help")


class Urgency(models.IntegerChoices):
    """How urgent: a higher value comes first in the queue (after priority)."""

    ROUTINE = 1, _("Within a week")
    SOON = 2, _("Within two days")
    URGENT = 3, _("Today")


class HelpStatus(models.TextChoices):
    """open → taken (one taker) → done; an open request may be withdrawn."""

    OPEN = "open", _("Waiting for a taker")
    TAKEN = "taken", _("Taken")
    DONE = "done", _("Done")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class HelpChannel(models.TextChoices):
    """How the request came in."""

    PORTAL = "portal", _("The volunteer's portal")
    PHONE = "phone", _("By phone, entered by an office")
    APP = "app", _("The volunteer's app (API)")


#: Requests still to be served: the office's open list and the escalation job read these.
LIVE_STATUSES = (HelpStatus.OPEN, HelpStatus.TAKEN)
