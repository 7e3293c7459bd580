"""How the anomalies app's audit entries read (common.audit_display): flags by rule, and the
data keys its services write."""

from typing import Any

from django.utils.translation import gettext_lazy

from zhiyuan.anomalies import selectors
from zhiyuan.anomalies.enums import Rule
from zhiyuan.common.audit_display import Shown, data_keys, object_type


def name_flags(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.flags(reader).filter(pk__in=[i for i in ids if i.isdigit()])
    return {str(flag.pk): Shown(str(flag)) for flag in found}


object_type("anomalies.flag", gettext_lazy("Anomaly flag"), name_flags)
data_keys({"rule": gettext_lazy("rule")}, rule=Rule)
