"""How the activities' audit entries read (common.audit_display): activities by their title
where the reader sees them, sign-ups by the volunteer's name and the activity, and the data
keys the activities' services write."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from zhiyuan.activities.enums import AttachmentKind, SignUpReason, SignUpStatus
from zhiyuan.activities.models import Activity, SignUp
from zhiyuan.common.audit_display import Shown, data_keys, field_labels, object_type
from zhiyuan.organizations.access import scope


def _numeric(ids: list[str]) -> list[str]:
    return [i for i in ids if i.isdigit()]


def name_activities(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = scope(reader, Activity.objects.filter(pk__in=_numeric(ids))).only("pk", "title")
    return {str(a.pk): Shown(a.title, reverse("activities:detail", args=[a.pk])) for a in found}


def name_signups(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = scope(reader, SignUp.objects.filter(pk__in=_numeric(ids))).select_related(
        "volunteer", "slot__activity"
    )
    return {
        str(s.pk): Shown(
            f"{s.volunteer.name} · {s.slot.activity.title}",
            reverse("activities:slot", args=[s.slot_id]),
        )
        for s in found
    }


object_type("activities.activity", gettext_lazy("Activity"), name_activities)
object_type("activities.signup", gettext_lazy("Sign-up"), name_signups)
object_type("activities.category", gettext_lazy("Activity category"))
field_labels(
    "activities.activity",
    {
        **{field.name: field.verbose_name for field in Activity._meta.fields},
        "campaigns": Activity._meta.get_field("campaigns").verbose_name,
        "starts_at": gettext_lazy("starts"),
        "ends_at": gettext_lazy("ends"),
        "capacity": gettext_lazy("places"),
        "label": gettext_lazy("label"),
    },
)
data_keys(
    {
        "slot": gettext_lazy("slot"),
        "status": gettext_lazy("status"),
        "capacity": gettext_lazy("places"),
        "signups": gettext_lazy("sign-ups cancelled"),
        "promoted": gettext_lazy("promoted from the waiting list"),
    },
    status=SignUpStatus,
    kind=AttachmentKind,
    reason=SignUpReason,
    slot=lambda value: f"#{value}" if isinstance(value, int) else None,
)
