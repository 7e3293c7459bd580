from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.enums import Origin
from zhiyuan.common.fields import EncryptedTextField


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
