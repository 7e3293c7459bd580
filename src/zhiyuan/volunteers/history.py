"""A registration's history in words: its audit entries' data as the detail page shows them,
in the reader's language (the entries keep codes; `common.audit_display` renders them with the
labels each app registers, the volunteers' in `volunteers/audit_display.py`)."""

from typing import Any

from zhiyuan.common.audit_display import describe_data


def describe(data: dict[str, Any]) -> str:
    """`data` of a registration's audit entry as "label: value; …" in the active language."""
    return describe_data(data, "volunteers.volunteer")
