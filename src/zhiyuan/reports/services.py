"""Writes of targets: a unit's headcount and a division's resident population from a date on,
and a city's rates and built-up area. Each checks its actor (`permissions.py`), runs in one
transaction and is audited. A unit's category is the organisation's own field, changed through
`organizations.services.update_organization` (audited there).

A headcount below the volunteers already counted for the unit is accepted with a warning
(reality changes: the figure may be right and the registrations out of date); a negative or
non-numeric one never reaches here (forms, the API and the import refuse it with a message).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhiyuan.common import locks
from zhiyuan.common.audit import log_action
from zhiyuan.common.text import has_control_characters, holds_personal_number
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import counting, permissions, selectors
from zhiyuan.reports.enums import TargetBasis, basis_of
from zhiyuan.reports.models import RATE_FIELDS, Headcount, ResidentPopulation, TargetPolicy

#: Held by every write of headcounts and populations: two imports (or an import and a page)
#: deciding "new row or correction" for the same unit and date run one after the other.
TARGETS_LOCK = "reports.targets"
MAX_FIGURE = 2_000_000_000  # beyond any city; PositiveIntegerField holds up to 2**31 - 1


@dataclass
class Recorded:
    """What a write did: the row, the figure in force on its date before (None: none was),
    and warnings to show (already translated)."""

    row: Any
    previous: int | None = None
    warnings: list[str] = field(default_factory=list)


def clean_figure(value: Any, *, field_name: str) -> int:
    """`value` as a headcount or population: a whole number from 0 to MAX_FIGURE. Raises
    ValidationError ({field_name: message}) for anything else, saying what was wrong."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field_name: [_("Enter a whole number, e.g. 120.")]})
    if value < 0:
        raise ValidationError({field_name: [_("A headcount or population cannot be negative.")]})
    if value > MAX_FIGURE:
        raise ValidationError({field_name: [_("This number is too large to be right.")]})
    return value


def clean_source(value: str) -> str:
    text = (value or "").strip()
    if has_control_characters(text) or holds_personal_number(text):
        raise ValidationError(
            {"source": [_("Name where the figure comes from, without ID or phone numbers.")]}
        )
    return text[:200]


def check_valid_from(day: date) -> None:
    if day > selectors.local_today():
        raise ValidationError(
            {"valid_from": [_("A figure cannot hold from a date in the future.")]}
        )


def counted_for_unit(unit: Organization, day: date) -> int:
    """Registered volunteers counted for `unit` on `day` (its staff, by work unit; those
    registered through it for a community)."""
    subtree = counting.Subtree(unit)
    if basis_of(selectors.target_category(unit)) == TargetBasis.POPULATION:
        paths = counting.by_registration_path(subtree, day)
    else:
        paths = counting.by_work_unit_path(subtree, day)
    return counting.total(paths).registered


def below_counted_warning(figure: int, counted: int) -> str | None:
    if figure >= counted:
        return None
    return _(
        "The figure %(figure)s is below the %(counted)s registered volunteers already counted "
        "for it. It was accepted: check the figure or the registrations."
    ) % {"figure": figure, "counted": counted}


def record_headcount(
    unit: Organization, *, actor: Any, headcount: Any, valid_from: date, source: str = ""
) -> Recorded:
    """Record `unit`'s headcount from `valid_from` on (a second figure for the same date
    corrects the first). Raises ValidationError (headcount, valid_from, source, or "unit" for
    an organisation without a headcount target), PermissionDenied unless `actor` administers
    the unit."""
    permissions.require_set_headcount(actor, unit)
    category = selectors.target_category(unit)
    if not category:
        raise ValidationError({"unit": [_("This organisation has no unit category.")]})
    if basis_of(category) == TargetBasis.POPULATION:
        raise ValidationError(
            {
                "unit": [
                    _(
                        "A community's or village's target is a share of its resident "
                        "population: record the population of its divisions instead."
                    )
                ]
            }
        )
    figure = clean_figure(headcount, field_name="headcount")
    check_valid_from(valid_from)
    source = clean_source(source)
    with transaction.atomic():
        locks.hold(TARGETS_LOCK)
        before = selectors.headcounts_on([unit.pk], valid_from).get(unit.pk)
        previous = before.headcount if before else None
        row = _upsert(Headcount, {"organization": unit, "valid_from": valid_from})
        row.headcount = figure
        row.source, row.recorded_by = source, _user(actor)
        row.save()
        log_action(
            actor,
            "reports.headcount.recorded",
            unit,
            organization=unit,
            data={
                "headcount": figure,
                "valid_from": valid_from.isoformat(),
                "previous": previous,
                "data_source": source,
            },
        )
    warning = below_counted_warning(figure, counted_for_unit(unit, selectors.local_today()))
    return Recorded(row, previous, [warning] if warning else [])


def record_population(
    division: Division, *, actor: Any, population: Any, valid_from: date, source: str = ""
) -> Recorded:
    """Record `division`'s resident population from `valid_from` on (a second figure for the
    same date corrects the first). Raises ValidationError, PermissionDenied (see
    `permissions.may_set_population`)."""
    permissions.require_set_population(actor, division)
    if division.abolished:
        raise ValidationError({"division": [_("This division is abolished.")]})
    figure = clean_figure(population, field_name="population")
    check_valid_from(valid_from)
    source = clean_source(source)
    serving = permissions.serving_organizations(division)
    with transaction.atomic():
        locks.hold(TARGETS_LOCK)
        before = selectors.populations_on([division.code], valid_from).get(division.code)
        previous = before.population if before else None
        row = _upsert(ResidentPopulation, {"division": division, "valid_from": valid_from})
        row.population = figure
        row.source, row.recorded_by = source, _user(actor)
        row.save()
        log_action(
            actor,
            "reports.population.recorded",
            division,
            organization=serving[0] if serving else None,
            data={
                "population": figure,
                "valid_from": valid_from.isoformat(),
                "previous": previous,
                "data_source": source,
            },
        )
    return Recorded(row, previous)


def _upsert(model: Any, key: dict[str, Any]) -> Any:
    """The row for `key` (a unit's or division's date), locked, or a new one: a second figure
    for the same date corrects the first."""
    return model.objects.select_for_update().filter(**key).first() or model(**key)


def _user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def set_target_policy(
    organization: Organization,
    *,
    actor: Any,
    rates: dict[str, Decimal],
    built_up_area: list[Division],
) -> TargetPolicy:
    """Set the city's rates (percent, by RATE_FIELDS name; those left out keep their value)
    and its built-up urban area. Raises ValidationError (a rate outside 0–100, a division
    outside the city, abolished or inside another of the area), PermissionDenied unless
    `actor` administers the city-level `organization`."""
    permissions.require_set_policy(actor, organization)
    unknown = set(rates) - set(RATE_FIELDS)
    if unknown:
        raise ValueError(f"Not a rate: {sorted(unknown)}")
    _check_rates(rates)
    _check_area(organization, built_up_area)
    with transaction.atomic():
        policy, _created = TargetPolicy.objects.select_for_update().get_or_create(
            organization=organization
        )
        before = {name: getattr(policy, name) for name in RATE_FIELDS}
        old_area = sorted(policy.built_up_area.values_list("code", flat=True))
        for name, value in rates.items():
            setattr(policy, name, value)
        policy.updated_by = _user(actor)
        policy.save()
        policy.built_up_area.set(built_up_area)
        new_area = sorted(division.code for division in built_up_area)
        changed = {
            name: [str(before[name]), str(getattr(policy, name))]
            for name in RATE_FIELDS
            if Decimal(before[name]) != Decimal(getattr(policy, name))
        }
        if changed or old_area != new_area or _created:
            log_action(
                actor,
                "reports.target_policy.changed",
                policy,
                organization=organization,
                data={"changed": changed, "built_up_area": new_area},
            )
    return policy


def _check_rates(rates: dict[str, Decimal]) -> None:
    errors = {
        name: [_("A rate is a percentage from 0 to 100.")]
        for name, value in rates.items()
        if not isinstance(value, Decimal) or not Decimal(0) <= value <= Decimal(100)
    }
    if errors:
        raise ValidationError(errors)


def _check_area(organization: Organization, divisions: list[Division]) -> None:
    cities = [d.prefix for d in organization.jurisdiction.all()]
    problems = []
    for division in divisions:
        if division.abolished:
            problems.append(_("%(name)s is abolished.") % {"name": division.name})
        elif not any(division.code.startswith(prefix) for prefix in cities):
            problems.append(_("%(name)s is not in the city.") % {"name": division.name})
        elif any(
            other.code != division.code and division.code.startswith(other.prefix)
            for other in divisions
        ):
            problems.append(
                _(
                    "%(name)s lies inside another division of the area: its people would count twice."
                )
                % {"name": division.name}
            )
    if problems:
        raise ValidationError({"built_up_area": problems})
