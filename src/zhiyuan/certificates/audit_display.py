"""How the certificates' audit entries read (common.audit_display): a certificate by its number,
linked to its page where the reader sees it; an organisation's certificate settings by the
organisation; and the data keys the certificates' services write."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from zhiyuan.certificates.models import Certificate, IssuerProfile
from zhiyuan.common.audit_display import Shown, data_keys, field_labels, object_type
from zhiyuan.organizations.access import scope


def _numeric(ids: list[str]) -> list[str]:
    return [i for i in ids if i.isdigit()]


def name_certificates(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = scope(reader, Certificate.objects.filter(pk__in=_numeric(ids))).only("pk", "number")
    return {str(c.pk): Shown(c.number, reverse("certificates:detail", args=[c.pk])) for c in found}


def name_profiles(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = scope(reader, IssuerProfile.objects.filter(pk__in=_numeric(ids))).select_related(
        "organization"
    )
    return {
        str(p.pk): Shown(
            p.organization.name, reverse("certificates:settings", args=[p.organization_id])
        )
        for p in found
    }


object_type(
    "certificates.certificate", gettext_lazy("Service-record certificate"), name_certificates
)
object_type("certificates.issuerprofile", gettext_lazy("Certificate settings"), name_profiles)
field_labels(
    "certificates.issuerprofile",
    {"handler": gettext_lazy("handler"), "contact": gettext_lazy("contact for certificates")},
)
data_keys(
    {
        "volunteer": gettext_lazy("volunteer"),
        "period_start": gettext_lazy("from"),
        "period_end": gettext_lazy("to"),
        "per_activity": gettext_lazy("hours per activity"),
        "full_number": gettext_lazy("full ID number printed"),
        "format": gettext_lazy("image format"),
    },
    volunteer=lambda value: f"#{value}" if isinstance(value, int) else None,
)
