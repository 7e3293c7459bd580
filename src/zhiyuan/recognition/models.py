"""Models of the recognition app (issue 13 §1–2; 志愿服务条例 第三十二条: 对表现突出的志愿者给予表彰;
the plan's yearly 20 hours, §三(二)3):

- `RecognitionPolicy`: per organisation (a city, or a part of the tree that differs; the nearest
  ancestor's applies, `selectors.policy_for`): the yearly hours expected, the reminder dates,
  the star thresholds in order, the notice period in working days, the bar's default length;
- `Holiday`: the days the notice period does not count (and weekend days that are working days,
  调休), configured by the platform;
- `ReminderOptOut` and `HourReminder`: the volunteer's choice not to be texted, and one row per
  volunteer and reminder date (unique: never texted twice for one date);
- `StarAward` with its `Objection`s and `AwardNumberSequence`: the audited path to a star level;
- `AwardBar`: a volunteer barred from awards until a date (a spot check's decision).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.fields import EncryptedTextField
from zhiyuan.hours.rules import hours as as_hours
from zhiyuan.recognition.enums import LIVE, AwardStatus

#: Stars one to five (星级), by cumulative confirmed hours; another city sets its own.
DEFAULT_STAR_HOURS = [100, 300, 600, 1000, 1500]
#: The dates ("MM-DD") a city texts the volunteers still below the yearly hours.
DEFAULT_REMINDER_DATES = ["07-01", "10-01"]
#: The shortest public notice (issue 13 §2: at least 5 working days).
MIN_NOTICE_WORKING_DAYS = 5


def default_star_hours() -> list[int]:
    return list(DEFAULT_STAR_HOURS)


def default_reminder_dates() -> list[str]:
    return list(DEFAULT_REMINDER_DATES)


def default_yearly_hours() -> int:
    return int(settings.HOURS_YEARLY_TARGET)


class RecognitionPolicy(models.Model):
    """How recognition works under an organisation; the nearest ancestor-or-self's applies,
    the defaults (`HOURS_YEARLY_TARGET`, 1 July and 1 October, 100/300/600/1,000/1,500 hours,
    5 working days) where none does."""

    ACCESS_PATH = "organization__path"

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="recognition_policy",
    )
    yearly_hours = models.PositiveSmallIntegerField(
        _("hours expected a year"),
        default=default_yearly_hours,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    reminder_dates = models.JSONField(_("reminder dates (MM-DD)"), default=default_reminder_dates)
    star_hours = models.JSONField(_("hours for one to five stars"), default=default_star_hours)
    notice_working_days = models.PositiveSmallIntegerField(
        _("public notice in working days"),
        default=MIN_NOTICE_WORKING_DAYS,
        validators=[MinValueValidator(MIN_NOTICE_WORKING_DAYS), MaxValueValidator(60)],
    )
    bar_months = models.PositiveSmallIntegerField(
        _("months a spot check bars from awards"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("recognition policy")
        verbose_name_plural = _("recognition policies")

    def __str__(self) -> str:
        return f"{self.organization} · {self.star_hours}"


class Holiday(models.Model):
    """A day the notice period does not count (a public holiday), or, with `working`, a weekend
    day that is a working day (调休). Set by the platform's staff (the admin) each year from the
    State Council's notice."""

    day = models.DateField(_("day"), unique=True)
    name = models.CharField(_("name"), max_length=50, blank=True, default="")
    working = models.BooleanField(_("a working day (weekend day worked)"), default=False)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}"


class ReminderOptOut(models.Model):
    """The volunteer asked not to be texted the yearly-hours reminder (from the portal); deleted
    when they ask for it again."""

    volunteer = models.OneToOneField(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="reminder_opt_out",
    )
    at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder opt-out")
        verbose_name_plural = _("reminder opt-outs")

    def __str__(self) -> str:
        return f"{self.volunteer_id}"


class HourReminder(models.Model):
    """One yearly-hours reminder: `volunteer` was below the line (`minutes` of
    `target_minutes`) on the reminder date `day` and was texted. Unique per volunteer and day,
    written in bulk by `services.send_hour_reminders`."""

    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="hour_reminders",
    )
    day = models.DateField(_("reminder date"))
    minutes = models.PositiveIntegerField(_("minutes confirmed this year"))
    target_minutes = models.PositiveIntegerField(_("minutes expected"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("hours reminder")
        verbose_name_plural = _("hours reminders")
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "day"], name="one_hour_reminder_a_day")
        ]
        indexes = [models.Index(fields=["day"], name="hour_reminder_day")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.day}"


class AwardNumberSequence(models.Model):
    """The last star-award number of a year (locked while an award takes the next)."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"


class StarAward(models.Model):
    """A star level (星级) of a volunteer: an audited award, never a computed label.

    `minutes` is the hours snapshot the office reviewed (cumulative confirmed minutes, kept as
    evidence), `threshold_minutes` the level's threshold when it was asked for. The notice runs
    on the local days `notice_from` to `notice_until` (working days). An award a later
    correction took below its threshold is `flagged_at` for the office's review."""

    ACCESS_PATH = "organization__path"

    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="star_awards",
    )
    # The organisation the volunteer was registered through when it was asked for: whose
    # office reviews it (its administrators and those above).
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("registered through"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.PositiveSmallIntegerField(
        _("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    threshold_minutes = models.PositiveIntegerField(_("threshold (minutes)"))
    status = models.CharField(_("status"), max_length=10, choices=AwardStatus.choices)
    asked_at = models.DateTimeField(_("asked for"), default=timezone.now)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    minutes = models.PositiveIntegerField(_("confirmed minutes reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    notice_from = models.DateField(_("notice from"), null=True, blank=True)
    notice_until = models.DateField(_("notice until"), null=True, blank=True)
    number = models.CharField(_("award number"), max_length=20, null=True, blank=True)
    awarded_on = models.DateField(_("awarded on"), null=True, blank=True)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("awarded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    flagged_at = models.DateTimeField(_("flagged for review"), null=True, blank=True)
    flag_minutes = models.PositiveIntegerField(
        _("confirmed minutes when flagged"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("star award")
        verbose_name_plural = _("star awards")
        ordering = ["-asked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "level"],
                condition=Q(status__in=LIVE),
                name="one_live_star_award_per_level",
                violation_error_message=_("This level was already asked for or awarded."),
            ),
            models.UniqueConstraint(
                fields=["number"], condition=Q(number__isnull=False), name="star_award_number"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="star_award_level_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["status", "notice_until"], name="star_award_state")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.level}★"

    @property
    def hours(self) -> Decimal:
        """The reviewed snapshot in hours (two decimals)."""
        return as_hours(self.minutes or 0)

    @property
    def threshold_hours(self) -> int:
        return self.threshold_minutes // 60


class Objection(models.Model):
    """An objection to an award on public notice, lodged by anyone on the portal's notice page
    (a name and a contact if they give them: the contact encrypted, shown to the office only),
    answered by the office. `upheld` refuses the award."""

    ACCESS_PATH = "award__organization__path"

    award = models.ForeignKey(
        StarAward, verbose_name=_("award"), on_delete=models.CASCADE, related_name="objections"
    )
    text = models.TextField(_("objection"), max_length=1000)
    name = models.CharField(_("name"), max_length=50, blank=True, default="")
    contact = EncryptedTextField(_("contact"), blank=True, default="")
    lodged_at = models.DateTimeField(_("lodged"), default=timezone.now)
    answer = models.TextField(_("answer"), max_length=1000, blank=True, default="")
    upheld = models.BooleanField(_("upheld"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["lodged_at", "pk"]

    def __str__(self) -> str:
        return f"{self.award_id}: {self.text[:30]}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


class AwardBar(models.Model):
    """`volunteer` may neither apply for nor be proposed for an award until `until` (included):
    falsified hours found by a spot check (issue 13 §2). `source` names what decided it (e.g.
    "checks.spotcheck:12"); the reason is kept as written."""

    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="award_bars",
    )
    until = models.DateField(_("barred until"))
    reason = models.CharField(_("reason"), max_length=200)
    source = models.CharField(_("source"), max_length=100, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("barred by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("barred"), default=timezone.now)

    class Meta:
        verbose_name = _("bar from awards")
        verbose_name_plural = _("bars from awards")
        ordering = ["-until", "-pk"]
        indexes = [models.Index(fields=["volunteer", "until"], name="award_bar_volunteer")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} until {self.until}"
