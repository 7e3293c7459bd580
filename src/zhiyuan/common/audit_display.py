"""How audit entries read, in the reader's language: which object an entry is about (its
current name, with a link, where the reader may see it) and what its data say ("reason:
moved", never `revealed: False`).

Entries keep codes (action types, field names, choice values, object ids); every page and the
API render them here. A small registry, like the periodic jobs': each app describes the
object types and data keys it writes in an `audit_display` module, which `_discover` imports,
so this module names no app above it. An object outside the reader's scope is shown by its
type and id only: its name never leaves the scope.
"""

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Shown:
    """An audit entry's object as a reader sees it: a label, and a link where they may go."""

    label: str
    url: str = ""


# (reader, object ids) -> the objects the reader may see, by id.
Namer = Callable[[Any, list[str]], dict[str, Shown]]
# A value as words; None where the value is not one it knows.
ValueLabel = Callable[[Any], str | None]


@dataclass(frozen=True)
class ObjectType:
    label: Promise | str
    namer: Namer | None = None


OBJECT_TYPES: dict[str, ObjectType] = {}
KEY_LABELS: dict[str, Promise | str] = {}
VALUE_LABELS: dict[str, list[ValueLabel]] = defaultdict(list)
FIELD_LABELS: dict[str, dict[str, Any]] = {}  # object type -> field name -> label


class UnlabelledKey(UserWarning):
    """An audit entry's data holds a key no app described (it would show raw)."""


def object_type(name: str, label: Promise | str, namer: Namer | None = None) -> None:
    """Describe the objects of `name` (a model's `label_lower`): their kind in words and how a
    reader's visible ones are named and linked."""
    OBJECT_TYPES[name] = ObjectType(label, namer)


def data_keys(labels: dict[str, Promise | str], **values: Any) -> None:
    """Label data keys; `values` maps a key to a TextChoices class, a dict of value labels or
    a ValueLabel function (several apps may each add theirs for one key)."""
    KEY_LABELS.update(labels)
    for key, source in values.items():
        VALUE_LABELS[key].append(_value_label(source))


def field_labels(object_type_name: str, labels: dict[str, Any]) -> None:
    """Labels of the field names an entry's `fields` or `changed` lists for `object_type`."""
    FIELD_LABELS.setdefault(object_type_name, {}).update(labels)


def _value_label(source: Any) -> ValueLabel:
    if callable(source) and not hasattr(source, "choices"):
        return source  # type: ignore[no-any-return]
    labels = dict(source.choices) if hasattr(source, "choices") else dict(source)
    return lambda value: str(labels[value]) if isinstance(value, str) and value in labels else None


_discovered = False


def _discover() -> None:
    """Import the `audit_display` module of each of the project's apps (once)."""
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        if config.name.startswith("zhiyuan.") and module_has_submodule(
            config.module, "audit_display"
        ):
            import_module(f"{config.name}.audit_display")
    _discovered = True


def show_objects(reader: Any, entries: Iterable[Any]) -> dict[int, Shown]:
    """Entry id -> its object as `reader` sees it: the app's current name and link for the
    objects in the reader's scope (one query per object type), else the type's label and the
    id ("Registration #36"), whatever the entry once called it."""
    _discover()
    entries = list(entries)
    wanted: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        wanted[entry.object_type].add(entry.object_id)
    visible: dict[tuple[str, str], Shown] = {}
    for name, ids in wanted.items():
        kind = OBJECT_TYPES.get(name)
        if kind is not None and kind.namer is not None:
            for pk, shown in kind.namer(reader, sorted(ids)).items():
                visible[(name, pk)] = shown
    return {
        entry.pk: visible.get((entry.object_type, entry.object_id)) or _unnamed(entry)
        for entry in entries
    }


def _unnamed(entry: Any) -> Shown:
    kind = OBJECT_TYPES.get(entry.object_type)
    label = str(kind.label) if kind is not None else _("Record")
    return Shown(_("%(kind)s #%(id)s") % {"kind": label, "id": entry.object_id})


def describe_data(data: dict[str, Any] | None, object_type_name: str = "") -> str:
    """An entry's `data` as "label: value; …" in the active language: keys by their labels,
    choices by theirs, yes/no for flags, lists joined, changes as "field: old → new"."""
    _discover()
    parts = []
    for key, value in (data or {}).items():
        label = KEY_LABELS.get(key)
        if label is None:
            warnings.warn(f"Audit data key {key!r} has no label.", UnlabelledKey, stacklevel=2)
            label = key
        value_text = _value(key, value, object_type_name)
        parts.append(_("%(label)s: %(value)s") % {"label": label, "value": value_text})
    return _("; ").join(parts)


def _value(key: str, value: Any, object_type_name: str) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    for label in VALUE_LABELS.get(key, []):
        found = label(value)
        if found is not None:
            return found
    if key in ("fields", "field") or key == "changed":
        return _fields(key, value, object_type_name)
    if isinstance(value, list):
        return "、".join(_value(key, item, object_type_name) for item in value)
    if isinstance(value, dict):
        return "、".join(f"{k}: {_value(key, v, object_type_name)}" for k, v in value.items())
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return date_format(value)
    return str(value)


def _fields(key: str, value: Any, object_type_name: str) -> str:
    labels = FIELD_LABELS.get(object_type_name, {})

    def name(field: Any) -> str:
        return str(labels.get(field, field))

    if key == "changed" and isinstance(value, dict):
        return "、".join(
            f"{name(field)}: {' → '.join(str(v) for v in change)}"
            if isinstance(change, list)
            else f"{name(field)}: {change}"
            for field, change in value.items()
        )
    if isinstance(value, list):
        return "、".join(name(field) for field in value)
    return name(value)


# The common app's own objects: an export is its requester's alone, named by type and id only.
object_type("common.export", gettext_lazy("Export"))
data_keys({"export_file": gettext_lazy("file")})
