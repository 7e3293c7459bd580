from django import template

from zhiyuan.organizations.enums import OrgLevel

register = template.Library()


@register.simple_tag
def level_summary(counts: dict[int, int]) -> str:
    """Non-zero per-level counts as one line: 街道（乡镇）级 1 · 社区（村）级 2."""
    parts = [f"{label} {counts[level]}" for level, label in OrgLevel.choices if counts.get(level)]
    return " · ".join(parts)
