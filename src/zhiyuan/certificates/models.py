"""Service-record certificates (志愿服务记录证明; 民政部令第67号《志愿服务记录与证明出具办法》
第十八条 to 第二十一条; the 2015 guidance on service records and certificates).

A `Certificate` is issued by the organisation that recorded the hours (谁记录谁证明), or by a
volunteer association for the records under it, for one registration and a period (or all
time). Everything it states is copied onto the row when it is issued (the volunteer's name, ID
type, masked number, registration number; the hours, per activity; the issuer's name, person in
charge, handler and contact), so that it never changes afterwards: a wrong certificate is
revoked with a reason and a new one issued. `digest` is a keyed HMAC over that content and
the revocation (`selectors.content_digest`): a certificate whose hours, number or anything else
it states were altered in the database fails the public check, and so does a revoked one set
back to valid.

An `IssuerProfile` holds what an organisation prints on its certificates: its seal's image
(encrypted at rest, printed on its own certificates only), the handler and the contact.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.certificates.enums import CertificateStatus
from zhiyuan.common.fields import EncryptedTextField
from zhiyuan.common.identity import DocumentType
from zhiyuan.common.storage import EncryptedFileSystemStorage


def seal_storage() -> EncryptedFileSystemStorage:
    """A seal's image stands for the organisation: encrypted at rest (a copy of the disk
    must not be able to print it) and read only to print the organisation's own certificates."""
    return EncryptedFileSystemStorage(context="certificates.IssuerProfile.seal")


class IssuerProfile(models.Model):
    """What `organization` prints on the certificates it issues."""

    ACCESS_PATH = "organization__path"

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="certificate_profile",
    )
    handler = models.CharField(
        _("handler"),
        max_length=50,
        blank=True,
        default="",
        help_text=_("Printed as the handler of the certificates volunteers ask for themselves."),
    )
    contact = models.CharField(
        _("contact for certificates"),
        max_length=40,
        blank=True,
        default="",
        help_text=_("The office telephone printed on certificates, where they can be checked."),
    )
    seal = models.FileField(
        _("seal"), upload_to="certificate-seals/", blank=True, storage=seal_storage
    )
    seal_type = models.CharField(max_length=20, blank=True, default="")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("certificate settings")
        verbose_name_plural = _("certificate settings")

    def __str__(self) -> str:
        return str(self.organization)


#: What a revocation writes: the only fields of a certificate that ever change (the digest
#: covers the revocation too, so it is written again with it).
REVOCATION_FIELDS = {"status", "revoked_at", "revoked_by", "revocation_reason", "digest"}


class Certificate(models.Model):
    """One certificate as issued. Never changed but for its revocation (`status`,
    `revoked_*`, and `digest` with them); `digest` covers what it states and its revocation
    (`selectors.content_digest`)."""

    ACCESS_PATH = "issuer__path"

    number = models.CharField(_("certificate number"), max_length=24, unique=True)
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    issuer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    # --- the person, as on the day of issue
    name = models.CharField(_("name"), max_length=50)
    document_type = models.CharField(_("ID type"), max_length=24, choices=DocumentType.choices)
    document_masked = models.CharField(_("ID number (masked)"), max_length=40)
    # Kept only when the volunteer asked for the full number on the certificate.
    document_number = EncryptedTextField(blank=True, default="")
    registration_number = models.CharField(_("registration number"), max_length=40)
    # --- the hours
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("minutes"))
    record_count = models.PositiveIntegerField(_("records"))
    activities = models.JSONField(default=list)  # [{"title", "content", "minutes"}] by minutes
    per_activity = models.BooleanField(_("hours per activity"), default=False)
    content = models.CharField(_("service content"), max_length=500)
    # --- the issuer, as on the day of issue
    issuer_name = models.CharField(_("issuer"), max_length=200)
    person_in_charge = models.CharField(_("person in charge"), max_length=50, blank=True)
    handler = models.CharField(_("handler"), max_length=50, blank=True)
    contact = models.CharField(_("contact"), max_length=40, blank=True)
    issued_on = models.DateField(_("date of issue"))
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_by_volunteer = models.BooleanField(_("asked for by the volunteer"), default=False)
    digest = models.CharField(max_length=64, editable=False)
    # --- revocation
    status = models.CharField(
        _("status"), max_length=10, choices=CertificateStatus.choices, default="valid"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revocation_reason = models.CharField(
        _("reason for revoking"), max_length=200, blank=True, default=""
    )

    class Meta:
        verbose_name = _("service-record certificate")
        verbose_name_plural = _("service-record certificates")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["volunteer", "-issued_at"], name="certificate_volunteer")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True)
                | models.Q(period_end__isnull=True)
                | models.Q(period_start__lte=models.F("period_end")),
                name="certificate_period_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(status="valid", revoked_at__isnull=True)
                | models.Q(status="revoked", revoked_at__isnull=False),
                name="certificate_revoked_with_time",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A certificate is written once; afterwards only its revocation changes
        # (services.revoke_certificate saves with update_fields).
        fields = set(kwargs.get("update_fields") or ())
        if self.pk is not None and (not fields or fields - REVOCATION_FIELDS):
            raise ValueError("A certificate is never changed; revoke it and issue a new one.")
        super().save(*args, **kwargs)

    @property
    def is_revoked(self) -> bool:
        return self.status == CertificateStatus.REVOKED
