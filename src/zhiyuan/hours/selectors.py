"""Reads of the service-hour ledger. `counted` is THE definition of the hours that count (every
total, progress bar, export and statistic goes through it): confirmed records that no confirmed
correction replaced. Lists read through the access layer (`scope`)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from zhiyuan.activities.enums import SignUpStatus
from zhiyuan.activities.models import SignUp, Slot
from zhiyuan.common.prepared import Param, PreparedRead
from zhiyuan.hours import rules
from zhiyuan.hours.enums import HourStatus
from zhiyuan.hours.models import (
    Attendance,
    HourRecord,
    HoursImport,
    HoursPolicy,
    HourTally,
    OrganizerYear,
    ServiceYear,
)
from zhiyuan.organizations.access import ALL_ROLES, in_subtree, scope
from zhiyuan.organizations.models import Organization

RECORD_RELATED = ("volunteer", "activity", "slot", "organizer", "recorded_by", "decided_by")


def policy_for(organization: Organization) -> HoursPolicy:
    """The hours policy of the nearest ancestor-or-self that has one (a city's applies to its
    whole tree unless a part sets its own); exact minutes where none does (unsaved)."""
    step = Organization.steplen
    paths = [organization.path[:end] for end in range(step, len(organization.path) + 1, step)]
    found = (
        HoursPolicy.objects.filter(organization__path__in=paths)
        .order_by("-organization__depth")
        .first()
    )
    return found or HoursPolicy(organization=organization)


def _replaced() -> Exists:
    # `corrects__isnull=False` adds nothing to the match, but tells PostgreSQL that the few
    # confirmed corrections are what it looks for (their partial index, hour_record_replacing):
    # without it, it expected every record and chose plans that walk the whole table.
    return Exists(
        HourRecord.objects.filter(
            corrects=OuterRef("pk"), corrects__isnull=False, status=HourStatus.CONFIRMED
        )
    )


def counted(queryset: QuerySet[HourRecord] | None = None) -> QuerySet[HourRecord]:
    """The records whose minutes count: confirmed, and not replaced by a confirmed correction
    (the correction counts instead)."""
    queryset = HourRecord.objects.all() if queryset is None else queryset
    return queryset.filter(status=HourStatus.CONFIRMED).exclude(_replaced())


def live(queryset: QuerySet[HourRecord] | None = None) -> QuerySet[HourRecord]:
    """Records that stand or may come to: pending or counted (not rejected, not replaced). A
    volunteer's live records never overlap."""
    queryset = HourRecord.objects.all() if queryset is None else queryset
    return queryset.filter(Q(status=HourStatus.PENDING) | Q(status=HourStatus.CONFIRMED)).exclude(
        _replaced()
    )


def overlapping(
    volunteer: Any, start: datetime, end: datetime, *, besides: Iterable[int] = ()
) -> HourRecord | None:
    """The first live record of `volunteer` overlapping [start, end), leaving out `besides`."""
    return (
        live(HourRecord.objects.filter(volunteer=volunteer))
        .filter(start__lt=end, end__gt=start)
        .exclude(pk__in=list(besides))
        .select_related("activity")
        .order_by("start")
        .first()
    )


def total_minutes(queryset: QuerySet[HourRecord]) -> int:
    """The sum of counted minutes of `queryset` (already filtered by `counted`)."""
    return int(queryset.aggregate(total=Sum("minutes"))["total"] or 0)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The instants a local (Asia/Shanghai) calendar year starts and ends."""
    return local_start(date(year, 1, 1)), local_start(date(year + 1, 1, 1))


def local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def in_period(
    queryset: QuerySet[HourRecord], start: date | None, end: date | None
) -> QuerySet[HourRecord]:
    """Records that started on the local days `start` to `end` (both included; either open)."""
    if start is not None:
        queryset = queryset.filter(start__gte=local_start(start))
    if end is not None:
        queryset = queryset.filter(start__lt=local_start(end + timedelta(days=1)))
    return queryset


def filter_records(
    queryset: QuerySet[HourRecord],
    *,
    organization: Organization | None = None,
    start: date | None = None,
    end: date | None = None,
    status: str = "",
    activity: int | None = None,
) -> QuerySet[HourRecord]:
    """`queryset` narrowed to the office's choice (the hours page, its exports): the subtree
    of `organization`, the local days `start` to `end`, a status, an activity."""
    if organization is not None:
        queryset = in_subtree(queryset, organization)
    queryset = in_period(queryset, start, end)
    if status:
        queryset = queryset.filter(status=status)
    if activity:
        queryset = queryset.filter(activity_id=activity)
    return queryset


def records(user: Any, roles: Any = ALL_ROLES) -> QuerySet[HourRecord]:
    """The records of the activities organised in `user`'s subtrees, newest first."""
    return scope(user, HourRecord.objects.select_related(*RECORD_RELATED), roles)


def records_of_volunteers(digest: str) -> QuerySet[HourRecord]:
    """Every record of the registrations that use one mobile number (the portal's volunteer),
    rejected ones included, newest first."""
    return HourRecord.objects.filter(volunteer__mobile_digest=digest).select_related(
        "activity", "slot", "organizer", "volunteer"
    )


def yearly_target_minutes() -> int:
    """The hours each registered volunteer should serve a year (plan §三(二)3: 20), in
    minutes (setting HOURS_YEARLY_TARGET)."""
    return int(settings.HOURS_YEARLY_TARGET) * 60


@dataclass
class Progress:
    """A year's counted minutes against the yearly target."""

    minutes: int
    target_minutes: int

    @property
    def hours(self) -> Decimal:
        return rules.hours(self.minutes)

    @property
    def target_hours(self) -> Decimal:
        return rules.hours(self.target_minutes)

    @property
    def percent(self) -> int:
        if self.target_minutes <= 0:
            return 100
        return min(100, self.minutes * 100 // self.target_minutes)

    @property
    def reached(self) -> bool:
        return self.minutes >= self.target_minutes


def yearly_progress(
    queryset: QuerySet[HourRecord], year: int, target_minutes: int | None = None
) -> Progress:
    """Counted minutes of `queryset` in the local `year` (records by their start) against
    `target_minutes` (the city's yearly hours, which the recognition policy sets; the
    HOURS_YEARLY_TARGET setting where none is given)."""
    start, end = year_bounds(year)
    within = counted(queryset).filter(start__gte=start, start__lt=end)
    target = yearly_target_minutes() if target_minutes is None else target_minutes
    return Progress(total_minutes(within), target)


def years_of(queryset: QuerySet[HourRecord]) -> list[int]:
    """The local years in which `queryset` has records, newest first (this year always)."""
    zone = timezone.get_current_timezone()
    years = {timezone.localdate().year}
    for instant in queryset.values_list("start", flat=True).order_by().distinct()[:5000]:
        years.add(instant.astimezone(zone).year)
    return sorted(years, reverse=True)


#: What a volunteer's own check-in reads of their sign-up (`own_signup`): the slot's times, the
#: activity's state, place and organiser, the volunteer's name and number. Anything else is
#: read when it is asked for (a check-out's record reads more).
OWN_SIGNUP_FIELDS = (
    "status",
    "slot__label",
    "slot__starts_at",
    "slot__ends_at",
    "slot__activity__title",
    "slot__activity__status",
    "slot__activity__latitude",
    "slot__activity__longitude",
    "slot__activity__geofence_radius",
    "slot__activity__organizer__id",
    "volunteer__name",
    "volunteer__registration_number",
)


_OWN_SIGNUP = PreparedRead(
    lambda: (
        SignUp.objects.filter(
            slot_id=Param("slot"),
            volunteer__mobile_digest=Param("digest"),
            status=SignUpStatus.CONFIRMED,
        )
        .select_related("slot__activity__organizer", "volunteer")
        .only(*OWN_SIGNUP_FIELDS)
        # one row, or one per registration of a family's phone: the first
        .order_by("pk")[:1]
    )
)


def own_signup(slot_id: int, digest: str) -> SignUp | None:
    """The confirmed sign-up for slot `slot_id` of a registration made with the mobile number
    whose digest is `digest` (the volunteer's own check-in), with what a check-in reads of its
    slot, activity, organiser and volunteer (OWN_SIGNUP_FIELDS: building the query for every
    column of four tables cost more than the rest of a check-in); None when there is none.
    A prepared read (`common.prepared`): a storm of check-ins at a gate asks it for every scan."""
    return next(iter(_OWN_SIGNUP.objects(slot=slot_id, digest=digest)), None)


def slots(user: Any, roles: Any = ALL_ROLES) -> QuerySet[Slot]:
    """Slots of the activities organised in `user`'s subtrees."""
    return scope(user, Slot.objects.select_related("activity__organizer"), roles)


@dataclass
class RosterLine:
    """A volunteer signed up for a slot, with their check-in intervals and records."""

    signup: Any
    attendances: list[Attendance] = field(default_factory=list)
    records: list[HourRecord] = field(default_factory=list)

    @property
    def open_attendance(self) -> Attendance | None:
        return next((a for a in self.attendances if a.is_open), None)

    @property
    def checked_in(self) -> bool:
        return self.open_attendance is not None

    @property
    def no_show(self) -> bool:
        """Confirmed, the slot over, and neither a check-in nor a record."""
        return (
            not self.attendances and not self.records and self.signup.slot.ends_at < timezone.now()
        )


def roster(slot: Slot) -> list[RosterLine]:
    """The confirmed sign-ups of `slot` in sign-up order, each with its attendances and live or
    rejected records for that slot (three queries; each interval and record knows its
    volunteer, the sign-up's, so showing them asks nothing more). The caller checked the
    scope."""
    signups = (
        slot.signups.filter(status=SignUpStatus.CONFIRMED)
        .select_related("volunteer", "slot")
        .order_by("signed_up_at", "pk")
    )
    attendances = Attendance.objects.filter(slot=slot).order_by("checked_in_at", "pk")
    found = HourRecord.objects.filter(slot=slot).exclude(_replaced()).order_by("start", "pk")
    lines = {signup.volunteer_id: RosterLine(signup) for signup in signups}
    for attendance in attendances:
        if (line := lines.get(attendance.volunteer_id)) is not None:
            attendance.volunteer = line.signup.volunteer
            line.attendances.append(attendance)
    for record in found:
        if (line := lines.get(record.volunteer_id)) is not None:
            record.volunteer = line.signup.volunteer
            line.records.append(record)
    return list(lines.values())


def slot_records(slot: Slot) -> QuerySet[HourRecord]:
    """Every record of `slot` (any volunteer, corrections included), in time order."""
    return (
        HourRecord.objects.filter(slot=slot)
        .select_related(*RECORD_RELATED)
        .prefetch_related(Prefetch("corrections"))
        .order_by("start", "pk")
    )


def hours_imports(user: Any, roles: Any = ALL_ROLES) -> QuerySet[HoursImport]:
    """The sheets in `user`'s scope, without their files (read only by the import itself)."""
    sheets = HoursImport.objects.select_related("organization", "uploaded_by").defer("content")
    return scope(user, sheets, roles)


@dataclass
class OrganizerTotal:
    organizer: Organization
    minutes: int
    records: int
    volunteers: int

    @property
    def hours(self) -> Decimal:
        return rules.hours(self.minutes)


def totals_by_organizer(queryset: QuerySet[HourRecord]) -> list[OrganizerTotal]:
    """Counted minutes, records and distinct volunteers of `queryset` per organiser, by tree
    order (one query, plus one for the organisations)."""
    rows = (
        counted(queryset)
        .order_by()
        .values("organizer")
        .annotate(
            minutes=Sum("minutes"),
            records=Count("pk"),
            volunteers=Count("volunteer", distinct=True),
        )
    )
    found = {row["organizer"]: row for row in rows}
    organizations = Organization.objects.filter(pk__in=found).order_by("path")
    return [
        OrganizerTotal(
            org,
            int(found[org.pk]["minutes"] or 0),
            found[org.pk]["records"],
            found[org.pk]["volunteers"],
        )
        for org in organizations
    ]


@dataclass
class OfficeTotals:
    """The counted hours of an office's choice: `minutes` in all, and per organiser."""

    minutes: int
    by_organizer: list[OrganizerTotal]

    @property
    def hours(self) -> Decimal:
        return rules.hours(self.minutes)


def _whole_months(start: date | None, end: date | None) -> tuple[date | None, date | None, bool]:
    """The whole local months inside the days `start` to `end` (either open): (first month,
    the month after the last, whether there is at least one)."""
    first = start
    if first is not None and first.day != 1:
        first = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
    after = None if end is None else end + timedelta(days=1)
    if after is not None and after.day != 1:
        after = after.replace(day=1)
    some = first is None or after is None or first < after
    return first, after, some


def office_totals(
    user: Any,
    *,
    organization: Organization | None = None,
    start: date | None = None,
    end: date | None = None,
    status: str = "",
    activity: int | None = None,
    roles: Any = ALL_ROLES,
) -> OfficeTotals:
    """The counted minutes, records and distinct volunteers of the records `user` reaches
    (`records`), narrowed as `filter_records` narrows them (the hours page and its totals API):
    in all and per organiser, by tree order.

    The same figures as `total_minutes(counted(found))` and `totals_by_organizer(found)`, read
    from the roll-ups (`tallies`) where they serve: the whole local months of the period from
    `HourTally` and only its partial months' records from the ledger; the distinct volunteers
    from `OrganizerYear` when the period is one whole year, from `ServiceYear` when it is whole
    years (or all time), else from the records. An activity filter reads the records. A few
    queries whatever the number of records."""
    found = filter_records(
        records(user, roles),
        organization=organization,
        start=start,
        end=end,
        status=status,
        activity=activity,
    )
    if activity or status not in ("", HourStatus.CONFIRMED):
        by_organizer = totals_by_organizer(found)
        return OfficeTotals(sum(row.minutes for row in by_organizer), by_organizer)
    first, after, some = _whole_months(start, end)
    minutes: dict[int, int] = defaultdict(int)
    counts: dict[int, int] = defaultdict(int)
    edges: list[QuerySet[HourRecord]] = []
    if some:
        tallied = scope(user, HourTally.objects.all(), roles)
        if organization is not None:
            tallied = in_subtree(tallied, organization)
        if first is not None:
            tallied = tallied.filter(month__gte=first)
        if after is not None:
            tallied = tallied.filter(month__lt=after)
        for row in (
            tallied.order_by()
            .values("organizer")
            .annotate(minutes=Sum("minutes"), records=Sum("records"))
        ):
            minutes[row["organizer"]] += int(row["minutes"] or 0)
            counts[row["organizer"]] += int(row["records"] or 0)
        if start is not None and first is not None and start < first:
            edges.append(in_period(found, start, first - timedelta(days=1)))
        if end is not None and after is not None and after <= end:
            edges.append(in_period(found, after, end))
    else:
        edges.append(found)
    for edge in edges:
        for row in (
            counted(edge)
            .order_by()
            .values("organizer")
            .annotate(minutes=Sum("minutes"), records=Count("pk"))
        ):
            minutes[row["organizer"]] += int(row["minutes"] or 0)
            counts[row["organizer"]] += row["records"]
    whole_years = (start is None or (start.month, start.day) == (1, 1)) and (
        end is None or (end.month, end.day) == (12, 31)
    )
    people: Any
    if whole_years and start is not None and end is not None and start.year == end.year:
        # One row per organiser and year: its distinct volunteers, kept by the confirmations.
        yearly = scope(user, OrganizerYear.objects.filter(year=start.year), roles)
        if organization is not None:
            yearly = in_subtree(yearly, organization)
        people = yearly.order_by().values_list("organizer", "volunteers")
    elif whole_years:
        served = scope(user, ServiceYear.objects.filter(records__gt=0), roles)
        if organization is not None:
            served = in_subtree(served, organization)
        if start is not None:
            served = served.filter(year__gte=start.year)
        if end is not None:
            served = served.filter(year__lte=end.year)
        people = (
            served.order_by()
            .values("organizer")
            # `volunteer`, not the id: the count then reads the index alone.
            .annotate(n=Count("volunteer", distinct=True))
            .values_list("organizer", "n")
        )
    else:
        people = (
            counted(found)
            .order_by()
            .values("organizer")
            .annotate(n=Count("volunteer", distinct=True))
            .values_list("organizer", "n")
        )
    volunteers = dict(people)
    present = [pk for pk in counts if counts[pk]]
    # What the totals show of an organiser (name, code), not its whole row: a city has thousands.
    organizations = (
        Organization.objects.filter(pk__in=present)
        .only("pk", "path", "code", "name")
        .order_by("path")
    )
    rows = [
        OrganizerTotal(org, minutes[org.pk], counts[org.pk], volunteers.get(org.pk, 0))
        for org in organizations
    ]
    return OfficeTotals(sum(row.minutes for row in rows), rows)
