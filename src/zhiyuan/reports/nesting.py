"""Rows nested by the tree, for every statistics table: each table's lines (a unit's, a
station's, a team's…) grouped under the districts and streets above them, in tree order, each
group closed by its subtotal row, the table by its total.

A group is a district's (or management area's) guidance committee or a street's or township's
service centre below the table's top (`GROUP_KINDS`); lines directly under the top, or under
no group, stay in the top group. `nest` builds the groups with one query; `flatten` turns them
into the table's rows with each table's own line and subtotal rows.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from zhiyuan.organizations.enums import OrgKind, OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.reports.tables import Row

STEP = Organization.steplen
T = TypeVar("T")

#: Organisations whose subtree forms a group with a subtotal: a district's (or management
#: area's) guidance committee, a street's or township's service centre.
GROUP_KINDS = {
    (OrgKind.GUIDANCE_COMMITTEE, OrgLevel.DISTRICT),
    (OrgKind.SERVICE_CENTRE, OrgLevel.STREET),
}


@dataclass
class Group(Generic[T]):
    """A district's or street's part of a table: its own lines, then its groups."""

    organization: Organization
    lines: list[T] = field(default_factory=list)
    groups: list["Group[T]"] = field(default_factory=list)

    def all_lines(self) -> Iterator[T]:
        """Every line of the group and the groups below it, in the table's order."""
        yield from self.lines
        for child in self.groups:
            yield from child.all_lines()


G = TypeVar("G", bound="Group[Any]")


def nest(
    root: Organization,
    lines: list[T],
    path_of: Callable[[T], str],
    *,
    own_group: bool = False,
    kind: type[G] = Group,  # type: ignore[assignment]
) -> G:
    """Nest `lines` (in tree order) under the districts and streets of `root`'s subtree that
    hold any, in groups of class `kind` (a table's Group with its sums); the groups keep tree
    order. `path_of(line)` is the tree path of the organisation a line is about. A line about a
    grouping organisation itself goes into the group above it, or, with `own_group`, into its
    own group, first (a service centre's own registrations in its street's group). One
    query."""
    top = kind(root)
    groups: dict[str, G] = {}
    candidates = {
        org.path: org
        for org in Organization.objects.filter(
            path__startswith=root.path, depth__gt=root.depth
        ).filter(kind__in=[kind for kind, _level in GROUP_KINDS])
        if (org.kind, org.level) in GROUP_KINDS
    }

    def group_of(path: str, *, inclusive: bool = False) -> G:
        """The group of the nearest grouping organisation above `path` (or at it, with
        `inclusive`), made (and hung under its own) on first use."""
        start = len(path) if inclusive else len(path) - STEP
        for end in range(start, len(root.path), -STEP):
            prefix = path[:end]
            if prefix in candidates:
                if prefix not in groups:
                    groups[prefix] = kind(candidates[prefix])
                    group_of(prefix).groups.append(groups[prefix])
                return groups[prefix]
        return top

    for line in lines:
        group_of(path_of(line), inclusive=own_group).lines.append(line)
    _sort(top)
    return top


def _sort(group: "Group[Any]") -> None:
    group.groups.sort(key=lambda child: child.organization.path)
    for child in group.groups:
        _sort(child)


def flatten(
    group: "Group[Any]",
    *,
    line_row: Callable[[Any, int], Row],
    subtotal_row: Callable[[Any, int], Row],
    level: int = 0,
) -> list[Row]:
    """The rows of `group`'s lines at `level`, then of each group below it one level deeper,
    each followed by its subtotal row (`subtotal_row(child, level + 1)`). The caller adds the
    total."""
    rows = [line_row(line, level) for line in group.lines]
    for child in group.groups:
        rows += flatten(child, line_row=line_row, subtotal_row=subtotal_row, level=level + 1)
        rows.append(subtotal_row(child, level + 1))
    return rows
