"""States and kinds of the checks app: what a campaign checks, a sampled item's outcome, a
case's kind, where it came from and how it ended."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Subject(models.TextChoices):
    """What a spot check verifies (plan §三(二)3: 电话抽查、走访)."""

    REGISTRATIONS = "registrations", _("Registrations")
    HOURS = "hours", _("Hour records")
    BOTH = "both", _("Registrations and hour records")


class ItemKind(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    HOURS = "hours", _("Hour record")


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    """What the call or visit found."""

    CONFIRMED = "confirmed", _("Confirmed")
    DETAILS_WRONG = "details_wrong", _("Details wrong")
    UNREACHABLE = "unreachable", _("Unreachable")
    DENIES_REGISTRATION = "denies_registration", _("Denies having registered")
    DENIES_HOURS = "denies_hours", _("Denies the hours")


#: The outcomes that open a case for the registration body or the organiser.
CASE_OUTCOMES = (Outcome.DETAILS_WRONG, Outcome.DENIES_REGISTRATION, Outcome.DENIES_HOURS)
#: The outcomes that need a note (what the person said, which details are wrong).
NOTE_REQUIRED = CASE_OUTCOMES
#: The outcomes counted as denials in the rates.
DENIALS = (Outcome.DENIES_REGISTRATION, Outcome.DENIES_HOURS)


class AttemptMethod(models.TextChoices):
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Visit")


class CaseKind(models.TextChoices):
    NOT_REGISTERED = "not_registered", _("Denies having registered")
    HOURS_DENIED = "hours_denied", _("Denies the hours")
    DETAILS_WRONG = "details_wrong", _("Details wrong")


class CaseSource(models.TextChoices):
    CHECK = "check", _("Spot check")
    VOLUNTEER = "volunteer", _("The volunteer's own report")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Decision(models.TextChoices):
    """How a case ends; every case ends with one, and who took it."""

    DETAILS_CORRECTED = "details_corrected", _("Details corrected")
    REGISTRATION_CANCELLED = "registration_cancelled", _("Registration cancelled")
    HOURS_REJECTED = "hours_rejected", _("Hours rejected")
    DISPUTED = "disputed", _("Finding disputed with evidence")


#: The decisions each kind of case may end with.
DECISIONS_FOR = {
    CaseKind.NOT_REGISTERED: (
        Decision.REGISTRATION_CANCELLED,
        Decision.DETAILS_CORRECTED,
        Decision.DISPUTED,
    ),
    CaseKind.HOURS_DENIED: (Decision.HOURS_REJECTED, Decision.DISPUTED),
    CaseKind.DETAILS_WRONG: (Decision.DETAILS_CORRECTED, Decision.DISPUTED),
}


class CheckedDetail(models.TextChoices):
    """The details a checker reads out and the person may say are wrong."""

    NAME = "name", _("Name")
    DOCUMENT_NUMBER = "document_number", _("ID number")
    BIRTH_DATE = "birth_date", _("Date of birth")
    MOBILE = "mobile", _("Mobile")
    WORK_UNIT = "work_unit", _("Work unit or school")
    HOME = "home_division", _("Home division")
    BODY = "body", _("Registration body")
    HOURS_TIMES = "hours_times", _("Times of the hours")
    HOURS_ACTIVITY = "hours_activity", _("Activity of the hours")
