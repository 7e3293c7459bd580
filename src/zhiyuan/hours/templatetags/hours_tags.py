"""Template filters of the hours pages: minutes as hours with two decimals, flags in words."""

from django import template

from zhiyuan.hours import rules
from zhiyuan.hours.enums import HourFlag

register = template.Library()


@register.filter
def as_hours(minutes: int | None) -> str:
    """120 → "2.00" (hours, two decimals, as every total is shown)."""
    return f"{rules.hours(int(minutes or 0)):.2f}"


@register.filter
def flag_label(flag: str) -> str:
    labels = dict(HourFlag.choices)
    return str(labels.get(flag, flag))
