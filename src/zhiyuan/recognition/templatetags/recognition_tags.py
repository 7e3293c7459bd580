"""Template tags of recognition for pages of the apps below it: the ledger's column of this
year's confirmed hours against the yearly hours expected, read for a whole page at once."""

from collections.abc import Iterable
from typing import Any

from django import template

from zhiyuan.hours import rules
from zhiyuan.recognition import selectors
from zhiyuan.volunteers.models import Volunteer

register = template.Library()


@register.simple_tag
def yearly_hours(volunteers: Iterable[Any]) -> dict[int, tuple[int, int]]:
    """volunteer id -> (this year's counted minutes, minutes expected) for the volunteers of a
    page (`{% yearly_hours page as lines %}`): one annotated query for the page, whatever its
    size, and the policies read once."""
    ids = [volunteer.pk for volunteer in volunteers]
    if not ids:
        return {}
    found = selectors.policies()
    rows = (
        Volunteer.objects.filter(pk__in=ids)
        .annotate(
            year_minutes=selectors.year_minutes_expression(selectors.local_today().year),
            target_minutes=found.case("organization_path", selectors.yearly_target_minutes),
        )
        .values_list("pk", "year_minutes", "target_minutes")
    )
    return {pk: (minutes, target) for pk, minutes, target in rows}


@register.filter
def yearly_line(lines: dict[int, tuple[int, int]], volunteer: Any) -> str:
    """ "12.50 / 20" (hours this year / hours expected), or "—" for a volunteer not read."""
    found = lines.get(getattr(volunteer, "pk", None))  # type: ignore[arg-type]
    if found is None:
        return "—"
    minutes, target = found
    return f"{rules.hours(minutes):.2f} / {rules.hours(target).normalize():f}"


@register.filter
def below_line(lines: dict[int, tuple[int, int]], volunteer: Any) -> bool:
    found = lines.get(getattr(volunteer, "pk", None))  # type: ignore[arg-type]
    return found is not None and found[0] < found[1]
