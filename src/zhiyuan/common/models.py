from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.enums import ExportStatus, Origin
from zhiyuan.common.fields import EncryptedTextField
from zhiyuan.common.storage import EncryptedFileSystemStorage


class AuditEntry(models.Model):
    """One business change: who did what to which object, from where, and when.

    Written only through `zhiyuan.common.audit`; never updated or deleted by the platform.
    `organization` places the entry in the tree so that administrators of that subtree see it.
    """

    ACCESS_PATH = "organization__path"

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class OutboundSms(models.Model):
    """One SMS to send: the outbox between a business change and the SMS provider.

    The number and the parameters (which may hold a one-time code) are encrypted; the parameters
    are blanked once the message is sent. The background task gets only this row's id, so no
    personal data sits in the task queue.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    mobile = EncryptedTextField()
    template = models.CharField(max_length=50)
    params = EncryptedTextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("outbound SMS")
        verbose_name_plural = _("outbound SMS")

    def __str__(self) -> str:
        state = "sent" if self.sent_at else "pending"
        return f"SMS {self.template} ({state})"


def export_storage() -> EncryptedFileSystemStorage:
    """Where export files are kept until their link expires: they hold personal data, so
    encrypted at rest like the fields (`common.storage`), and served only to the requester."""
    return EncryptedFileSystemStorage(context="common.Export.file")


class Export(models.Model):
    """A large export written in the background (`common.exports`): who asked for it, what
    (`kind`, a producer registered by an app, and its `params`, encrypted: they may hold a
    search text or the reason given for full values), its progress, and the file, encrypted,
    until the link expires (`expires_at`, EXPORT_LINK_HOURS after it was written). Only the
    requester may download it; the row goes after EXPORT_RETENTION_DAYS.

    `organization` places the audit entries of its downloads in the tree.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    params = EncryptedTextField(blank=True, default="")
    language = models.CharField(max_length=12, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True, storage=export_storage)
    file_name = models.CharField(_("file name"), max_length=200, blank=True, default="")
    content_type = models.CharField(max_length=100, blank=True, default="")
    file_size = models.PositiveIntegerField(_("size in bytes"), default=0)
    error = models.CharField(max_length=40, blank=True, default="")
    requested_at = models.DateTimeField(_("requested"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires"), null=True, blank=True)
    # Set as the export starts and with each progress report: a worker that died leaves it old,
    # and the periodic job ends the export as failed (`exports.fail_stalled_exports`).
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.requested_at):%Y-%m-%d %H:%M})"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return min(100, self.rows_done * 100 // self.rows_total) if self.rows_total else 0

    def is_expired(self, now: datetime | None = None) -> bool:
        """Whether the download link has expired."""
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class Generation(models.Model):
    """A counter per kind of shared data (`zhiyuan.common.generations`): bumped by every write
    to that data, read by each process before it serves what it kept of it."""

    name = models.CharField(max_length=100, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("generation")
        verbose_name_plural = _("generations")

    def __str__(self) -> str:
        return f"{self.name} {self.value}"
