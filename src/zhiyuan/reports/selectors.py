"""Reads of targets: the rates that apply, the units that have a target, and the headcount or
population in force on a date. Counting volunteers is `counting.py`; whole tables are
`attachment3.py` (and the attachments to come)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from zhiyuan.divisions.enums import PREFIX_LENGTH
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.access import scope
from zhiyuan.organizations.enums import OrgKind, OrgLevel, StationType, UnitCategory
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.structure import NAME_PATTERN
from zhiyuan.reports.enums import TargetBasis
from zhiyuan.reports.models import Headcount, ResidentPopulation, TargetImport, TargetPolicy

STEP = Organization.steplen


def local_today() -> date:
    return timezone.localdate()


# --- the rates -----------------------------------------------------------------------------


def target_policy_for(organization: Organization) -> TargetPolicy:
    """The target policy of the nearest ancestor-or-self that has one; the plan's defaults
    where none does (an unsaved TargetPolicy, with no built-up area)."""
    paths = [organization.path[:end] for end in range(STEP, len(organization.path) + 1, STEP)]
    found = (
        TargetPolicy.objects.filter(organization__path__in=paths)
        .select_related("organization")
        .order_by("-organization__depth")
        .first()
    )
    return found or TargetPolicy()


def built_up_area(policy: TargetPolicy) -> list[Division]:
    """The divisions `policy` marks as the built-up urban area, by code; none for defaults."""
    if policy.pk is None:
        return []
    return list(policy.built_up_area.order_by("code"))


def city_of(organization: Organization) -> Organization | None:
    """The city-level organisation at or above `organization` (whose administrators open
    rounds and set the rates and standards), None above the cities."""
    if organization.level == OrgLevel.CITY:
        return organization
    paths = [organization.path[:end] for end in range(STEP, len(organization.path), STEP)]
    return Organization.objects.filter(path__in=paths, level=OrgLevel.CITY).first()


# --- units with a target -------------------------------------------------------------------

#: Organisations that stand for a community or village: its service station (plan §三(一)).
COMMUNITY = Q(
    kind=OrgKind.SERVICE_STATION, level=OrgLevel.COMMUNITY, station_type=StationType.COMMUNITY
)


def target_category(organization: Organization) -> str:
    """The category whose rate sets `organization`'s target: its own unit category, else, for
    a community's or village's station, civilised village or community; "" for none."""
    if organization.unit_category:
        return str(organization.unit_category)
    if (
        organization.kind == OrgKind.SERVICE_STATION
        and organization.level == OrgLevel.COMMUNITY
        and organization.station_type == StationType.COMMUNITY
    ):
        return UnitCategory.CIVILISED_VILLAGE.value
    return ""


def target_units(root: Organization) -> QuerySet[Organization]:
    """The active organisations of `root`'s subtree that have a target (a unit category, or a
    community's station), in tree order."""
    return (
        Organization.objects.filter(path__startswith=root.path, is_active=True)
        .filter(~Q(unit_category="") | COMMUNITY)
        .order_by("path")
    )


def short_name(organization: Organization) -> str:
    """An area's or community's name as tables write it: 岳阳楼街道志愿服务中心 → 岳阳楼街道,
    郭亮社区志愿服务站 → 郭亮社区; other names as they are."""
    name = organization.name
    if organization.kind == OrgKind.WORK_UNIT:
        return name
    for pattern in NAME_PATTERN.values():
        suffix = pattern.format("")
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


# --- figures in force on a date ------------------------------------------------------------


def headcounts_on(units: Iterable[int], day: date) -> dict[int, Headcount]:
    """Per unit id of `units`, the headcount in force on `day`: the one with the latest
    `valid_from` on or before it. Units without one are absent. One query."""
    found: dict[int, Headcount] = {}
    rows = Headcount.objects.filter(organization_id__in=list(units), valid_from__lte=day)
    for row in rows.order_by("organization_id", "valid_from"):
        found[row.organization_id] = row  # the latest wins
    return found


def populations_on(codes: Iterable[str], day: date) -> dict[str, ResidentPopulation]:
    """Per division code of `codes`, the resident population in force on `day` (the latest
    `valid_from` on or before it). Divisions without one are absent. One query."""
    found: dict[str, ResidentPopulation] = {}
    rows = ResidentPopulation.objects.filter(division_id__in=list(codes), valid_from__lte=day)
    for row in rows.order_by("division_id", "valid_from"):
        found[row.division_id] = row
    return found


@dataclass(frozen=True)
class Denominator:
    """What a target is a share of on a day: the figure (None: not recorded) and, for a
    population, the divisions it adds up and those still without one."""

    basis: str
    value: int | None
    divisions: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


def population_total(codes: list[str], populations: dict[str, ResidentPopulation]) -> Denominator:
    """The sum of the populations of `codes`; None (and the codes without one) unless every one
    of them has a figure: a sum of some would understate the target."""
    missing = tuple(code for code in codes if code not in populations)
    value = None if missing or not codes else sum(populations[c].population for c in codes)
    return Denominator(TargetBasis.POPULATION, value, tuple(codes), missing)


# --- history and imports, in scope -------------------------------------------------------


def headcount_history(organization: Organization) -> QuerySet[Headcount]:
    return organization.headcounts.select_related("recorded_by").order_by("-valid_from")


def population_history(codes: list[str]) -> QuerySet[ResidentPopulation]:
    return (
        ResidentPopulation.objects.filter(division_id__in=codes)
        .select_related("division", "recorded_by")
        .order_by("division_id", "-valid_from")
    )


def division_ancestor_codes(code: str) -> list[str]:
    """The codes of a 12-digit division code and of every division above it, highest first:
    430602001001 → 430000000000, 430600000000, 430602000000, 430602001000, 430602001001."""
    codes = [code[:length].ljust(12, "0") for length in PREFIX_LENGTH.values()]
    return list(dict.fromkeys(codes))


def target_imports(user: Any) -> QuerySet[TargetImport]:
    """The imports placed in `user`'s subtrees, newest first, without their files."""
    rows = TargetImport.objects.select_related("uploaded_by", "organization").defer("content")
    return scope(user, rows)
