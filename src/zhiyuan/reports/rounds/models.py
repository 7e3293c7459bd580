"""Reporting rounds (plan §四, work step 4: the statistics tables go to the city by 15 June).

A city office opens a round (`ReportingRound`): which tables (`kinds.KINDS` keys), for which
subtree, on which reference date, due when. The organisations that must submit are fixed as
the round opens (`RoundMember`: the districts' guidance committees and/or the streets' service
centres of the subtree). Each submits its tables: a `Submission` freezes them (`SubmittedTable`:
the figures as data, the xlsx and the PDF as submitted with their SHA-256, the files encrypted
at rest). A submission can be withdrawn (kept, marked withdrawn) and made again; one after the
due date is accepted and marked late. Reminders go out before the due date at most once a day
per organisation (`RoundReminder`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.storage import EncryptedFileSystemStorage


class SubmitterLevel(models.TextChoices):
    """Who submits in a round: the districts (their guidance committees, management areas
    included), the streets and townships (their service centres), or both."""

    DISTRICTS = "districts", _("Districts")
    STREETS = "streets", _("Streets and townships")
    BOTH = "both", _("Districts, streets and townships")


class SubmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReportingRound(models.Model):
    """A call for statistics tables: `tables` (kind keys) of the organisations of
    `organization`'s subtree at `submitter_level`, on `reference_date`, due on `due_date`
    (a submission on a later day, Asia/Shanghai, is late). Reminders go out from
    `remind_days_before` days before the due date until it."""

    ACCESS_PATH = "organization__path"

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("subtree"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=100)
    tables = models.JSONField(_("tables"), default=list)
    reference_date = models.DateField(_("reference date"))
    due_date = models.DateField(_("due date"))
    submitter_level = models.CharField(
        _("submitted by"), max_length=10, choices=SubmitterLevel.choices
    )
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind from (days before the due date)"), default=3
    )
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)

    class Meta:
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("reference_date")),
                name="round_due_on_or_after_reference_date",
            )
        ]

    def __str__(self) -> str:
        return self.title


class RoundMember(models.Model):
    """An organisation that must submit in a round, fixed when the round opens. Its row is
    locked while it submits or withdraws, so two clicks at once make one submission."""

    ACCESS_PATH = "organization__path"

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="members")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("organisation of a round")
        verbose_name_plural = _("organisations of a round")
        constraints = [
            models.UniqueConstraint(fields=["round", "organization"], name="round_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.organization}"


class Submission(models.Model):
    """One organisation's tables in a round, frozen when submitted. Withdrawing keeps the row
    (its status, who and when): the history. At most one is live (submitted) per organisation
    and round; `sequence` numbers them 1, 2, … in the order made."""

    ACCESS_PATH = "organization__path"

    round = models.ForeignKey(ReportingRound, on_delete=models.PROTECT, related_name="submissions")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sequence = models.PositiveSmallIntegerField(_("submission no."))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.SUBMITTED,
    )
    late = models.BooleanField(_("late"), default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawal_reason = models.CharField(
        _("reason for withdrawing"), max_length=200, blank=True, default=""
    )

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["round", "organization", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organization"],
                condition=Q(status="submitted"),
                name="one_live_submission_per_round_and_organization",
            ),
            models.UniqueConstraint(
                fields=["round", "organization", "sequence"], name="submission_sequence_once"
            ),
            models.CheckConstraint(
                condition=Q(status="submitted", withdrawn_at__isnull=True)
                | Q(status="withdrawn", withdrawn_at__isnull=False),
                name="submission_withdrawn_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.organization} #{self.sequence}"


def snapshot_storage() -> EncryptedFileSystemStorage:
    """A submitted table's files: the tables of stations and teams name people (team leaders
    and their contacts), so every submitted file is kept encrypted at rest, one rule for all,
    and served only inside the reader's scope."""
    return EncryptedFileSystemStorage(context="reports.SubmittedTable.file")


class SubmittedTable(models.Model):
    """One table of a submission as submitted: `data`, the StatisticsTable as data
    (`rounds.snapshots`), and the xlsx and the PDF exactly as the submitter got them, with
    the SHA-256 of each (checked again on every download)."""

    ACCESS_PATH = "submission__organization__path"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="tables")
    kind = models.CharField(_("table"), max_length=30)
    number = models.PositiveSmallIntegerField(_("attachment"))
    title = models.CharField(_("title"), max_length=100)
    data = models.JSONField(_("figures"))
    xlsx = models.FileField(upload_to="report-submissions/%Y/", storage=snapshot_storage)
    xlsx_sha256 = models.CharField(_("SHA-256 of the xlsx"), max_length=64)
    pdf = models.FileField(upload_to="report-submissions/%Y/", storage=snapshot_storage)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)

    class Meta:
        verbose_name = _("submitted table")
        verbose_name_plural = _("submitted tables")
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "kind"], name="submitted_table_once")
        ]

    def __str__(self) -> str:
        return f"{self.submission} · {self.kind}"


class RoundReminder(models.Model):
    """A reminder sent to an organisation that had not submitted, on `day` (local): the row
    is claimed before the messages go out, so a day never has two."""

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="reminders")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    messages = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("round reminder")
        verbose_name_plural = _("round reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organization", "day"], name="one_round_reminder_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.organization} · {self.day}"
