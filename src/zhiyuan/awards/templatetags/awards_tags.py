"""The awards a registration holds, as a section of the pages that show a registration (the
office's volunteer page, the portal's /me/), which live in apps below awards: they load this
library in their templates and never import awards."""

from typing import Any

from django import template

from zhiyuan.awards import selectors

register = template.Library()


@register.inclusion_tag("awards/_awards.html")
def volunteer_awards(volunteer: Any, place: str = "office") -> dict[str, Any]:
    """The fixed and published awards of `volunteer` (one query), for `place` ("office" or
    "portal": a heading of the page's level)."""
    return {"awards": list(selectors.awards_of_volunteers([volunteer.pk])), "place": place}
