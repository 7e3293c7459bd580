"""Reads for registered volunteers. `registered_volunteers` is THE definition of who counts
(MISSION §2): every table, target and count goes through it."""

import contextlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.common import generations
from zhiyuan.common.models import AuditEntry
from zhiyuan.divisions.models import Division
from zhiyuan.organizations import access
from zhiyuan.organizations.access import ALL_ROLES, scope
from zhiyuan.organizations.enums import OrgKind, OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import ConfirmationMethod, MembershipStatus, RegistrationStatus
from zhiyuan.volunteers.models import (
    Delegation,
    Membership,
    RegistrationBody,
    RegistrationPolicy,
    RosterImport,
    Volunteer,
    VolunteerRequest,
)


def local_today() -> date:
    return timezone.localdate()


def policy_for(organization: Organization) -> RegistrationPolicy:
    """The registration policy of the nearest ancestor-or-self that has one; the defaults of
    中国注册志愿者管理办法 where none does (an unsaved RegistrationPolicy)."""
    step = Organization.steplen
    paths = [organization.path[:end] for end in range(step, len(organization.path) + 1, step)]
    found = (
        RegistrationPolicy.objects.filter(organization__path__in=paths)
        .order_by("-organization__depth")
        .first()
    )
    return found or RegistrationPolicy()


def city_policy() -> RegistrationPolicy:
    """The policy at the top of the tree (the city's), for city-wide counts."""
    root = Organization.objects.get_first_root_node()
    return policy_for(root) if root else RegistrationPolicy()


def registered_volunteers(
    queryset: QuerySet[Volunteer] | None = None, *, year: int | None = None
) -> Any:
    """Registered volunteers (注册志愿者): confirmed by the person, not suspended or cancelled,
    and re-registered for `year` (default: this year) where the city requires it.
    Applications not yet confirmed never count (MISSION §2, "Who counts")."""
    queryset = Volunteer.objects.all() if queryset is None else queryset
    counted = queryset.filter(status=RegistrationStatus.ACTIVE)
    if city_policy().reregistration_required:
        year = year or local_today().year
        counted = counted.filter(Q(reregistered_year__gte=year) | Q(registered_on__year__gte=year))
    return counted


def age_on(birth_date: date, day: date) -> int:
    """Completed years of age on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class RegistrationPoint:
    """Where a user may register volunteers: for `body`, through `organization` (the body's own
    organisation, or one the body delegated to)."""

    body: RegistrationBody
    organization: Organization

    @property
    def key(self) -> str:
        return f"{self.body.pk}:{self.organization.pk}"

    def __str__(self) -> str:
        if self.organization.pk == self.body.organization_id:
            return str(self.body.organization)
        return f"{self.organization} ({self.body.organization})"


_POINT_KEY = re.compile(r"([0-9]{1,10}):([0-9]{1,10})")


def _open_bodies() -> QuerySet[RegistrationBody]:
    """Bodies that take registrations now: active, and their organisation too."""
    return RegistrationBody.objects.filter(
        is_active=True, organization__is_active=True
    ).select_related("organization")


def _live_delegations() -> QuerySet[Delegation]:
    """Delegations registrations go through now: not revoked, of an open body, to an active
    organisation."""
    return Delegation.objects.filter(
        revoked_at__isnull=True,
        body__is_active=True,
        body__organization__is_active=True,
        organization__is_active=True,
    ).select_related("body__organization", "organization")


@dataclass(frozen=True)
class PublicPoints:
    """The public registration points in the orders the pages use: in tree order (organisation
    path, then body code), by body code (then tree order), and in tree order grouped by
    district (label, points), as the join page's option groups; and by key
    (`RegistrationPoint.key`, as QR codes carry it)."""

    in_tree_order: tuple[RegistrationPoint, ...]
    by_body: tuple[RegistrationPoint, ...]
    by_district: tuple[tuple[str, tuple[RegistrationPoint, ...]], ...]
    by_key: Mapping[str, RegistrationPoint]

    def find(self, key: str) -> RegistrationPoint | None:
        """The point `<body id>:<organisation id>`, read as `public_registration_point`
        reads it; None for anything else."""
        match = _POINT_KEY.fullmatch(key or "")
        if match is None:
            return None
        body_id, organization_id = (int(part) for part in match.groups())
        return self.by_key.get(f"{body_id}:{organization_id}")


#: What the public points and the pages kept with them are read from: bodies and
#: delegations, the organisations (names, activity, places in the tree, jurisdictions), the
#: divisions (the districts' names, the join form's home divisions) and the registration
#: policies (the join form's ages and privacy notice).
PUBLIC_POINT_GENERATIONS = (
    RegistrationBody.GENERATION,
    Organization.GENERATION,
    Division.GENERATION,
    RegistrationPolicy.GENERATION,
)


def public_points() -> generations.Snapshot[PublicPoints]:
    """Every place the public may register through (`public_registration_points`), as this
    process keeps it: one query (the generations) while nothing it is read from changed, four
    more when something did. Every visitor sees the same list; the snapshot is shared by the
    process's threads and must not be changed. Pages keep what they derive from it, such as
    rendered options, with `Snapshot.derived`."""
    return generations.cached("volunteers.public_points", PUBLIC_POINT_GENERATIONS, _read_points)


def _read_points() -> PublicPoints:
    points = [RegistrationPoint(body, body.organization) for body in _open_bodies()]
    points += [RegistrationPoint(d.body, d.organization) for d in _live_delegations()]
    in_tree_order = tuple(
        sorted(points, key=lambda point: (point.organization.path, point.body.code))
    )
    by_body = tuple(sorted(points, key=lambda point: (point.body.code, point.organization.path)))
    by_key = MappingProxyType({point.key: point for point in in_tree_order})
    return PublicPoints(in_tree_order, by_body, _by_district(in_tree_order), by_key)


def _by_district(
    points: tuple[RegistrationPoint, ...],
) -> tuple[tuple[str, tuple[RegistrationPoint, ...]], ...]:
    """`points` grouped by district: the division the district's committee covers (its name;
    a management area's, or a committee's without a jurisdiction, by the committee's name)."""
    holders = Organization.objects.filter(
        path__in={area_path(point.organization) for point in points}
    ).prefetch_related("jurisdiction")
    labels = {}
    for holder in holders:
        divisions = sorted(holder.jurisdiction.all(), key=lambda division: division.code)
        use_name = holder.is_management_area or not divisions
        labels[holder.path] = holder.name if use_name else divisions[0].name
    groups: dict[str, list[RegistrationPoint]] = {}
    for point in points:
        groups.setdefault(labels.get(area_path(point.organization), ""), []).append(point)
    return tuple((label, tuple(members)) for label, members in groups.items())


def public_registration_points(
    *, search: str = "", by_body: bool = False
) -> list[RegistrationPoint]:
    """Every place the public may register through, with no log-in: open registration bodies
    (their own organisation) and the organisations they gave a live consent (delegation) to.
    Read from this process's snapshot (`public_points`): one query while nothing changed.

    The join page and the public API list the same points, deliberately ordered apart: in tree
    order (organisation path, then body code) by default, which the join page groups by
    district; `by_body`: by body code, then tree order (the API's list, sorted as a user's
    `registration_points` are). `search`: part of the body's or the organisation's name, in
    any case (the API's `q`)."""
    snapshot = public_points().value
    return matching_points(snapshot.by_body if by_body else snapshot.in_tree_order, search)


def matching_points(points: Iterable[RegistrationPoint], search: str) -> list[RegistrationPoint]:
    """The points whose body's or organisation's name holds `search`, in any case (all of
    them for an empty `search`), in their order."""
    if not search:
        return list(points)
    needle = search.casefold()
    return [
        point
        for point in points
        if needle in point.organization.name.casefold()
        or needle in point.body.organization.name.casefold()
    ]


def public_registration_point(key: str) -> RegistrationPoint | None:
    """The registration point `<body id>:<organisation id>` (`RegistrationPoint.key`, as QR
    codes carry it) if it takes registrations now (`public_registration_points`), else None."""
    match = _POINT_KEY.fullmatch(key or "")
    if match is None:
        return None
    body_id, organization_id = (int(part) for part in match.groups())
    body = _open_bodies().filter(pk=body_id).first()
    if body is None:
        return None
    if organization_id == body.organization_id:
        return RegistrationPoint(body, body.organization)
    delegation = _live_delegations().filter(body=body, organization_id=organization_id).first()
    return RegistrationPoint(body, delegation.organization) if delegation else None


def transfer_point(body_id: int, organization_id: int | None = None) -> RegistrationPoint:
    """Where a registration may be transferred (web and API alike): any body of the city,
    through its own organisation (also when `organization_id` is None) or one it delegated to
    by a live delegation. Whether that body takes registrations now is the service's check
    (`services.check_point`). Raises ValidationError (key "body" or "organization")."""
    body = RegistrationBody.objects.select_related("organization").filter(pk=body_id).first()
    if body is None:
        raise ValidationError({"body": [_("No registration body has this id.")]})
    if organization_id in (None, body.organization_id):
        return RegistrationPoint(body, body.organization)
    delegation = (
        body.delegations.filter(organization_id=organization_id, revoked_at__isnull=True)
        .select_related("organization")
        .first()
    )
    if delegation is None:
        raise ValidationError(
            {"organization": [_("This organisation has no consent to register for the body.")]}
        )
    return RegistrationPoint(body, delegation.organization)


# Encrypted fields no list shows: left unread (and undecrypted) by pages of many rows.
LIST_DEFERRED = ("address_detail", "emergency_contact_phone", "guardian_mobile")


def ledger(user: Any) -> QuerySet[Volunteer]:
    """Volunteers `user` may see: registered through an organisation in their subtrees, or
    with a body whose organisation is (Volunteer.ACCESS_PATHS)."""
    return scope(user, Volunteer.objects.all()).select_related("body__organization", "organization")


def roster_imports(user: Any) -> QuerySet[RosterImport]:
    """The roster imports `user` may see (made through an organisation in their subtrees),
    newest first, with body, organisation and uploader; without the stored file, which is
    large and encrypted (downloads read it: `imports.downloads`)."""
    rows = RosterImport.objects.select_related("body__organization", "organization", "uploaded_by")
    return scope(user, rows.defer("content"))


def registration_bodies(user: Any) -> QuerySet[RegistrationBody]:
    """The registration bodies whose organisation lies in `user`'s subtrees, with it, by
    code."""
    return scope(user, RegistrationBody.objects.select_related("organization").order_by("code"))


def delegations(user: Any) -> QuerySet[Delegation]:
    """Delegations, live and revoked, of the bodies whose organisation lies in `user`'s
    subtrees (Delegation.ACCESS_PATH), with body, organisation and who granted and revoked
    them, newest first."""
    rows = Delegation.objects.select_related(
        "body__organization", "organization", "granted_by", "revoked_by"
    )
    return scope(user, rows.order_by("-granted_at", "-pk"))


def memberships(user: Any, *, roles: Iterable[str] = ALL_ROLES) -> QuerySet[Membership]:
    """Memberships of the teams in the subtrees `user` reaches through `roles`, with volunteer,
    team and who decided, newest applications first.

    The office page and the API scope them deliberately apart: the page is the inbox of those
    who decide on applications and passes `permissions.LEADING`; the API lists them to every
    role on the team or above it (the services refuse decisions to the others)."""
    rows = Membership.objects.select_related("volunteer", "team", "decided_by")
    return scope(user, rows.order_by("-applied_at", "-pk"), roles)


def volunteer_requests(
    user: Any, *, roles: Iterable[str] = ALL_ROLES
) -> QuerySet[VolunteerRequest]:
    """Volunteers' requests (corrections, cancellations) on registrations `user` reaches
    through `roles` (VolunteerRequest.ACCESS_PATHS), with the volunteer, its organisation and
    who handled them, newest first.

    The office page and the API scope them deliberately apart: the page is the inbox of those
    who handle them and passes `permissions.REGISTERING`; the API lists them to every role over
    the registration (the service refuses handling to the others)."""
    rows = VolunteerRequest.objects.select_related("volunteer__organization", "handled_by")
    return scope(user, rows.order_by("-created_at", "-pk"), roles)


def in_subtree(queryset: QuerySet[Volunteer], organization: Organization) -> QuerySet[Volunteer]:
    """Registrations made through `organization`'s subtree or kept by a body in it (by the
    paths copied on the row, as `scope` reads them: `access.in_subtree`)."""
    return access.in_subtree(queryset, organization)


CONFIRMATION_REQUESTED = "volunteer.confirmation.requested"


@dataclass(frozen=True)
class UnitRequests:
    """One registering unit's share of a bulk "please confirm": `awaiting` applications, of
    which `to_send` go out today; `sent_today` by staff already (from local midnight) against
    the daily `limit`; `held` wait for a later day."""

    organization: Organization
    awaiting: int
    sent_today: int
    limit: int

    @property
    def to_send(self) -> int:
        return max(0, min(self.awaiting, self.limit - self.sent_today))

    @property
    def held(self) -> int:
        return self.awaiting - self.to_send


def awaiting_confirmation(actor: Any, organization: Organization) -> QuerySet[Volunteer]:
    """The applications `actor` sees that still await confirmation, made through
    `organization`'s subtree or kept by a body in it: whom a bulk "please confirm" texts."""
    pending = ledger(actor).filter(status=RegistrationStatus.APPLIED)
    return in_subtree(pending, organization)


def confirmation_request_plan(actor: Any, organization: Organization) -> list[UnitRequests]:
    """What a bulk "please confirm" over `organization` would send, per registering unit (the
    organisation each application was made through), in tree order: a unit sends at most
    settings.CONFIRMATION_REQUESTS_PER_UNIT_PER_DAY such messages a day (staff-sent
    "volunteer.confirmation.requested" entries since local midnight)."""
    awaiting = dict(
        awaiting_confirmation(actor, organization)
        .order_by()
        .values_list("organization")
        .annotate(count=Count("pk"))
    )
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    sent = dict(
        AuditEntry.objects.filter(
            action=CONFIRMATION_REQUESTED,
            actor__isnull=False,
            organization__in=list(awaiting),
            created_at__gte=midnight,
        )
        .order_by()
        .values_list("organization")
        .annotate(count=Count("pk"))
    )
    limit = settings.CONFIRMATION_REQUESTS_PER_UNIT_PER_DAY
    units = Organization.objects.filter(pk__in=list(awaiting)).order_by("path")
    return [UnitRequests(unit, awaiting[unit.pk], sent.get(unit.pk, 0), limit) for unit in units]


def in_person_confirmations(queryset: QuerySet[Volunteer]) -> list[Any]:
    """In-person confirmations per registrar, most first (shown so that an unusual share of
    confirmations nobody made themselves stands out)."""
    return list(
        queryset.filter(confirmation_method=ConfirmationMethod.IN_PERSON)
        .values("confirmed_by__name", "confirmed_by__username")
        .annotate(count=Count("pk"))
        .order_by("-count", "confirmed_by__username")
    )


def confirmation_progress(queryset: QuerySet[Volunteer]) -> list[dict[str, Any]]:
    """Per registering organisation (by code), every registration in exactly one column:
    `applied` (awaiting confirmation), `confirmed` (active or suspended), `cancelled`,
    `closed` (withdrawn, or lost to the person's registration elsewhere); `total` is their sum.
    `share` is the whole per cent (rounded half up) of `confirmed` among `confirmed` + `applied`, the
    people entered who are still in play; None when there are none. Keys: code, name, the
    columns, total, share."""
    statuses = {
        "applied": [RegistrationStatus.APPLIED],
        "confirmed": [RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED],
        "cancelled": [RegistrationStatus.CANCELLED],
        "closed": [RegistrationStatus.CLOSED],
    }
    counted = (
        queryset.values("organization__code", "organization__name")
        .annotate(
            **{
                column: Count("pk", filter=Q(status__in=values))
                for column, values in statuses.items()
            }
        )
        .order_by("organization__code")
    )
    return [
        _progress_row(row["organization__code"], row["organization__name"], row) for row in counted
    ]


def progress_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The sum of `confirmation_progress` rows, as one more row (code and name empty)."""
    columns = ("applied", "confirmed", "cancelled", "closed")
    return _progress_row("", "", {column: sum(row[column] for row in rows) for column in columns})


def _progress_row(code: str, name: str, counts: Any) -> dict[str, Any]:
    columns = ("applied", "confirmed", "cancelled", "closed")
    row: dict[str, Any] = {"code": code, "name": name, **{c: counts[c] for c in columns}}
    row["total"] = sum(row[c] for c in columns)
    in_play = row["confirmed"] + row["applied"]
    # Half up, in integers (round() would take 12.5 to 12).
    row["share"] = (200 * row["confirmed"] + in_play) // (2 * in_play) if in_play else None
    return row


# Age bands of the statistics tables (Attachment 5), in completed years.
AGE_BANDS = {
    "14-17": (14, 17),
    "18-35": (18, 35),
    "36-59": (36, 59),
    "60-": (60, 150),
}


@dataclass(frozen=True)
class LedgerFilter:
    """Filters of the ledger (台账). Empty values filter nothing.

    `q` matches the name or the registration number (never an ID number or phone: those are
    looked up by digest, `find_by_identity`); `organization` is a subtree (an Organization),
    and `organization_unresolved` says one was asked for that matched none (nothing matches);
    `age_band` a key of AGE_BANDS, `age_min`/`age_max` completed years (inclusive); dates
    are registration dates (inclusive); `body` a registration body's id."""

    q: str = ""
    organization: Organization | None = None
    body: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    status: str = ""
    political_status: str = ""
    gender: str = ""
    age_band: str = ""
    skill: str = ""
    registered_from: date | None = None
    registered_to: date | None = None
    organization_unresolved: bool = False  # an organisation was asked for and none matched


def filter_ledger(
    queryset: QuerySet[Volunteer], filters: LedgerFilter, *, today: date | None = None
) -> QuerySet[Volunteer]:
    today = today or local_today()
    if filters.organization_unresolved:
        return queryset.none()
    if filters.q:
        queryset = queryset.filter(
            Q(name__icontains=filters.q) | Q(registration_number__startswith=filters.q.upper())
        )
    if filters.organization is not None:
        queryset = in_subtree(queryset, filters.organization)
    for field in ("status", "political_status", "gender"):
        if getattr(filters, field):
            queryset = queryset.filter(**{field: getattr(filters, field)})
    if filters.age_band in AGE_BANDS:
        youngest, oldest = AGE_BANDS[filters.age_band]
        queryset = queryset.filter(
            birth_date__lte=_years_before(today, youngest),
            birth_date__gt=_years_before(today, oldest + 1),
        )
    if filters.age_min is not None:
        queryset = queryset.filter(birth_date__lte=_years_before(today, filters.age_min))
    if filters.age_max is not None:
        queryset = queryset.filter(birth_date__gt=_years_before(today, filters.age_max + 1))
    if filters.body is not None:
        queryset = queryset.filter(body_id=filters.body)
    if filters.skill:
        queryset = queryset.filter(skills__contains=f",{filters.skill},")
    if filters.registered_from:
        queryset = queryset.filter(registered_on__gte=filters.registered_from)
    if filters.registered_to:
        queryset = queryset.filter(registered_on__lte=filters.registered_to)
    return queryset


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def identity_in_search(queryset: QuerySet[Volunteer], text: str) -> bool:
    """Whether a search text bound for a URL (a GET filter, the API's `q`) holds an ID or
    mobile number: those are looked up by POST (`find_by_identity`) and never carried in a
    URL, where access logs and browser histories keep them. A registration number in
    `queryset` is no such number, even where a long body code makes one look like it."""
    from zhiyuan.common.text import holds_personal_number

    return holds_personal_number(text) and not (
        queryset.filter(registration_number=text.strip().upper()).exists()
    )


def find_by_identity(
    queryset: QuerySet[Volunteer], *, document_number: str = "", mobile: str = ""
) -> QuerySet[Volunteer]:
    """Registrations in `queryset` with this ID number or mobile, matched by keyed digest
    (the numbers are encrypted). Unparseable input matches nothing."""
    from zhiyuan.accounts.models import mobile_digest
    from zhiyuan.common.identity import normalize_document_number
    from zhiyuan.common.phones import normalize_mobile
    from zhiyuan.volunteers.models import document_digest

    condition = Q(pk__in=[])
    if document_number:
        condition |= Q(document_digest=document_digest(normalize_document_number(document_number)))
    if mobile:
        with contextlib.suppress(ValidationError):  # not a mobile number: nothing matches
            condition |= Q(mobile_digest=mobile_digest(normalize_mobile(mobile)))
    return queryset.filter(condition)


def history(volunteer: Volunteer, *, newest_first: bool = False) -> Any:
    """The registration's history: its audit entries (a QuerySet of AuditEntry, with the
    actor), every one, whoever wrote them; the caller has already found `volunteer` in scope.

    The detail page and the API read the same entries, deliberately ordered apart: oldest
    first by default (the page tells the story from the application on); `newest_first`
    for the API, whose pages start with what happened last."""
    from zhiyuan.common.models import AuditEntry

    order = ("-created_at", "-pk") if newest_first else ("created_at", "pk")
    return (
        AuditEntry.objects.filter(object_type="volunteers.volunteer", object_id=str(volunteer.pk))
        .select_related("actor")
        .order_by(*order)
    )


# What a volunteer can join: service teams (general or not) and service stations.
TEAM_KINDS = (OrgKind.SERVICE_TEAM, OrgKind.GENERAL_SERVICE_TEAM, OrgKind.SERVICE_STATION)
TEAM_OPTIONS = 500
_LIVE_MEMBERSHIP = (MembershipStatus.APPLIED, MembershipStatus.APPROVED)


def team_choices(
    volunteer: Volunteer, *, search: str = ""
) -> list[tuple[str, list[tuple[int, str]]]]:
    """The active teams and stations `volunteer` may join (in the area of the body's parent
    organisation, not those they belong to or applied to), as option groups: first the
    teams of their own community (their home division, or the station they registered
    through), then one group per street (the street's division name) or other unit under
    the area, their own street first, then in tree order. `search` keeps the teams whose
    name, or whose group's name, contains it. At most TEAM_OPTIONS teams."""
    area = (
        Organization.objects.get_parent(volunteer.body.organization) or volunteer.body.organization
    )
    taken = volunteer.memberships.filter(status__in=_LIVE_MEMBERSHIP).values("team_id")
    teams = list(
        Organization.objects.filter(path__startswith=area.path, kind__in=TEAM_KINDS, is_active=True)
        .exclude(pk__in=taken)
        .order_by("path")
        .only("pk", "name", "path", "depth")[:TEAM_OPTIONS]
    )
    own = _own_community(volunteer)
    labels = _group_labels(area, teams)
    # The street of the registration (its organisation's group), else of the community.
    home = volunteer.organization if volunteer.organization.path.startswith(area.path) else None
    own_street = labels.get(_group_path(area, home)) if home else None
    groups: dict[str, list[tuple[int, str]]] = {}
    for team in teams:
        if own and any(team.path.startswith(path) for path in own[1]):
            key = own[0]
            own_street = own_street or labels[_group_path(area, team)]
        else:
            key = labels[_group_path(area, team)]
        groups.setdefault(key, []).append((team.pk, team.name))
    first = own[0] if own else None
    ordered = sorted(groups.items(), key=lambda item: (item[0] != first, item[0] != own_street))
    return _matching(ordered, search.strip())


def _own_community(volunteer: Volunteer) -> tuple[str, list[str]] | None:
    """(group label, tree paths) of the volunteer's community: the organisations whose
    jurisdiction holds their home division, and the community station they registered
    through; None when neither is known."""
    paths: list[str] = []
    label = ""
    if volunteer.home_division_id:
        holders = Organization.objects.filter(
            jurisdiction=volunteer.home_division_id, level=OrgLevel.COMMUNITY
        )
        paths += [holder.path for holder in holders]
        division = volunteer.home_division
        label = division.name if paths and division is not None else ""
    if volunteer.organization.level == OrgLevel.COMMUNITY:
        paths.append(volunteer.organization.path)
        label = label or volunteer.organization.name
    if not paths:
        return None
    return _("Your community: %(name)s") % {"name": label}, paths


def _group_path(area: Organization, organization: Organization) -> str:
    """The tree path of an organisation's group: its ancestor one level below the area (a
    street's service centre, the district's association, a unit), or the area itself."""
    depth = min(organization.depth, area.depth + 1)
    return organization.path[: Organization.steplen * depth]


def _group_labels(area: Organization, teams: list[Organization]) -> dict[str, str]:
    """Group path -> label: a service centre's street (its division's name), else the name."""
    paths = {_group_path(area, team) for team in teams} | {area.path}
    holders = Organization.objects.filter(path__in=paths).prefetch_related("jurisdiction")
    labels = {}
    for holder in holders:
        divisions = sorted(holder.jurisdiction.all(), key=lambda division: division.code)
        street = holder.kind == OrgKind.SERVICE_CENTRE and divisions
        labels[holder.path] = divisions[0].name if street else holder.name
    return labels


def _matching(
    groups: list[tuple[str, list[tuple[int, str]]]], search: str
) -> list[tuple[str, list[tuple[int, str]]]]:
    if not search:
        return groups
    folded = search.casefold()
    found = []
    for label, teams in groups:
        if folded in label.casefold():
            found.append((label, teams))
        elif kept := [(pk, name) for pk, name in teams if folded in name.casefold()]:
            found.append((label, kept))
    return found


def area_path(organization: Organization) -> str:
    """The tree path of the organisation's district-level ancestor (itself at the top)."""
    return organization.path[: Organization.steplen * min(organization.depth, 2)]


def home_division_area(organization: Organization) -> Any:
    """The division whose communities a registration form offers as home divisions: the
    district the organisation lies in (the city for city-level organisations)."""
    holder = Organization.objects.filter(path=area_path(organization)).first()
    return holder.jurisdiction.order_by("code").first() if holder else None
