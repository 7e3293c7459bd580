"""States of the certificates app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class Verdict(models.TextChoices):
    """What the public check answers: nothing else is told (a number that is malformed,
    unknown or whose certificate was altered in the database is "not found" alike)."""

    VALID = "valid", _("Genuine and valid")
    REVOKED = "revoked", _("Revoked")
    NOT_FOUND = "not_found", _("Not found")
