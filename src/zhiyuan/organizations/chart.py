"""The organisation chart (plan Attachment 1, 志愿服务组织体系图) built from live data.

`organization_chart(user)` reads what the user may see (the access layer's scope) in one query
and returns the tree in memory, each node with its subtree's counts per level; the page's
JSON endpoint (`chart_data`) and the PDF export (`chart_pdf`) both draw from it.
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.utils.translation import gettext as _

from zhiyuan.organizations.access import scope
from zhiyuan.organizations.enums import OrgKind, OrgLevel
from zhiyuan.organizations.models import Organization

STEP = Organization.steplen
LEVELS: list[int] = list(OrgLevel.values)


@dataclass
class ChartNode:
    """One organisation of the chart; `counts` maps each OrgLevel value to the number of
    organisations at that level in its subtree, itself included."""

    pk: int
    path: str
    name: str
    kind: str
    level: int
    is_management_area: bool = False
    is_active: bool = True
    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    children: list["ChartNode"] = field(default_factory=list)

    def walk(self, depth: int = 0) -> Iterator[tuple["ChartNode", int]]:
        """This node and its descendants in tree order, with depth relative to this node."""
        yield self, depth
        for child in self.children:
            yield from child.walk(depth + 1)

    def kind_counts(self, level: int) -> Counter[str]:
        """Organisations per kind at `level` in this subtree (e.g. community stations, teams)."""
        return Counter(node.kind for node, _depth in self.walk() if node.level == level)


@dataclass
class OrganizationChart:
    """The chart of what one user sees: the top nodes of their scope and per-level totals."""

    roots: list[ChartNode]
    totals: dict[int, int]

    def walk(self) -> Iterator[tuple[ChartNode, int]]:
        for root in self.roots:
            yield from root.walk()

    @property
    def is_street_or_below(self) -> bool:
        """Whether every top node is at street level or below (a street's own chart)."""
        return bool(self.roots) and all(root.level >= OrgLevel.STREET for root in self.roots)


def organization_chart(user: Any) -> OrganizationChart:
    """The organisation tree `user` may see (organizations.access.scope), in one query.

    Inactive organisations are included (marked `is_active=False`), as in the tree browser.
    A node whose parent is outside the scope becomes a top node, so a user with roles on
    several subtrees gets several roots, in tree order.
    """
    rows = scope(user, Organization.objects.order_by()).values_list(
        "pk", "path", "name", "kind", "level", "is_management_area", "is_active"
    )
    by_path: dict[str, ChartNode] = {}
    roots: list[ChartNode] = []
    # Sorted here, by code point: parents before children whatever the database's collation.
    for pk, path, name, kind, level, is_area, is_active in sorted(rows, key=itemgetter(1)):
        node = ChartNode(pk, path, name, kind, level, is_area, is_active)
        node.counts[level] = 1
        by_path[path] = node
        parent = by_path.get(path[:-STEP])
        (parent.children if parent is not None else roots).append(node)
    for path, node in reversed(by_path.items()):  # descendants before their ancestors
        parent = by_path.get(path[:-STEP])
        if parent is not None:
            for level, count in node.counts.items():
                parent.counts[level] += count
    totals = {level: sum(root.counts[level] for root in roots) for level in LEVELS}
    return OrganizationChart(roots, totals)


def _node_data(node: ChartNode) -> dict[str, Any]:
    data: dict[str, Any] = {"id": node.pk, "name": node.name, "kind": node.kind}
    data["level"] = node.level
    if node.is_management_area:
        data["area"] = True
    if not node.is_active:
        data["inactive"] = True
    if node.children:
        data["counts"] = [node.counts[level] for level in LEVELS]
        data["children"] = [_node_data(child) for child in node.children]
    return data


def chart_data(chart: OrganizationChart) -> dict[str, Any]:
    """The chart as JSON-ready data for the page's ECharts tree.

    Shape: {"levels": [{"value": 2, "label": "City"}, ...], "kinds": {kind: label},
    "totals": [n per level, in `levels` order], "root": node or None}, where a node is
    {"id", "name", "kind", "level", "area"?: true, "inactive"?: true,
     "counts"?: [per level], "children"?: [node, ...]} (leaves carry no counts: only themselves).
    Several top nodes are gathered under one unnamed node ("id": 0) so that the tree has one root.
    """
    roots = [_node_data(root) for root in chart.roots]
    root: dict[str, Any] | None = roots[0] if len(roots) == 1 else None
    if len(roots) > 1:
        root = {
            "id": 0,
            "name": _("Organisations in your scope"),
            "kind": "",
            "level": min(node.level for node in chart.roots),
            "counts": [chart.totals[level] for level in LEVELS],
            "children": roots,
        }
    return {
        "levels": [{"value": value, "label": str(label)} for value, label in OrgLevel.choices],
        "kinds": {value: str(label) for value, label in OrgKind.choices},
        "totals": [chart.totals[level] for level in LEVELS],
        "root": root,
    }
