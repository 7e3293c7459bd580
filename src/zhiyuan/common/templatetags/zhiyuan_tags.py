from typing import Any

from django import template

from zhiyuan.common.masking import mask_phone as _mask_phone

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.filter
def mask_phone(value: str) -> str:
    return _mask_phone(value) if value else ""


@register.filter
def action_label(action: str) -> str:
    from zhiyuan.common.audit_labels import action_label as label

    return label(action)
