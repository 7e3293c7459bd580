"""The standard organisation structure under a division (plan §三(一), Attachment 1).

At city and county level: a guidance committee, a volunteer association and a general
service team; per township: a service centre and a service team; per village-level division:
a service station and a service team. Building is idempotent: organisations are found again
by their standard code (`<division prefix>-<suffix>`), and ones that sit under the wrong parent
(a county built before its city, a township taken over by a management area) are moved.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhiyuan.common import generations, locks
from zhiyuan.common.audit import Change, log_action, log_actions
from zhiyuan.divisions.enums import DivisionLevel
from zhiyuan.divisions.models import Division
from zhiyuan.divisions.selectors import descendants_of
from zhiyuan.organizations import permissions
from zhiyuan.organizations.enums import OrgKind, OrgLevel, StationType
from zhiyuan.organizations.models import Organization

SUFFIX = {
    OrgKind.GUIDANCE_COMMITTEE: "GC",
    OrgKind.VOLUNTEER_ASSOCIATION: "VA",
    OrgKind.GENERAL_SERVICE_TEAM: "GT",
    OrgKind.SERVICE_CENTRE: "SC",
    OrgKind.SERVICE_STATION: "ST",
    OrgKind.SERVICE_TEAM: "TM",
}
NAME_PATTERN = {
    OrgKind.GUIDANCE_COMMITTEE: "{}发展志愿服务事业指导委员会",
    OrgKind.VOLUNTEER_ASSOCIATION: "{}志愿者协会",
    OrgKind.GENERAL_SERVICE_TEAM: "{}志愿服务总队",
    OrgKind.SERVICE_CENTRE: "{}志愿服务中心",
    OrgKind.SERVICE_STATION: "{}志愿服务站",
    OrgKind.SERVICE_TEAM: "{}志愿服务队",
}
#: Held by every change to the tree's shape (`zhiyuan.common.locks`): builds, management areas,
#: new organisations. Two builds at once would both create the same organisations.
TREE_LOCK = "organizations.tree"
_COMMITTEE_SUFFIX = re.compile(r"(居民委员会|村民委员会|居委会|村委会)$")


class StructureError(Exception):
    """The division cannot carry a standard structure (wrong level, abolished, unknown)."""


@dataclass
class BuildReport:
    created: Counter[str] = field(default_factory=Counter)
    moved: int = 0

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


def short_name(division: Division) -> str:
    """A village committee's name without 居民委员会/村民委员会: 郭亮社区居民委员会 -> 郭亮社区."""
    return _COMMITTEE_SUFFIX.sub("", division.name) or division.name


def standard_code(prefix: str, kind: str) -> str:
    return f"{prefix}-{SUFFIX[OrgKind(kind)]}"


def is_standard_code(code: str) -> bool:
    """Whether `code` has the form of a standard structure's code (`<prefix>-GC`, `-SC`, …).

    Such codes belong to the builders alone: `build_structure` and `create_management_area`
    find organisations again by code and move them under their standard parent, so an
    organisation created by hand with such a code would be carried, with the roles on it,
    into a part of the tree its creator does not administer.
    """
    head, dash, suffix = code.strip().upper().rpartition("-")
    return bool(dash and head) and suffix in SUFFIX.values()


class _Builder:
    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.report = BuildReport()
        self.changes: list[Change] = []
        self.jurisdiction: list[tuple[int, str]] = []
        self.by_code: dict[str, Organization] = {}

    def load(self, codes: list[str]) -> None:
        for org in Organization.objects.filter(code__in=codes):
            self.by_code[org.code] = org

    def ensure(
        self,
        code: str,
        kind: str,
        level: int,
        name: str,
        parent: Organization | None,
        division: Division,
        **extra: Any,
    ) -> Organization:
        org = self.by_code.get(code)
        if org is None:
            org = Organization(code=code, kind=kind, level=level, name=name, **extra)
            if parent is None:
                org = Organization.objects.add_root(instance=org)
            else:
                org = Organization.objects.add_child(parent, instance=org)
            self.by_code[code] = org
            self.report.created[kind] += 1
            self.changes.append(
                Change("organization.created", org, org, {"code": code, "kind": kind})
            )
            self.jurisdiction.append((org.pk, division.code))
        elif parent is not None and not _is_child_of(org, parent):
            Organization.objects.move(org, parent, "last-child")
            org.refresh_from_db()
            self.report.moved += 1
            self.changes.append(Change("organization.moved", org, org, {"parent": parent.code}))
        return org

    def ensure_standard(
        self,
        prefix: str,
        kind: str,
        level: int,
        name: str,
        parent: Organization | None,
        division: Division,
        **extra: Any,
    ) -> Organization:
        """`ensure` the standard organisation of `kind` for `prefix`, named after `name`."""
        code, full_name = standard_code(prefix, kind), NAME_PATTERN[OrgKind(kind)].format(name)
        return self.ensure(code, kind, level, full_name, parent, division, **extra)

    def ensure_area(
        self,
        prefix: str,
        name: str,
        level: int,
        parent: Organization | None,
        division: Division,
        **committee_extra: Any,
    ) -> Organization:
        """A city's, district's or management area's guidance committee → volunteer
        association → general service team (plan §三(一)); returns the committee."""
        committee = self.ensure_standard(
            prefix, OrgKind.GUIDANCE_COMMITTEE, level, name, parent, division, **committee_extra
        )
        association = self.ensure_standard(
            prefix, OrgKind.VOLUNTEER_ASSOCIATION, level, name, committee, division
        )
        self.ensure_standard(
            prefix, OrgKind.GENERAL_SERVICE_TEAM, level, name, association, division
        )
        return committee

    def finish(self) -> None:
        through = Organization.jurisdiction.through
        through.objects.bulk_create(
            [
                through(organization_id=org_id, division_id=code)
                for org_id, code in self.jurisdiction
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        # Moves rewrite paths and jurisdictions go in in bulk: neither sends a signal.
        generations.bump(Organization.GENERATION)
        log_actions(self.actor, self.changes)


def _is_child_of(org: Organization, parent: Organization) -> bool:
    org.refresh_from_db(fields=["path", "depth"])
    parent.refresh_from_db(fields=["path", "depth"])
    return org.depth == parent.depth + 1 and org.path.startswith(parent.path)


def _area_committee(division: Division) -> Organization | None:
    """The guidance committee whose area contains `division`: a management area that has it
    in its jurisdiction, else the committee of its nearest ancestor division."""
    area = Organization.objects.filter(
        kind=OrgKind.GUIDANCE_COMMITTEE, is_management_area=True, jurisdiction=division
    ).first()
    if area is not None:
        return area
    ancestor = division.parent
    while ancestor is not None:
        committee = Organization.objects.filter(
            code=standard_code(ancestor.prefix, OrgKind.GUIDANCE_COMMITTEE)
        ).first()
        if committee is not None:
            return committee
        ancestor = ancestor.parent
    return None


def _build_area(builder: _Builder, division: Division, parent: Organization | None) -> Organization:
    level = OrgLevel.CITY if division.level == DivisionLevel.PREFECTURE else OrgLevel.DISTRICT
    return builder.ensure_area(division.prefix, division.name, level, parent, division)


def _build_township(builder: _Builder, township: Division, area: Organization) -> Organization:
    prefix, name = township.prefix, township.name
    centre = builder.ensure_standard(
        prefix, OrgKind.SERVICE_CENTRE, OrgLevel.STREET, name, area, township
    )
    builder.ensure_standard(prefix, OrgKind.SERVICE_TEAM, OrgLevel.STREET, name, centre, township)
    return centre


def _build_village(builder: _Builder, village: Division, centre: Organization) -> None:
    prefix, name = village.prefix, short_name(village)
    station = builder.ensure_standard(
        prefix,
        OrgKind.SERVICE_STATION,
        OrgLevel.COMMUNITY,
        name,
        centre,
        village,
        station_type=StationType.COMMUNITY,
    )
    builder.ensure_standard(
        prefix, OrgKind.SERVICE_TEAM, OrgLevel.COMMUNITY, name, station, village
    )


def build_structure(division: Division, *, actor: Any) -> BuildReport:
    """Build (or complete) the standard structure under a city or county-level `division`.

    Returns counts of organisations created per kind and of those moved to their right parent.
    Raises StructureError for a division that is abolished or not at level 2 or 3.
    """
    if division.abolished or division.level not in (DivisionLevel.PREFECTURE, DivisionLevel.COUNTY):
        raise StructureError(division.code)
    divisions = [
        division,
        *descendants_of(division).filter(abolished=False).order_by("level", "code"),
    ]
    builder = _Builder(actor)
    prefixes = [d.prefix for d in divisions]
    committees: dict[str, Organization] = {}
    centres: dict[str, Organization] = {}
    with transaction.atomic():
        locks.hold(TREE_LOCK)  # a second build waits, then finds what this one made
        builder.load([f"{p}-{s}" for p in prefixes for s in SUFFIX.values()])
        for item in divisions:
            if item.level in (DivisionLevel.PREFECTURE, DivisionLevel.COUNTY):
                parent = committees.get(item.parent_id or "") or _area_committee(item)
                committees[item.code] = _build_area(builder, item, parent)
            elif item.level == DivisionLevel.TOWNSHIP:
                area = _area_committee(item)
                if area is None:
                    raise StructureError(item.code)
                centres[item.code] = _build_township(builder, item, area)
            elif item.parent_id in centres:
                _build_village(builder, item, centres[item.parent_id])
        builder.finish()
    return builder.report


def create_management_area(
    name: str, *, code: str, parent_division: Division, townships: list[Division], actor: Any
) -> Organization:
    """Create (or update) a management area: a district-level guidance committee, association
    and general service team whose jurisdiction is `townships` (plan §三(一): 经济技术开发区,
    风景区). Service centres already built for those townships move under it.

    Raises StructureError if a township is not at township level.
    """
    if any(t.level != DivisionLevel.TOWNSHIP for t in townships) or not townships:
        raise StructureError(code)
    with transaction.atomic():
        locks.hold(TREE_LOCK)
        parent = Organization.objects.filter(
            code=standard_code(parent_division.prefix, OrgKind.GUIDANCE_COMMITTEE)
        ).first()
        builder = _Builder(actor)
        builder.load([f"{code}-GC", f"{code}-VA", f"{code}-GT"])
        committee = builder.ensure_area(
            code, name, OrgLevel.DISTRICT, parent, townships[0], is_management_area=True
        )
        builder.jurisdiction = [
            (org.pk, t.code) for org in builder.by_code.values() for t in townships
        ]
        builder.finish()
        for township in townships:
            centre = Organization.objects.filter(
                code=standard_code(township.prefix, OrgKind.SERVICE_CENTRE)
            ).first()
            if centre is not None and not _is_child_of(centre, committee):
                Organization.objects.move(centre, committee, "last-child")
                generations.bump(Organization.GENERATION)
                log_action(
                    actor,
                    "organization.moved",
                    centre,
                    organization=committee,
                    data={"parent": committee.code},
                )
        committee.refresh_from_db()
    return committee


def area_division(committee: Organization) -> Division | None:
    """The city or county-level division a (non-management-area) guidance committee stands for."""
    if committee.kind != OrgKind.GUIDANCE_COMMITTEE or committee.is_management_area:
        return None
    divisions = [
        d
        for d in committee.jurisdiction.all()
        if d.level in (DivisionLevel.PREFECTURE, DivisionLevel.COUNTY)
    ]
    return divisions[0] if len(divisions) == 1 else None


def build_structure_for(committee: Organization, *, actor: Any) -> BuildReport:
    """`build_structure` for the area of `committee` (the web and API entry point).

    Raises ValidationError when `committee` is not the guidance committee of a city or county;
    PermissionDenied unless `actor` administers it.
    """
    permissions.require_administers(actor, committee)
    division = area_division(committee)
    if division is None:
        raise ValidationError(
            _("The standard structure is built from the guidance committee of a city or county.")
        )
    try:
        return build_structure(division, actor=actor)
    except StructureError:
        raise ValidationError(
            _(
                "This division cannot carry a standard structure (abolished, or a township without an area above it)."
            )
        ) from None


def _township_codes(raw: str | list[str]) -> list[str]:
    items = raw if isinstance(raw, list) else re.split(r"[\s,，、;；]+", raw)
    return [item.strip() for item in items if item and item.strip()]


def add_management_area(
    committee: Organization, *, name: str, code: str, townships: str | list[str], actor: Any
) -> Organization:
    """Create a management area under the city whose guidance committee is `committee`.

    `townships` are 12-digit township codes (a list, or text separated by commas, spaces or 、).
    Raises ValidationError (field -> messages): committee not a city's, empty or long name, a code
    not made of letters, digits and dashes or already used by another organisation, or a
    township that is unknown, not township-level or outside the city; PermissionDenied unless
    `actor` administers `committee`.
    """
    permissions.require_administers(actor, committee)
    division = area_division(committee)
    errors: dict[str, list[str]] = {}
    if division is None or division.level != DivisionLevel.PREFECTURE:
        raise ValidationError(_("Management areas are added under a city's guidance committee."))
    name, code = name.strip(), code.strip().upper()
    if not name or len(name) > 60:
        errors["name"] = [_("Enter the area's name, at most 60 characters.")]
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{1,30}", code):
        errors["code"] = [_("Use 2 to 31 letters, digits and dashes, e.g. YYETDZ.")]
    else:
        existing = Organization.objects.filter(code=f"{code}-GC").first()
        wanted_name = NAME_PATTERN[OrgKind.GUIDANCE_COMMITTEE].format(name)
        if existing is not None and not existing.is_management_area:
            errors["code"] = [_("This organisation code is already in use.")]
        elif existing is not None and existing.name != wanted_name:
            errors["code"] = [
                _("This code belongs to the management area %(name)s.") % {"name": existing.name}
            ]
    codes = _township_codes(townships)
    found = {d.code: d for d in Division.objects.filter(code__in=codes)}
    wrong = [
        c
        for c in codes
        if c not in found
        or found[c].level != DivisionLevel.TOWNSHIP
        or not c.startswith(division.prefix)
    ]
    taken = (
        Organization.objects.filter(is_management_area=True, jurisdiction__code__in=codes)
        .exclude(code=f"{code}-GC")
        .values_list("name", "jurisdiction__code")
        .distinct()
    )
    if not codes:
        errors["townships"] = [_("List the 12-digit codes of the townships the area administers.")]
    elif wrong:
        errors["townships"] = [
            _("Not a township of %(city)s: %(codes)s.")
            % {"city": division.name, "codes": "、".join(wrong)}
        ]
    elif taken:
        errors["townships"] = [
            _("%(codes)s already belong to %(area)s: a township has one management area.")
            % {
                "codes": "、".join(sorted({c for _n, c in taken})),
                "area": "、".join(sorted({n for n, _c in taken})),
            }
        ]
    if errors:
        raise ValidationError(errors)
    return create_management_area(
        name, code=code, parent_division=division, townships=[found[c] for c in codes], actor=actor
    )
