"""Where a help request goes: the service stations and teams whose jurisdiction holds its
place (属地管理, plan §三(一): a station serves its community, a street's team its street).

The covering organisations are the active stations and service teams (`TEAM_KINDS`) whose
jurisdiction holds the request's division, or failing any, the nearest ancestor division that
has some (a community without a station goes to its street's team). The request's
`organization` (its station: whose office sees it and whose response times count it) is the
first covering station in tree order, else the first covering team.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhiyuan.divisions.models import Division
from zhiyuan.organizations.enums import OrgKind
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.selectors import TEAM_KINDS


def _ancestry(division: Division) -> list[Division]:
    """`division` and its ancestors, nearest first (at most five levels)."""
    chain: list[Division] = []
    current: Division | None = division
    while current is not None and len(chain) < 6:
        chain.append(current)
        current = current.parent
    return chain


def covering(division: Division) -> list[Organization]:
    """The active stations and teams covering `division`, stations first, each in tree order;
    [] when none covers it or any of its ancestors."""
    for place in _ancestry(division):
        found = list(
            Organization.objects.filter(
                jurisdiction=place, kind__in=TEAM_KINDS, is_active=True
            ).order_by("path")
        )
        if found:
            stations = [o for o in found if o.kind == OrgKind.SERVICE_STATION]
            return stations + [o for o in found if o.kind != OrgKind.SERVICE_STATION]
    return []


def route(division: Division) -> list[Organization]:
    """`covering(division)`. Raises ValidationError ("division", code "uncovered") when no
    station or team covers the place."""
    found = covering(division)
    if not found:
        raise ValidationError(
            {
                "division": ValidationError(
                    _(
                        "No service station or team covers %(place)s yet: ask the street's "
                        "office by phone."
                    ),
                    code="uncovered",
                    params={"place": division.name},
                )
            }
        )
    return found
