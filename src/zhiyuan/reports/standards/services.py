"""Writes of the standards: assessing an item of a station or team, and a city's lists of items.
Each checks its actor (`permissions.py`), runs in one transaction and is audited.

A city's first change to a list copies the plan's items into rows (with their codes), then makes
the change: the plan's list stays the default of every other city.
"""

import secrets
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.common import locks
from zhiyuan.common.audit import log_action
from zhiyuan.common.text import clean_note
from zhiyuan.common.uploads import keep_evidence
from zhiyuan.organizations.enums import OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.reports.standards import permissions, selectors
from zhiyuan.reports.standards.enums import Standard, standard_of
from zhiyuan.reports.standards.models import StandardAssessment, StandardItem

#: The largest evidence file: a phone's photo or a scanned page.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
#: The most items a list may have (the widest tables seen elsewhere have ten).
MAX_ITEMS = 12


def _user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


# --- assessments -----------------------------------------------------------------------------


def assess_item(
    organization: Organization,
    *,
    actor: Any,
    item: str,
    met: Any,
    assessed_on: date,
    note: str = "",
    evidence: Any = None,
) -> StandardAssessment:
    """Record whether `organization` (a station or team) meets `item` (a code of the list in
    force for it) as of `assessed_on`, with an optional note and evidence (a JPEG or PNG photo
    or a PDF of at most EVIDENCE_MAX_BYTES, told by its bytes). A later assessment replaces it
    from its date; none is edited. Raises PermissionDenied unless `actor` administers it,
    ValidationError keyed by the field (organization, item, met, assessed_on, note, evidence).
    Audit: reports.standard.assessed."""
    permissions.require_assess(actor, organization)
    standard = standard_of(organization.kind)
    if not standard:
        raise ValidationError(
            {"organization": [_("Only service stations and service teams have a standard.")]}
        )
    if not organization.is_active:
        raise ValidationError({"organization": [_("This organisation is inactive.")]})
    if item not in selectors.items_for(organization, standard).codes:
        raise ValidationError({"item": [_("Choose an item of the standard.")]})
    if not isinstance(met, bool):
        raise ValidationError({"met": [_("Say whether the item is met.")]})
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": [_("An assessment cannot be dated in the future.")]})
    note = clean_note(note, limit=200, field="note")
    row = StandardAssessment(
        organization=organization,
        standard=standard,
        item_code=item,
        met=met,
        assessed_on=assessed_on,
        assessed_by=_user(actor),
        note=note,
    )
    content = (
        keep_evidence(row, evidence, limit=EVIDENCE_MAX_BYTES) if evidence is not None else None
    )
    with transaction.atomic():
        if content is not None:
            # A random stored name: no person's name goes into a path.
            name = f"{secrets.token_hex(16)}.{row.evidence_name.rsplit('.', 1)[-1]}"
            row.evidence.save(name, content, save=False)
        row.save()
        log_action(
            actor,
            "reports.standard.assessed",
            organization,
            organization=organization,
            data={
                "standard": standard,
                "item": item,
                "met": met,
                "assessed_on": assessed_on.isoformat(),
                "evidence": content is not None,
            },
        )
    return row


# --- a city's lists of items -----------------------------------------------------------------


def _own_list(city: Organization, standard: str) -> list[StandardItem]:
    """The city's rows of `standard`, locked for this transaction: the plan's items copied in
    first where it has none."""
    locks.hold(f"reports.standards.{city.pk}")
    rows = list(
        StandardItem.objects.select_for_update()
        .filter(organization=city, standard=standard)
        .order_by("position", "pk")
    )
    if rows:
        return rows
    rows = selectors.plan_items(standard)
    for row in rows:
        row.organization = city
    return StandardItem.objects.bulk_create(rows)


def _check_city(city: Organization, standard: str, actor: Any) -> None:
    permissions.require_set_items(actor, city)
    if city.level != OrgLevel.CITY:
        raise ValidationError({"organization": [_("A city sets the standards.")]})
    if standard not in Standard.values:
        raise ValidationError({"standard": [_("Choose a standard.")]})


def _texts(name: Any, short_name: Any, name_en: Any, short_name_en: Any) -> dict[str, str]:
    texts = {
        "name": clean_note(name, limit=100, field="name"),
        "short_name": clean_note(short_name, limit=12, field="short_name"),
        "name_en": clean_note(name_en, limit=200, field="name_en"),
        "short_name_en": clean_note(short_name_en, limit=30, field="short_name_en"),
    }
    errors = {
        key: [_("This field is required.")] for key in ("name", "short_name") if not texts[key]
    }
    if errors:
        raise ValidationError(errors)
    return texts


def save_item(
    city: Organization,
    *,
    actor: Any,
    standard: str,
    code: str = "",
    name: Any,
    short_name: Any,
    name_en: Any = "",
    short_name_en: Any = "",
) -> StandardItem:
    """Add an item to the city's list of `standard` (`code` ""), or reword item `code`. Raises
    PermissionDenied unless `actor` administers the city, ValidationError (a field, "code" for
    an unknown item, "standard" for a full list or another name already used). Audit:
    reports.standard_item.added or .changed."""
    _check_city(city, standard, actor)
    texts = _texts(name, short_name, name_en, short_name_en)
    with transaction.atomic():
        rows = _own_list(city, standard)
        data: dict[str, Any]
        if any(row.name == texts["name"] and row.code != code for row in rows):
            raise ValidationError({"name": [_("The list already has this item.")]})
        if code:
            row = next((row for row in rows if row.code == code), None)
            if row is None:
                raise ValidationError({"code": [_("The list has no such item.")]})
            before = {key: getattr(row, key) for key in texts}
            for key, value in texts.items():
                setattr(row, key, value)
            row.save(update_fields=list(texts))
            changed = {k: [before[k], texts[k]] for k in texts if before[k] != texts[k]}
            action, data = "reports.standard_item.changed", {"changed": changed}
        else:
            if sum(1 for row in rows if row.is_active) >= MAX_ITEMS:
                raise ValidationError(
                    {"standard": [_("A list has at most %(n)s items.") % {"n": MAX_ITEMS}]}
                )
            position = (max((r.position for r in rows), default=0)) + 1
            row = StandardItem.objects.create(
                organization=city,
                standard=standard,
                code=_new_code(rows),
                position=position,
                **texts,
            )
            action, data = "reports.standard_item.added", {"item_name": row.name}
        log_action(
            actor,
            action,
            row,
            organization=city,
            data={"standard": standard, "item": row.code, **data},
        )
    return row


def _new_code(rows: list[StandardItem]) -> str:
    taken = {row.code for row in rows}
    number = len(rows) + 1
    while f"item{number}" in taken:
        number += 1
    return f"item{number}"


def set_item_in_use(
    city: Organization, *, actor: Any, standard: str, code: str, in_use: bool
) -> StandardItem:
    """Retire item `code` from the city's list (its assessments are kept; it leaves the
    checklists and tables) or bring it back. Raises PermissionDenied, ValidationError (the last
    item in use cannot be retired). Audit: reports.standard_item.retired or .restored."""
    _check_city(city, standard, actor)
    with transaction.atomic():
        rows = _own_list(city, standard)
        row = next((row for row in rows if row.code == code), None)
        if row is None:
            raise ValidationError({"code": [_("The list has no such item.")]})
        if not in_use and [r.code for r in rows if r.is_active] == [code]:
            raise ValidationError({"code": [_("A standard keeps at least one item.")]})
        if row.is_active != in_use:
            row.is_active = in_use
            row.save(update_fields=["is_active"])
            log_action(
                actor,
                "reports.standard_item.restored" if in_use else "reports.standard_item.retired",
                row,
                organization=city,
                data={"standard": standard, "item": code},
            )
    return row


def move_item(
    city: Organization, *, actor: Any, standard: str, code: str, offset: int
) -> StandardItem:
    """Move item `code` `offset` places (-1: up, 1: down) in the city's list, the order of the
    checklists and the tables' columns. Raises PermissionDenied, ValidationError. Audit:
    reports.standard_item.moved."""
    _check_city(city, standard, actor)
    with transaction.atomic():
        rows = _own_list(city, standard)
        index = next((i for i, row in enumerate(rows) if row.code == code), None)
        if index is None:
            raise ValidationError({"code": [_("The list has no such item.")]})
        target = min(max(index + offset, 0), len(rows) - 1)
        if target != index:
            rows.insert(target, rows.pop(index))
            for position, row in enumerate(rows, start=1):
                row.position = position
            StandardItem.objects.bulk_update(rows, ["position"])
            log_action(
                actor,
                "reports.standard_item.moved",
                rows[target],
                organization=city,
                data={"standard": standard, "item": code, "item_position": target + 1},
            )
    return rows[target]
