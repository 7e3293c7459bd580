"""Template filters of the help pages."""

from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(span: timedelta | None) -> str:
    """A time span as hours and minutes ("3 h 05 min"), seconds dropped; "—" for None."""
    if span is None:
        return "—"
    minutes = int(span.total_seconds() // 60)
    return _("%(hours)s h %(minutes)s min") % {
        "hours": minutes // 60,
        "minutes": f"{minutes % 60:02d}",
    }
