"""The one access layer: what a user may see and do, by their roles in the organisation tree.

A role on an organisation covers that organisation's subtree and nothing else (STYLE §7).
Every list, detail, search, export and API endpoint passes its queryset through `scope`;
objects outside the scope are absent, and detail look-ups answer 404 (`get_scoped_or_404`).
A model opts in by naming the path of its organisation in `ACCESS_PATH` ("path" for
Organization itself, "organization__path" for things that belong to one), or several in
`ACCESS_PATHS` when a role on any of them reaches the object (a registration: the
organisation it was made through, and its registration body's).
Platform staff with superuser rights see everything; the Django admin is theirs alone.
"""

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
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
    paths = access_paths(queryset.model)
    condition = Q()
    for prefix in prefixes:
        for path in paths:
            condition |= Q(**{f"{path}__startswith": prefix})
    return queryset.filter(condition)


def access_paths(model: Any) -> tuple[str, ...]:
    """The tree paths through which roles reach objects of `model`."""
    return tuple(getattr(model, "ACCESS_PATHS", None) or (model.ACCESS_PATH,))


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
