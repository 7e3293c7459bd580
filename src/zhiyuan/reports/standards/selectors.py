"""Reads of the standards: the list of items in force for an organisation, the assessments
standing on a date, and a station's or team's checklist with its history."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet

from zhiyuan.organizations.access import scope
from zhiyuan.organizations.models import Organization
from zhiyuan.reports.standards.enums import PLAN_ITEMS, standard_of
from zhiyuan.reports.standards.models import StandardAssessment, StandardItem

STEP = Organization.steplen


@dataclass(frozen=True)
class ItemList:
    """The items of `standard` in force under an organisation: those of `owner` (the city, or
    the nearest organisation above that set a list), or the plan's where none did (`owner`
    None; the items are then unsaved)."""

    standard: str
    owner: Organization | None
    items: tuple[StandardItem, ...]

    @property
    def active(self) -> list[StandardItem]:
        return [item for item in self.items if item.is_active]

    @property
    def codes(self) -> list[str]:
        return [item.code for item in self.active]


def plan_items(standard: str) -> list[StandardItem]:
    """The plan's items of `standard` as unsaved rows, in the plan's order."""
    return [
        StandardItem(
            standard=standard,
            code=item.code,
            name=item.name,
            short_name=item.short_name,
            name_en=item.name_en,
            short_name_en=item.short_name_en,
            position=position,
        )
        for position, item in enumerate(PLAN_ITEMS[standard], start=1)
    ]


def items_for(organization: Organization, standard: str) -> ItemList:
    """The list of `standard` in force for `organization`: the nearest ancestor-or-self's that
    has one, else the plan's. Two queries at most."""
    paths = [organization.path[:end] for end in range(STEP, len(organization.path) + 1, STEP)]
    owner = _owner(paths, standard)
    if owner is None:
        return ItemList(standard, None, tuple(plan_items(standard)))
    items = StandardItem.objects.filter(organization=owner, standard=standard)
    return ItemList(standard, owner, tuple(items.order_by("position", "pk")))


def _owner(paths: list[str], standard: str) -> Organization | None:
    found = (
        StandardItem.objects.filter(organization__path__in=paths, standard=standard)
        .select_related("organization")
        .order_by("-organization__depth")
        .first()
    )
    return found.organization if found else None


def standing(
    organizations: Iterable[int], standard: str, day: date
) -> dict[tuple[int, str], StandardAssessment]:
    """Per (organisation id, item code): the assessment standing on `day`, the latest assessed
    on or before it (of two on one day, the one recorded last). One query."""
    found: dict[tuple[int, str], StandardAssessment] = {}
    rows = StandardAssessment.objects.filter(
        organization_id__in=list(organizations), standard=standard, assessed_on__lte=day
    ).select_related("assessed_by")
    for row in rows.order_by("organization_id", "item_code", "assessed_on", "pk"):
        found[(row.organization_id, row.item_code)] = row  # the latest wins
    return found


def standing_in_subtree(
    root: Organization, standard: str, day: date
) -> dict[tuple[int, str], bool]:
    """Per (organisation id, item code) of `root`'s subtree: whether the item stood met on
    `day`. One query, whatever the size of the subtree."""
    rows = StandardAssessment.objects.filter(
        organization__path__startswith=root.path, standard=standard, assessed_on__lte=day
    )
    found: dict[tuple[int, str], bool] = {}
    ordered = rows.order_by("organization_id", "item_code", "assessed_on", "pk")
    for organization_id, code, met in ordered.values_list("organization_id", "item_code", "met"):
        found[(organization_id, code)] = met
    return found


@dataclass(frozen=True)
class ChecklistLine:
    """An item with the assessment standing on the day (None: never assessed)."""

    item: StandardItem
    assessment: StandardAssessment | None

    @property
    def met(self) -> bool | None:
        return None if self.assessment is None else self.assessment.met


@dataclass(frozen=True)
class Checklist:
    """A station's or team's standard on `day`: its items in force, each with its standing
    assessment."""

    organization: Organization
    items: ItemList
    lines: tuple[ChecklistLine, ...]
    day: date

    @property
    def met_count(self) -> int:
        return sum(1 for line in self.lines if line.met)

    @property
    def all_met(self) -> bool:
        return bool(self.lines) and self.met_count == len(self.lines)


def checklist(organization: Organization, day: date) -> Checklist | None:
    """`organization`'s checklist on `day`, None for an organisation with no standard."""
    standard = standard_of(organization.kind)
    if not standard:
        return None
    items = items_for(organization, standard)
    current = standing([organization.pk], standard, day)
    lines = tuple(
        ChecklistLine(item, current.get((organization.pk, item.code))) for item in items.active
    )
    return Checklist(organization, items, lines, day)


def history(organization: Organization) -> QuerySet[StandardAssessment]:
    """Every assessment of `organization`, newest first."""
    return (
        StandardAssessment.objects.filter(organization=organization)
        .select_related("assessed_by")
        .order_by("-assessed_on", "-pk")
    )


def assessments(user: Any) -> QuerySet[StandardAssessment]:
    """The assessments of the stations and teams in `user`'s subtrees."""
    return scope(user, StandardAssessment.objects.all())
