from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryKind(models.TextChoices):
    """A category (服务类别, one per activity) or a special campaign (专项活动, tags; MISSION §5)."""

    CATEGORY = "category", _("Service category")
    CAMPAIGN = "campaign", _("Special campaign")


class ActivityStatus(models.TextChoices):
    """draft → published → finished, or cancelled (from draft or published)."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


class Visibility(models.TextChoices):
    """Who may see an activity and sign up: anyone registered, the volunteers registered in
    an organisation's subtree, or the members of a team (the activity's `audience`)."""

    PUBLIC = "public", _("Every registered volunteer")
    SUBTREE = "subtree", _("Volunteers of an organisation and its subtree")
    TEAM = "team", _("Members of a team")


class SignUpStatus(models.TextChoices):
    """A sign-up for a slot. Only confirmed sign-ups hold a place; a pending one waits for the
    organiser's approval and holds none; a waitlisted one waits, first come first served."""

    PENDING = "pending", _("Awaiting approval")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


class SignUpReason(models.TextChoices):
    """Why the platform itself cancelled a sign-up, kept as a code (an organiser's reason is
    their own words): the volunteer is no longer a registered volunteer
    (`services.release_signups`)."""

    REGISTRATION_SUSPENDED = "registration_suspended", _("the registration was suspended")
    REGISTRATION_CANCELLED = "registration_cancelled", _("the registration was cancelled")
    NOT_REGISTERED = "not_registered", _("no longer a registered volunteer")


# Sign-ups that are live: a volunteer holding one may not sign up for an overlapping slot.
LIVE_SIGNUP_STATUSES = (SignUpStatus.PENDING, SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED)


class SignUpSource(models.TextChoices):
    SELF = "self", _("By the volunteer")
    LEADER = "leader", _("By a team leader for the group")
    ORGANISER = "organiser", _("By the organiser")


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")
    INSURANCE = "insurance", _("Insurance record")
