"""The one access layer: what a user may see and do, by their roles in the organisation tree.

A role on an organisation covers that organisation's subtree and nothing else (STYLE §7).
Every list, detail, search, export and API endpoint passes its queryset through `scope`;
objects outside the scope are absent, and detail look-ups answer 404 (`get_scoped_or_404`).
A model opts in by naming the path of its organisation in `ACCESS_PATH` ("path" for
Organization itself, "organization__path" for things that belong to one), or several in
`ACCESS_PATHS` when a role on any of them reaches the object (a registration: the
organisation it was made through, and its registration body's).
Platform staff with superuser rights see everything; the Django admin is theirs alone.

A table that grows with the city (registrations; activities and hour records to come) keeps a
copy of the path on its own row in a `ScopePathField` and names that field in `ACCESS_PATHS`.
`scope` then asks for a range of that indexed column (`path >= p AND path < p'`), which a
B-tree serves on every database, so a street's list reads the street's rows and no others; a
path reached through joins (`organization__path`) can only be filtered after the joins, so
two of them joined by OR make PostgreSQL read the whole table. The copies follow the tree:
treebeard announces every rewrite of a subtree's paths (a move, a sibling shifted, a repair)
and `follow_path_change` rewrites the copies the same way (`OrganizationsConfig.ready`).
"""

from collections.abc import Iterable
from functools import cache
from typing import Any, TypeVar

from django.apps import apps
from django.db import models
from django.db.models import Model, Q, QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.http import Http404

from zhiyuan.organizations.enums import RoleKind

M = TypeVar("M", bound=Model)

ALL_ROLES = frozenset(RoleKind)
_CACHE_ATTR = "_zhiyuan_scope_cache"


def _minimal_prefixes(paths: Iterable[str]) -> list[str]:
    """Drop paths already covered by a shorter one (a role under another role's subtree)."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(prefix) for prefix in kept):
            kept.append(path)
    return sorted(kept)


def scope_prefixes(user: Any, roles: Iterable[str] = ALL_ROLES) -> list[str] | None:
    """Tree paths whose subtrees `user` reaches through `roles`; None means everything.

    Cached on the user object for the request. Inactive or anonymous users reach nothing.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    wanted = frozenset(roles)
    cache: dict[frozenset[str], list[str]] = user.__dict__.setdefault(_CACHE_ATTR, {})
    if wanted not in cache:
        paths = list(
            user.roles.filter(kind__in=wanted, organization__is_active=True).values_list(
                "organization__path", flat=True
            )
        )
        cache[wanted] = _minimal_prefixes(_without_inactive_ancestors(paths))
    return cache[wanted]


def _without_inactive_ancestors(paths: list[str]) -> list[str]:
    """Drop role paths that lie under a deactivated organisation: deactivating an organisation
    ends the access of every role in its subtree (one query)."""
    from zhiyuan.organizations.models import Organization

    step = Organization.steplen
    ancestors = {path[:end] for path in paths for end in range(step, len(path), step)}
    if not ancestors:
        return paths
    inactive = set(
        Organization.objects.filter(path__in=ancestors, is_active=False).values_list(
            "path", flat=True
        )
    )
    return [path for path in paths if not any(path.startswith(dead) for dead in inactive)]


def forget_scope(user: Any) -> None:
    """Drop the cached scope after the user's roles changed."""
    user.__dict__.pop(_CACHE_ATTR, None)


def scope(user: Any, queryset: QuerySet[M], roles: Iterable[str] = ALL_ROLES) -> QuerySet[M]:
    """Restrict `queryset` to objects inside the subtrees `user` reaches through `roles`."""
    prefixes = scope_prefixes(user, roles)
    if prefixes is None:
        return queryset
    if not prefixes:
        return queryset.none()
    return queryset.filter(within(queryset.model, prefixes))


def in_subtree(queryset: QuerySet[M], organization: Any) -> QuerySet[M]:
    """Restrict `queryset` to objects inside `organization`'s subtree, reached as `scope`
    reaches them (a list's organisation filter)."""
    return queryset.filter(within(queryset.model, [organization.path]))


def within(model: Any, prefixes: Iterable[str]) -> Q:
    """The condition that an object of `model` lies in one of the subtrees at `prefixes`,
    through any of its access paths: a range of an indexed `ScopePathField`, else a prefix
    match (`startswith`) of the path it names."""
    condition = Q()
    for path in access_paths(model):
        copied = _is_scope_path(model, path)
        for prefix in prefixes:
            if copied:
                condition |= Q(**{f"{path}__gte": prefix, f"{path}__lt": after_subtree(prefix)})
            else:
                condition |= Q(**{f"{path}__startswith": prefix})
    return condition


def after_subtree(prefix: str) -> str:
    """The least string above every path that starts with `prefix` (the last character raised
    by one): `path >= prefix AND path < after_subtree(prefix)` holds exactly for the paths
    starting with `prefix`, in byte order (SQLite's; PostgreSQL's with the C collation that
    `ScopePathField` sets)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def access_paths(model: Any) -> tuple[str, ...]:
    """The tree paths through which roles reach objects of `model`."""
    return tuple(getattr(model, "ACCESS_PATHS", None) or (model.ACCESS_PATH,))


@cache
def _is_scope_path(model: Any, lookup: str) -> bool:
    """Whether `lookup` (e.g. "volunteer__organization_path") ends at a ScopePathField."""
    *relations, name = lookup.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return isinstance(model._meta.get_field(name), ScopePathField)


def get_scoped_or_404(
    user: Any, queryset: QuerySet[M], roles: Iterable[str] = ALL_ROLES, **lookup: Any
) -> M:
    """The one object matching `lookup` inside the user's scope, else Http404."""
    try:
        return scope(user, queryset, roles).get(**lookup)
    except queryset.model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404 from None


def covers(user: Any, organization: Any, roles: Iterable[str] = ALL_ROLES) -> bool:
    """Whether `user` holds one of `roles` on `organization` or one of its ancestors."""
    prefixes = scope_prefixes(user, roles)
    if prefixes is None:
        return True
    return any(organization.path.startswith(prefix) for prefix in prefixes)


class ScopePathField(models.CharField):  # type: ignore[type-arg]
    """A copy, on the row, of the tree path of the organisation reached through `source` (a
    relation: "organization", "body__organization"), so that `scope` filters the row's own
    indexed column instead of a joined table's (see the module's docstring).

    Declare it, index it with a plain B-tree in Meta, and name it in `ACCESS_PATHS`:

        ACCESS_PATHS = ("organization_path",)
        organization_path = ScopePathField(source="organization")
        class Meta:
            indexes = [models.Index(fields=["organization_path"], name="…")]

    The value is taken from the source when a row is added (`save`, `bulk_create`,
    `common.bulk.TableWriter` from its prototype) and whenever the row is saved with the first
    relation of `source` loaded on the instance, as assigning it does (`row.organization = x`).
    A `save(update_fields=…)` that changes the relation must name the copy too
    (`with_scope_paths`); a queryset `update()` of the relation must set the copy itself.
    Moves in the tree are followed (`follow_path_change`). On PostgreSQL the column uses the C
    collation, so that ranges and prefix matches compare bytes, as paths are built.
    """

    _DEFAULTS: dict[str, Any] = {"max_length": 255, "default": "", "blank": True, "editable": False}

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        for key, value in self._DEFAULTS.items():
            kwargs.setdefault(key, value)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        for key, value in self._DEFAULTS.items():
            if kwargs.get(key, value) == value:
                kwargs.pop(key, None)
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters

    def pre_save(self, model_instance: Model, add: bool) -> Any:
        relation: Any = model_instance._meta.get_field(self.source.split("__")[0])
        if add or relation.is_cached(model_instance):
            setattr(model_instance, self.attname, self.path_of(model_instance))
        return getattr(model_instance, self.attname)

    def path_of(self, instance: Model) -> str:
        """The path of the organisation `source` leads to from `instance` ("" when none)."""
        target: Any = instance
        for relation in self.source.split("__"):
            target = getattr(target, relation)
            if target is None:
                return ""
        return str(target.path)


def scope_path_fields(model: Any) -> list[ScopePathField]:
    """The ScopePathFields of `model`."""
    return [field for field in model._meta.fields if isinstance(field, ScopePathField)]


def with_scope_paths(model: Any, update_fields: Iterable[str]) -> list[str]:
    """`update_fields` and the copies whose source starts with one of them: what a
    `save(update_fields=…)` that changes a relation must write (`Model.save` passes only the
    named fields to `pre_save`)."""
    names = list(update_fields)
    for field in scope_path_fields(model):
        first = model._meta.get_field(field.source.split("__")[0])
        if {first.name, first.attname} & set(names) and field.name not in names:
            names.append(field.name)
    return names


def follow_path_change(old_path: str, new_path: str, using: str = "default") -> None:
    """Rewrite every copied path in the subtree that moved from `old_path` to `new_path`, as
    treebeard rewrote the organisations' (its `path_updated` signal, sent for each subtree it
    rewrites, in order, inside the moving transaction). One UPDATE per copy, over the index."""
    if old_path == new_path:
        return
    for model in _models_with_scope_paths():
        for field in scope_path_fields(model):
            name = field.name
            rows = model._default_manager.using(using).filter(
                **{f"{name}__gte": old_path, f"{name}__lt": after_subtree(old_path)}
            )
            rows.update(**{name: Concat(Value(new_path), Substr(name, len(old_path) + 1))})


def _models_with_scope_paths() -> list[Any]:
    return [model for model in apps.get_models() if scope_path_fields(model)]
