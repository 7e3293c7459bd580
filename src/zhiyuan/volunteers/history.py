"""A registration's history in words: the audit entries' data with labels for their keys and
for the choices they hold (the detail page shows it; the entries keep codes)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from zhiyuan.volunteers.enums import (
    CancellationKind,
    ConfirmationMethod,
    ImportMode,
    PersonalField,
    RegistrationChannel,
)

KEY_LABELS: dict[str, Any] = {
    "channel": _("channel"),
    "body": _("registration body"),
    "method": _("confirmation"),
    "number": _("registration number"),
    "reason": _("reason"),
    "source": _("from"),
    "target": _("to"),
    "year": _("year"),
    "fields": _("fields"),
    "field": _("field"),
    "kind": _("kind"),
    "import": _("roster import"),
    "team": _("team"),
    "mode": _("mode"),
}
VALUE_CHOICES: dict[str, Any] = {
    "channel": RegistrationChannel,
    "method": ConfirmationMethod,
    "field": PersonalField,
    "kind": CancellationKind,
    "mode": ImportMode,
}


def _value(key: str, value: Any, field_labels: dict[str, Any]) -> str:
    choices = VALUE_CHOICES.get(key)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    if key == "fields" and isinstance(value, list):
        return "、".join(str(field_labels.get(name, name)) for name in value)
    if key == "import":
        return f"#{value}"
    return str(value)


def describe(data: dict[str, Any]) -> str:
    """`data` of an audit entry as "label: value; …" in the active language."""
    from zhiyuan.volunteers.models import Volunteer

    field_labels = {
        f.name: f.verbose_name for f in Volunteer._meta.get_fields() if hasattr(f, "verbose_name")
    }
    parts = [
        f"{KEY_LABELS.get(key, key)}: {_value(key, value, field_labels)}"
        for key, value in (data or {}).items()
    ]
    return "; ".join(parts)
