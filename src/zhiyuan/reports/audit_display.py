"""How the audit entries of targets read (common.audit_display)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.audit_display import Shown, data_keys, field_labels, object_type
from zhiyuan.organizations.access import scope
from zhiyuan.reports.models import RATE_FIELDS, TargetImport, TargetPolicy


def name_policies(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = scope(reader, TargetPolicy.objects.select_related("organization")).filter(
        pk__in=[i for i in ids if i.isdigit()]
    )
    return {
        str(policy.pk): Shown(
            policy.organization.name, reverse("reports:policy", args=[policy.organization_id])
        )
        for policy in found
    }


def name_imports(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = scope(reader, TargetImport.objects.defer("content")).filter(
        pk__in=[i for i in ids if i.isdigit()]
    )
    return {
        str(row.pk): Shown(row.file_name, reverse("reports:import-detail", args=[row.pk]))
        for row in found
    }


object_type("reports.targetpolicy", _("Target policy"), name_policies)
object_type("reports.targetimport", _("Target import"), name_imports)
field_labels(
    "reports.targetpolicy",
    {
        field.name: field.verbose_name
        for field in TargetPolicy._meta.fields
        if field.name in RATE_FIELDS
    },
)
data_keys(
    {
        "headcount": _("headcount"),
        "population": _("resident population"),
        "valid_from": _("valid from"),
        "previous": _("figure in force before"),
        "data_source": _("source of the figure"),
        "built_up_area": _("built-up urban area"),
        "problems": _("rows with problems"),
        "changes": _("changes"),
    }
)

# Reporting rounds describe their own entries.
from zhiyuan.reports.rounds import audit_display as rounds_audit_display  # noqa: E402, F401

# The standards of stations and teams describe their own entries.
from zhiyuan.reports.standards import audit_display as standards_audit_display  # noqa: E402, F401
