"""States and kinds of the award campaigns (评选表彰)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignStatus(models.TextChoices):
    """A campaign's stage. Nominating and reviewing follow the dates (`Campaign.stage`); the
    shortlist's notice and the fixed results are acts of the campaign's office."""

    OPEN = "open", _("Open")
    NOTICE = "notice", _("Shortlist on notice")
    FIXED = "fixed", _("Results published")
    CANCELLED = "cancelled", _("Cancelled")


class Stage(models.TextChoices):
    """What may happen in a campaign today (`Campaign.stage`)."""

    NOMINATING = "nominating", _("Nominations open")
    REVIEWING = "reviewing", _("Under review")
    REVIEWED = "reviewed", _("Review ended")
    NOTICE = "notice", _("Shortlist on notice")
    NOTICE_ENDED = "notice_ended", _("Notice period ended")
    FIXED = "fixed", _("Results published")
    CANCELLED = "cancelled", _("Cancelled")


class Subject(models.TextChoices):
    """Who or what a category honours: a registered volunteer, or an organisation (a team, a
    station, the organiser of a project)."""

    VOLUNTEER = "volunteer", _("A volunteer")
    ORGANIZATION = "organization", _("An organisation")


class CategoryKind(models.TextChoices):
    """The usual categories; a campaign may add its own (OTHER) with a name."""

    OUTSTANDING_VOLUNTEER = "outstanding_volunteer", _("Outstanding volunteer")
    OUTSTANDING_TEAM = "outstanding_team", _("Outstanding team")
    OUTSTANDING_PROJECT = "outstanding_project", _("Outstanding project")
    BEST_STATION = "best_station", _("Best station")
    OTHER = "other", _("Other")


#: The subject of each usual category.
KIND_SUBJECT = {
    CategoryKind.OUTSTANDING_VOLUNTEER: Subject.VOLUNTEER,
    CategoryKind.OUTSTANDING_TEAM: Subject.ORGANIZATION,
    CategoryKind.OUTSTANDING_PROJECT: Subject.ORGANIZATION,
    CategoryKind.BEST_STATION: Subject.ORGANIZATION,
}


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    NOT_SHORTLISTED = "not_shortlisted", _("Not shortlisted")
    DISQUALIFIED = "disqualified", _("Disqualified after an objection")
    AWARDED = "awarded", _("Awarded")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")
