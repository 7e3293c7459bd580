"""How the hours app's audit entries read (common.audit_display): records by volunteer,
activity and time where the reader sees them, and the data keys the hours services write."""

from typing import Any

from django.utils.translation import gettext_lazy

from zhiyuan.common.audit_display import Shown, data_keys, field_labels, object_type
from zhiyuan.hours import selectors
from zhiyuan.hours.enums import HourFlag, HourSource, Rounding


def _numeric(ids: list[str]) -> list[str]:
    return [i for i in ids if i.isdigit()]


def name_records(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.records(reader).filter(pk__in=_numeric(ids))
    return {str(record.pk): Shown(str(record)) for record in found}


def name_imports(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.hours_imports(reader).filter(pk__in=_numeric(ids))
    return {str(item.pk): Shown(str(item)) for item in found}


object_type("hours.hourrecord", gettext_lazy("Service record"), name_records)
object_type("hours.hoursimport", gettext_lazy("Hours sheet"), name_imports)
object_type("hours.hourspolicy", gettext_lazy("Hours policy"))
object_type("hours.attendance", gettext_lazy("Attendance"))
data_keys(
    {
        "source": gettext_lazy("source"),
        "minutes": gettext_lazy("minutes counted"),
        "position": gettext_lazy("position in the organiser's chain"),
        "corrects": gettext_lazy("corrects record"),
        "by_volunteer": gettext_lazy("asked for by the volunteer"),
        "rounding": gettext_lazy("rounding"),
        "distance": gettext_lazy("distance (m)"),
        "flags": gettext_lazy("flags"),
        "file_sha256": gettext_lazy("SHA-256 of the file"),
        "format": gettext_lazy("file format"),
    },
    source=HourSource,
    rounding=Rounding,
    flags=HourFlag,
)
field_labels(
    "hours.hourrecord",
    {
        "start": gettext_lazy("start"),
        "end": gettext_lazy("end"),
        "content": gettext_lazy("service content"),
    },
)
