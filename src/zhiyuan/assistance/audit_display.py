"""How the assistance app's audit entries read (common.audit_display): help requests by number,
help and place where the reader sees them, and the data keys its services write."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from zhiyuan.assistance import selectors
from zhiyuan.assistance.enums import HelpChannel, HelpKind, Urgency
from zhiyuan.common.audit_display import Shown, data_keys, object_type


def name_requests(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.visible(reader).filter(pk__in=[i for i in ids if i.isdigit()])
    return {
        str(item.pk): Shown(str(item), reverse("assistance:detail", args=[item.pk]))
        for item in found
    }


def _urgency(value: Any) -> str | None:
    labels = dict(Urgency.choices)
    return str(labels[value]) if isinstance(value, int) and value in labels else None


object_type("assistance.helprequest", gettext_lazy("Help request"), name_requests)
data_keys(
    {
        "help_channel": gettext_lazy("how it came in"),
        "help_kind": gettext_lazy("help needed"),
        "priority": gettext_lazy("priority (a registered volunteer)"),
        "urgency": gettext_lazy("urgency"),
        "routes": gettext_lazy("sent to"),
        "helpers": gettext_lazy("helpers"),
    },
    help_channel=HelpChannel,
    help_kind=HelpKind,
    urgency=_urgency,
)
