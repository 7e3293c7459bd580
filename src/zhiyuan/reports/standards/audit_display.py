"""How the audit entries of the standards read (common.audit_display); imported by the reports
app's `audit_display`. An assessment's entry is about the station or team (an organisation,
named by the organisations app); an item's about the item."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.audit_display import Shown, data_keys, field_labels, object_type
from zhiyuan.organizations.access import scope
from zhiyuan.reports.standards.enums import Standard
from zhiyuan.reports.standards.models import StandardItem


def name_items(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = scope(reader, StandardItem.objects.all()).filter(pk__in=[i for i in ids if i.isdigit()])
    return {
        str(item.pk): Shown(
            item.label, reverse("reports:standard-lists", args=[item.organization_id])
        )
        for item in found
    }


def _met(value: Any) -> str | None:
    if isinstance(value, bool):
        return str(_("Met") if value else _("Not met"))
    return None


object_type("reports.standarditem", _("Standard item"), name_items)
field_labels(
    "reports.standarditem",
    {
        "name": _("item"),
        "short_name": _("column heading"),
        "name_en": _("item in English"),
        "short_name_en": _("column heading in English"),
    },
)
data_keys(
    {
        "standard": _("standard"),
        "item": _("item"),
        "met": _("assessment"),
        "assessed_on": _("assessed on"),
        "evidence": _("evidence attached"),
        "item_name": _("item"),
        "item_position": _("position in the list"),
    },
    standard=Standard,
    met=_met,
)
