"""Reads of the organisation tree, always through the access layer."""

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from zhiyuan.organizations.access import scope, scope_prefixes
from zhiyuan.organizations.enums import OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING

STEP = Organization.steplen


def visible_organizations(user: Any) -> QuerySet[Organization]:
    return scope(user, Organization.objects.all())


def administered_organizations(actor: Any) -> QuerySet[Organization]:
    """Active organisations inside the subtrees `actor` administers, in tree order."""
    active = Organization.objects.filter(is_active=True)
    return scope(actor, active, ADMINISTERING).order_by("path")


def administered_organization(actor: Any, code: str) -> Organization | None:
    """The active organisation with `code` inside `actor`'s administered subtrees, else None."""
    return administered_organizations(actor).filter(code=(code or "").strip()).first()


def scope_roots(user: Any) -> list[Organization]:
    """The top nodes of what `user` sees: the organisations they hold roles on (or the roots)."""
    prefixes = scope_prefixes(user)
    if prefixes is None:
        return list(Organization.objects.filter(depth=1).order_by("path"))
    return list(Organization.objects.filter(path__in=prefixes).order_by("path"))


def level_counts(queryset: QuerySet[Organization]) -> dict[int, int]:
    """Number of organisations per level (OrgLevel value -> count), all levels present."""
    counts = dict.fromkeys(OrgLevel.values, 0)
    for row in queryset.order_by().values("level").annotate(n=Count("id")):
        counts[row["level"]] = row["n"]
    return counts


def subtree_level_counts(nodes: list[Organization]) -> dict[int, dict[int, int]]:
    """Per node (by pk), the number of organisations per level in its subtree, itself included.

    One query per distinct depth among `nodes`.
    """
    result: dict[int, dict[int, int]] = {
        node.pk: dict.fromkeys(OrgLevel.values, 0) for node in nodes
    }
    by_depth: dict[int, list[Organization]] = defaultdict(list)
    for node in nodes:
        by_depth[node.depth].append(node)
    for depth, group in by_depth.items():
        by_path = {node.path: node.pk for node in group}
        condition = Q()
        for path in by_path:
            condition |= Q(path__startswith=path)
        rows = (
            Organization.objects.filter(condition)
            .annotate(anchor=Substr("path", 1, depth * STEP))
            .order_by()
            .values("anchor", "level")
            .annotate(n=Count("id"))
        )
        for row in rows:
            result[by_path[row["anchor"]]][row["level"]] = row["n"]
    return result


def children_of(user: Any, node: Organization) -> list[Organization]:
    """Children of `node` that `user` may see, in tree order."""
    return list(
        visible_organizations(user)
        .filter(path__startswith=node.path, depth=node.depth + 1)
        .order_by("path")
    )


def ancestors_within_scope(user: Any, node: Organization) -> list[Organization]:
    """The breadcrumb: ancestors of `node` that `user` may see, top first."""
    paths = [node.path[: STEP * d] for d in range(1, node.depth)]
    return list(visible_organizations(user).filter(path__in=paths).order_by("depth"))


def search_organizations(
    user: Any, query: str, *, limit: int | None = 100
) -> QuerySet[Organization]:
    """Organisations in scope whose name contains `query`, or, for digits, whose organisation
    code or jurisdiction division code starts with it. `limit=None` leaves the queryset
    unsliced, so that callers (the API) may filter and paginate it further."""
    query = query.strip()
    found = visible_organizations(user)
    if query.isdigit():
        found = found.filter(Q(code__startswith=query) | Q(jurisdiction__code__startswith=query))
    else:
        found = found.filter(Q(name__icontains=query) | Q(code__istartswith=query))
    return found.distinct().order_by("path")[:limit]


PICK_LIMIT = 20
CANDIDATES = 10


def pick_organizations(
    queryset: QuerySet[Organization], text: str, *, limit: int = PICK_LIMIT
) -> list[Organization]:
    """For a picker: organisations of `queryset` (already scoped) whose name contains `text`
    or whose code starts with it (either case), the higher levels first."""
    text = text.strip()
    if not text:
        return []
    found = queryset.filter(Q(name__icontains=text) | Q(code__istartswith=text))
    return list(found.order_by("depth", "path").only("pk", "code", "name")[:limit])


def resolve_organization(
    queryset: QuerySet[Organization], text: str
) -> tuple[Organization | None, list[Organization]]:
    """The organisation of `queryset` (already scoped) that `text` names: its code (either
    case), its exact name, or the only one whose name contains it. Else (None, the
    candidates, at most CANDIDATES; none when nothing matches)."""
    text = text.strip()
    if not text:
        return None, []
    exact = list(queryset.filter(Q(code__iexact=text) | Q(name=text)).order_by("depth", "path")[:2])
    if len(exact) == 1:
        return exact[0], []
    candidates = exact or pick_organizations(queryset, text, limit=CANDIDATES + 1)
    if len(candidates) == 1:
        return candidates[0], []
    return None, candidates[:CANDIDATES]


def visible_parent_ids(user: Any, nodes: list[Organization]) -> dict[int, int | None]:
    """Per node (by pk), the pk of its parent when `user` may see that parent, else None.

    One query however many nodes; a scope root's parent lies outside the scope and stays None.
    """
    parent_paths = {node.pk: node.path[:-STEP] for node in nodes if node.depth > 1}
    found = dict(
        visible_organizations(user)
        .filter(path__in=set(parent_paths.values()))
        .values_list("path", "pk")
    )
    return {node.pk: found.get(parent_paths.get(node.pk, "")) for node in nodes}
