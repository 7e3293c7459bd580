"""The work plan (plan §四 工作步骤): a city's steps with their due dates and the levels they apply
to (`WorkStep`), each organisation's reports that a step is done (`StepReport`, accepted or
returned by an administrator above it; every report is kept: the history), and the reminders
sent before a due date (`StepReminder`, one per step, organisation and due date).

A step is never deleted: a retired step keeps its reports and leaves the board. A report is
never edited but by its superior's decision; reporting again after a return adds a row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.fields import EncryptedTextField
from zhiyuan.common.storage import EncryptedFileSystemStorage
from zhiyuan.workplan.enums import ReportStatus, StepLink, level_labels


class WorkStep(models.Model):
    """A step of a city's campaign, due on `due_date` (a report on a later day, Asia/Shanghai,
    comes late) for the organisations of the city's subtree at `levels` (StepLevel values).
    `code` names the plan's steps ("preparation" …) and never changes."""

    ACCESS_PATH = "organization__path"

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("step"), max_length=100)
    name_en = models.CharField(_("step in English"), max_length=200, blank=True, default="")
    description = models.CharField(_("what is asked"), max_length=500, blank=True, default="")
    due_date = models.DateField(_("due date"))
    levels = models.JSONField(_("applies to"), default=list)
    link = models.CharField(
        _("reports link to"), max_length=10, choices=StepLink.choices, blank=True, default=""
    )
    round = models.ForeignKey(
        "reports.ReportingRound",
        verbose_name=_("reporting round"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("set"), default=timezone.now)

    class Meta:
        verbose_name = _("work step")
        verbose_name_plural = _("work steps")
        ordering = ["organization", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="one_work_step_per_code")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The step in the reader's language (Chinese where no English is set)."""
        english = (get_language() or "").startswith("en")
        return self.name_en if english and self.name_en else self.name

    @property
    def levels_text(self) -> str:
        """The levels it asks, in the reader's language."""
        return level_labels(self.levels)


def evidence_storage() -> EncryptedFileSystemStorage:
    """A report's document or photo may name or show people: kept encrypted at rest, served
    only by the work plan's evidence view, in scope."""
    return EncryptedFileSystemStorage(context="workplan.StepReport.evidence")


class StepReport(models.Model):
    """`organization`'s report that `step` is done: who is responsible and how to reach them
    (the phone encrypted at rest, masked on screen), a note, an optional document or photo,
    and the stations it claims built to standard (steps linking to stations). Its superior
    accepts it or returns it with a reason. At most one report per step and organisation is
    live (awaiting review or accepted); returned ones stay as the history."""

    ACCESS_PATH = "organization__path"

    step = models.ForeignKey(WorkStep, on_delete=models.PROTECT, related_name="reports")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.REPORTED
    )
    responsible_department = models.CharField(
        _("responsible department"), max_length=100, blank=True, default=""
    )
    responsible_person = models.CharField(_("responsible person"), max_length=50)
    contact_phone = EncryptedTextField(_("contact phone"))
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    stations = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("stations claimed built to standard"),
        blank=True,
        related_name="+",
    )
    evidence = models.FileField(
        _("evidence"), upload_to="workplan-evidence/%Y/", blank=True, storage=evidence_storage
    )
    evidence_name = models.CharField(_("file name"), max_length=200, blank=True, default="")
    evidence_type = models.CharField(_("type"), max_length=100, blank=True, default="")
    evidence_size = models.PositiveIntegerField(_("size in bytes"), default=0)
    evidence_sha256 = models.CharField(
        _("SHA-256 of the file"), max_length=64, blank=True, default=""
    )
    late = models.BooleanField(_("reported late"), default=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    return_reason = models.CharField(
        _("reason for returning"), max_length=200, blank=True, default=""
    )

    class Meta:
        verbose_name = _("step report")
        verbose_name_plural = _("step reports")
        ordering = ["step", "organization", "reported_at", "pk"]
        indexes = [
            models.Index(fields=["step", "organization"], name="step_report_step_org"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "organization"],
                condition=Q(status__in=["reported", "accepted"]),
                name="one_live_step_report",
            ),
            models.CheckConstraint(
                condition=Q(status="reported", decided_at__isnull=True)
                | Q(status="accepted", decided_at__isnull=False)
                | Q(status="returned", decided_at__isnull=False) & ~Q(return_reason=""),
                name="step_report_decision_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} · {self.organization}"


class StepReminder(models.Model):
    """A reminder of `step` sent to `organization` before `due_date`: claimed (unique) before
    the messages go out, so a step, organisation and due date never have two."""

    step = models.ForeignKey(WorkStep, on_delete=models.CASCADE, related_name="reminders")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    due_date = models.DateField()
    day = models.DateField()
    messages = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("step reminder")
        verbose_name_plural = _("step reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["step", "organization", "due_date"], name="one_step_reminder_per_due_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} · {self.organization} · {self.due_date}"
