"""Volunteer-service activities (志愿服务活动, MISSION §5): the activity an organisation
organises, its time slots with their capacities, volunteers' sign-ups for slots, and the
photos and documents kept with it.

Times are aware datetimes, stored in UTC and shown in Asia/Shanghai; a slot may cross
midnight. Categories and special campaigns are rows of `Category` (the plan's list is seeded by
a migration; the platform's staff may add or retire rows in the admin), so a city can add,
say, its own festival campaign without a release.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from zhiyuan.activities.enums import (
    ActivityStatus,
    AttachmentKind,
    CategoryKind,
    SignUpReason,
    SignUpSource,
    SignUpStatus,
    Visibility,
)
from zhiyuan.common.fields import ChoiceListField
from zhiyuan.common.storage import EncryptedFileSystemStorage
from zhiyuan.volunteers.enums import Skill


class Category(models.Model):
    """A service category or a special campaign (plan §三(三)). Codes of the plan's list are
    those of `volunteers.enums.ActivityCategory`, which volunteers state as service intentions,
    so an activity can be matched to the volunteers who would like it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CategoryKind.choices)
    name = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(
        _("offered"), default=True, help_text=_("Retired rows stay on the activities using them.")
    )

    class Meta:
        verbose_name = _("activity category")
        verbose_name_plural = _("activity categories")
        ordering = ["kind", "position", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language."""
        language = translation.get_language() or ""
        return self.name_en if language.startswith("en") else self.name


class Activity(models.Model):
    """An activity organised by `organizer` (a team, a station or another organisation), whose
    administrators and team leaders manage it. Publishing checks the slots, the place and, for
    an activity carrying risk, the insurance record (志愿服务条例 第十七条); cancelling tells
    those signed up by SMS (`services`)."""

    ACCESS_PATH = "organizer__path"

    organizer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    title = models.CharField(_("title"), max_length=100)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="activities",
        limit_choices_to={"kind": CategoryKind.CATEGORY},
    )
    campaigns = models.ManyToManyField(
        Category,
        verbose_name=_("special campaigns"),
        blank=True,
        related_name="campaign_activities",
        limit_choices_to={"kind": CategoryKind.CAMPAIGN},
    )
    description = models.TextField(_("description"), max_length=5000, blank=True, default="")
    service_recipients = models.CharField(
        _("service recipients"), max_length=200, blank=True, default=""
    )

    # --- the place
    address = models.CharField(_("address"), max_length=200)
    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    geofence_radius = models.PositiveIntegerField(
        _("check-in radius (metres)"),
        null=True,
        blank=True,
        help_text=_("Check-ins farther than this from the coordinates are flagged."),
    )

    # --- requirements
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    skills = ChoiceListField(_("skills required"), choices=Skill.choices)

    # --- who may see it and sign up
    visibility = models.CharField(
        _("who may sign up"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
    )
    audience = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation or team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The subtree or team whose volunteers may sign up (not for public ones)."),
    )
    signup_deadline = models.DateTimeField(_("sign-up deadline"), null=True, blank=True)
    needs_approval = models.BooleanField(_("sign-ups need approval"), default=False)

    # --- risk and insurance (志愿服务条例 第十七条)
    carries_risk = models.BooleanField(_("carries risk"), default=False)
    insurer = models.CharField(_("insurer"), max_length=100, blank=True, default="")
    insurance_policy_number = models.CharField(
        _("accident insurance policy number"), max_length=60, blank=True, default=""
    )
    insurance_valid_until = models.DateField(_("insurance valid until"), null=True, blank=True)

    # --- state
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancellation_reason = models.CharField(
        _("reason for cancelling"), max_length=200, blank=True, default=""
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "visibility"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility=Visibility.PUBLIC) | Q(audience__isnull=False),
                name="activity_restricted_has_audience",
            ),
            models.CheckConstraint(
                condition=Q(carries_risk=False)
                | Q(status__in=[ActivityStatus.DRAFT, ActivityStatus.CANCELLED])
                | Q(insurance_policy_number__gt=""),
                name="risky_activity_insured_when_published",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="activity_coordinates_both_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Slot(models.Model):
    """A time slot of an activity with its capacity. `capacity` is the number of places:
    0 means none (a slot closed to sign-ups), never unlimited. Only confirmed sign-ups hold a
    place. Starts and ends are instants (UTC in the database); a slot may cross midnight."""

    ACCESS_PATH = "activity__organizer__path"

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="slots"
    )
    label = models.CharField(_("label"), max_length=50, blank=True, default="")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("places"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at"]), models.Index(fields=["ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="slot_ends_after_it_starts",
                violation_error_message=_("A slot must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
        return f"{self.activity} {start:%Y-%m-%d %H:%M}–{until}"


class SignUp(models.Model):
    """A volunteer's sign-up for a slot: one row per (slot, volunteer), reused when a
    volunteer cancels and signs up again. A waitlisted sign-up has a `waitlist_position`
    (first come, first served) and is promoted when a place frees up.

    The sign-up is also the organiser's grant: an organiser sees a volunteer registered in
    another subtree only through a live sign-up for one of its activities, and then only
    their name, masked phone and status (`selectors.roster`), never the ledger."""

    ACCESS_PATH = "slot__activity__organizer__path"

    slot = models.ForeignKey(
        Slot, verbose_name=_("slot"), on_delete=models.CASCADE, related_name="signups"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="signups",
    )
    status = models.CharField(_("status"), max_length=10, choices=SignUpStatus.choices)
    waitlist_position = models.PositiveIntegerField(
        _("place on the waiting list"), null=True, blank=True
    )
    source = models.CharField(
        _("signed up"), max_length=10, choices=SignUpSource.choices, default=SignUpSource.SELF
    )
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed up by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_up_at = models.DateTimeField(_("signed up"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or rejected by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("approved or rejected"), null=True, blank=True)
    reason = models.CharField(
        _("reason for cancelling or rejecting"), max_length=200, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["signed_up_at", "pk"]
        indexes = [
            models.Index(fields=["slot", "status", "waitlist_position"]),
            models.Index(fields=["volunteer", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "volunteer"],
                name="one_signup_per_slot_and_volunteer",
                violation_error_message=_("This volunteer has already signed up for this slot."),
            ),
            models.CheckConstraint(
                condition=Q(status=SignUpStatus.WAITLISTED, waitlist_position__isnull=False)
                | (~Q(status=SignUpStatus.WAITLISTED) & Q(waitlist_position__isnull=True)),
                name="signup_waitlisted_has_position",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.slot}"

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language where the platform gave it (a SignUpReason),
        else the organiser's own words."""
        if self.reason in SignUpReason.values:
            return str(SignUpReason(self.reason).label)
        return self.reason


def attachment_storage() -> EncryptedFileSystemStorage:
    """Activity photos show people and documents (insurance lists) name them: personal data,
    so kept encrypted at rest like volunteers' photos and served only inside the scope."""
    return EncryptedFileSystemStorage(context="activities.Attachment.file")


class Attachment(models.Model):
    """A photo or document kept with an activity (its record, MISSION §5), or its insurance
    record. Size and type are checked when it is added (`services.add_attachment`)."""

    ACCESS_PATH = "activity__organizer__path"

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to="activity-files/%Y/", storage=attachment_storage)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    caption = models.CharField(_("caption"), max_length=200, blank=True, default="")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.filename
