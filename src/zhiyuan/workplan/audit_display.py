"""How the audit entries of the work plan read (common.audit_display): a step's entries are
about the step, a report's about the report (named by its step and organisation)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.audit_display import Shown, data_keys, object_type
from zhiyuan.workplan import selectors
from zhiyuan.workplan.enums import StepLevel, level_labels


def name_steps(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.visible_steps(reader).filter(pk__in=[i for i in ids if i.isdigit()])
    return {str(step.pk): Shown(step.label, reverse("workplan:index")) for step in found}


def name_reports(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.visible_reports(reader).filter(pk__in=[i for i in ids if i.isdigit()])
    return {
        str(row.pk): Shown(
            f"{row.step.label} · {row.organization.name}",
            reverse("workplan:cell", args=[row.step_id, row.organization_id]),
        )
        for row in found
    }


def _levels(value: Any) -> str | None:
    if isinstance(value, list) and all(v in StepLevel.values for v in value):
        return level_labels(value)
    return None


object_type("workplan.workstep", _("Work step"), name_steps)
object_type("workplan.stepreport", _("Step report"), name_reports)
data_keys(
    {
        "step": _("step"),
        "levels": _("applies to"),
        "stations": _("stations claimed"),
        "reason": _("reason"),
        "changed": _("changes"),
    },
    levels=_levels,
)
