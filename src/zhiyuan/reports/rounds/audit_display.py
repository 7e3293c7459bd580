"""How the audit entries of reporting rounds read (common.audit_display); imported by the
reports app's `audit_display`."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.audit_display import Shown, data_keys, object_type
from zhiyuan.reports import kinds
from zhiyuan.reports.rounds import selectors
from zhiyuan.reports.rounds.models import SubmitterLevel


def name_rounds(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.visible_rounds(reader).filter(pk__in=[i for i in ids if i.isdigit()])
    return {str(r.pk): Shown(r.title, reverse("reports:round", args=[r.pk])) for r in found}


def name_submissions(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.visible_submissions(reader).filter(pk__in=[i for i in ids if i.isdigit()])
    return {
        str(s.pk): Shown(
            f"{s.round.title} · {s.organization.name} #{s.sequence}",
            reverse("reports:submission", args=[s.pk]),
        )
        for s in found
    }


def _table_label(value: Any) -> str | None:
    kind = kinds.get_kind(value) if isinstance(value, str) else None
    return kind.label if kind else None


object_type("reports.reportinground", _("Reporting round"), name_rounds)
object_type("reports.submission", _("Submission"), name_submissions)
data_keys(
    {
        "tables": _("tables"),
        "reference_date": _("reference date"),
        "due_date": _("due date"),
        "submitter_level": _("submitted by"),
        "members": _("organisations asked"),
        "round": _("reporting round"),
        "sequence": _("submission no."),
        "late": _("late"),
        "day": _("day"),
        "messages": _("messages"),
    },
    submitter_level=SubmitterLevel,
    tables=_table_label,
)
