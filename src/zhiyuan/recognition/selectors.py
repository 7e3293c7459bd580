"""Reads of the recognition app: the policy in force, the yearly line, who is below it, star
eligibility, awards and notices. Lists read through the access layer (`scope`), registered
volunteers through `volunteers.selectors.registered_volunteers` (the one definition), hours
through `hours.selectors.counted` (the one definition of the hours that count)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.hours import rules
from zhiyuan.hours.models import HourRecord, ServiceYear
from zhiyuan.hours.selectors import counted, year_bounds
from zhiyuan.organizations.access import ALL_ROLES, after_subtree, in_subtree, scope
from zhiyuan.organizations.models import Organization
from zhiyuan.recognition import workdays
from zhiyuan.recognition.enums import LIVE, AwardStatus
from zhiyuan.recognition.models import (
    AwardBar,
    HourReminder,
    RecognitionPolicy,
    ReminderOptOut,
    StarAward,
)
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.selectors import registered_volunteers

AWARD_RELATED = ("volunteer", "organization", "proposed_by", "reviewed_by", "awarded_by")


def local_today() -> date:
    return timezone.localdate()


def notice_period(start: date, working_days: int) -> tuple[date, date]:
    """A public notice published on `start` that stands for `working_days` working days
    (Monday to Friday less the configured holidays, plus the weekend days configured as worked:
    `Holiday`, the State Council's yearly notice; `workdays.notice_period`): (first day, last
    day), both included. The one rule of notices, for star levels and for award campaigns alike.
    Raises ValidationError ("no_working_days") when the holidays leave no working day within
    a year."""
    try:
        return workdays.notice_period(start, working_days)
    except ValueError:
        raise ValidationError(
            _("No working day is configured in the year ahead: check the holidays."),
            code="no_working_days",
        ) from None


# --- the policy ----------------------------------------------------------------------------


def _ancestor_paths(organization: Organization) -> list[str]:
    step = Organization.steplen
    return [organization.path[:end] for end in range(step, len(organization.path) + 1, step)]


def policy_for(organization: Organization) -> RecognitionPolicy:
    """The policy of the nearest ancestor-or-self that has one; the defaults (unsaved) where
    none does."""
    found = (
        RecognitionPolicy.objects.filter(organization__path__in=_ancestor_paths(organization))
        .select_related("organization")
        .order_by("-organization__depth")
        .first()
    )
    return found or RecognitionPolicy(organization=organization)


@dataclass(frozen=True)
class Policies:
    """Every saved policy by its organisation's path, deepest first, and the defaults: what a
    bulk read needs to tell each volunteer's policy from their path without a query each."""

    by_path: list[tuple[str, RecognitionPolicy]]
    default: RecognitionPolicy

    def of_path(self, path: str) -> RecognitionPolicy:
        """The policy in force for an organisation at `path` (nearest ancestor-or-self)."""
        for prefix, policy in self.by_path:
            if path.startswith(prefix):
                return policy
        return self.default

    def case(self, field: str, value: Any) -> Case:
        """A database expression: `value(policy)` of the policy in force for each row, by the
        row's tree path `field` (a `ScopePathField` copy, read as ranges)."""
        whens = [
            When(
                Q(**{f"{field}__gte": prefix, f"{field}__lt": after_subtree(prefix)}),
                then=Value(value(policy)),
            )
            for prefix, policy in self.by_path
        ]
        return Case(*whens, default=Value(value(self.default)), output_field=IntegerField())


def policies() -> Policies:
    """All policies (a few rows: cities and the parts that differ), deepest first."""
    saved = RecognitionPolicy.objects.select_related("organization").order_by(
        "-organization__depth", "organization__path"
    )
    return Policies([(p.organization.path, p) for p in saved], RecognitionPolicy())


def yearly_target_minutes(policy: RecognitionPolicy) -> int:
    """The minutes a registered volunteer is expected to serve a year (plan §三(二)3: 20 h)."""
    return int(policy.yearly_hours) * 60


def yearly_target_of_person(mobile_digest: str) -> int:
    """The minutes a year expected of the person behind one mobile number (the portal's
    volunteer, `hours.selectors.records_of_volunteers`): the yearly hours of the policy in force
    where each of their registrations was made, the highest where they differ; the defaults'
    where they have none (plan §三(二)3: 20 h). Two queries."""
    found = policies()
    paths = Volunteer.objects.filter(mobile_digest=mobile_digest).values_list(
        "organization__path", flat=True
    )
    minutes = [yearly_target_minutes(found.of_path(path)) for path in paths]
    return max(minutes, default=yearly_target_minutes(found.default))


def star_minutes(policy: RecognitionPolicy) -> list[int]:
    """The thresholds of one to five stars in minutes, in order."""
    return [int(hours) * 60 for hours in policy.star_hours]


def first_star_minutes(policy: RecognitionPolicy) -> int:
    return star_minutes(policy)[0]


# --- hours ---------------------------------------------------------------------------------


def _minutes_of(records: QuerySet[HourRecord]) -> Coalesce:
    summed = (
        counted(records.filter(volunteer=OuterRef("pk")))
        .order_by()
        .values("volunteer")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    return Coalesce(Subquery(summed, output_field=IntegerField()), Value(0))


def year_minutes_expression(year: int) -> Coalesce:
    """Per volunteer row: the counted minutes of records started in the local `year`."""
    start, end = year_bounds(year)
    return _minutes_of(HourRecord.objects.filter(start__gte=start, start__lt=end))


def total_minutes_expression() -> Coalesce:
    """Per volunteer row: every counted minute (a star level's cumulative hours)."""
    return _minutes_of(HourRecord.objects.all())


def total_minutes(volunteer: Volunteer) -> int:
    """`volunteer`'s cumulative counted minutes."""
    found = counted(HourRecord.objects.filter(volunteer=volunteer)).aggregate(s=Sum("minutes"))
    return int(found["s"] or 0)


def year_minutes_by_volunteer(year: int) -> dict[int, int]:
    """Counted minutes of the local `year` per volunteer (every volunteer with some, wherever
    they served), read from the hours app's yearly tallies (`hours.models.ServiceYear`, kept
    exact in the confirming transaction: `hours.tallies`): one GROUP BY over a row per
    volunteer and organiser, not the year's records (the reminder's bulk read)."""
    rows = (
        ServiceYear.objects.filter(year=year, minutes__gt=0)
        .order_by()
        .values_list("volunteer")
        .annotate(total=Sum("minutes"))
    )
    return {volunteer: int(total) for volunteer, total in rows.iterator(chunk_size=20000)}


@dataclass
class Line:
    """A year's counted minutes against the yearly hours expected."""

    minutes: int
    target_minutes: int

    @property
    def hours(self) -> Decimal:
        return rules.hours(self.minutes)

    @property
    def target_hours(self) -> Decimal:
        return rules.hours(self.target_minutes)

    @property
    def missing_hours(self) -> Decimal:
        return rules.hours(max(0, self.target_minutes - self.minutes))

    @property
    def percent(self) -> int:
        return min(100, self.minutes * 100 // self.target_minutes) if self.target_minutes else 100

    @property
    def reached(self) -> bool:
        return self.minutes >= self.target_minutes


def yearly_line(volunteer: Volunteer, year: int | None = None) -> Line:
    """`volunteer`'s counted minutes this `year` (local) against their policy's yearly hours."""
    year = year or local_today().year
    start, end = year_bounds(year)
    records = counted(
        HourRecord.objects.filter(volunteer=volunteer, start__gte=start, start__lt=end)
    )
    minutes = int(records.aggregate(s=Sum("minutes"))["s"] or 0)
    return Line(minutes, yearly_target_minutes(policy_for(volunteer.organization)))


# --- the office's lists --------------------------------------------------------------------


def registered_in_scope(user: Any, organization: Organization | None = None) -> Any:
    """Registered volunteers `user` may see, in `organization`'s subtree when given."""
    queryset = scope(user, Volunteer.objects.all())
    if organization is not None:
        queryset = in_subtree(queryset, organization)
    return registered_volunteers(queryset)


def below_line(
    user: Any, *, organization: Organization | None = None, year: int | None = None
) -> QuerySet[Volunteer]:
    """Registered volunteers in `user`'s scope (and `organization`'s subtree) whose counted
    hours of the local `year` are below their policy's yearly hours, each annotated with
    `year_minutes` and `target_minutes`; by the organisation registered through (tree order),
    then name. One query (the policy read once before)."""
    year = year or local_today().year
    found = policies()
    return (
        registered_in_scope(user, organization)
        .annotate(
            year_minutes=year_minutes_expression(year),
            target_minutes=found.case("organization_path", lambda p: p.yearly_hours * 60),
        )
        .filter(year_minutes__lt=F("target_minutes"))
        .select_related("organization")
        .only(
            "name",
            "registration_number",
            "status",
            "organization__name",
            "organization__path",
            "organization_path",
        )
        .order_by("organization_path", "name", "pk")
    )


@dataclass(frozen=True)
class UnitCount:
    """Per organisation registered through: registered volunteers below the line."""

    organization: Organization
    below: int


def below_by_unit(queryset: QuerySet[Volunteer]) -> list[UnitCount]:
    """`below_line`'s volunteers counted per organisation registered through, in tree order
    (one query, plus one for the organisations)."""
    rows = dict(
        queryset.order_by()
        .values_list("organization")
        .annotate(n=Count("pk"))
        .values_list("organization", "n")
    )
    units = Organization.objects.filter(pk__in=rows).order_by("path")
    return [UnitCount(unit, rows[unit.pk]) for unit in units]


@dataclass(frozen=True)
class Eligible:
    """A registered volunteer whose cumulative hours reach their next star level."""

    volunteer: Volunteer
    total_minutes: int
    held: int
    next_level: int
    threshold_minutes: int

    @property
    def total_hours(self) -> Decimal:
        return rules.hours(self.total_minutes)


def eligible(user: Any, organization: Organization | None = None) -> list[Eligible]:
    """Registered volunteers in scope whose counted hours reach their next star level (the one
    after the highest awarded), with no award of it under way and not barred today. ONE query:
    each volunteer's cumulative counted minutes, highest awarded level, award under way and bar
    are annotated (no query per volunteer); the thresholds are their policy's (`policies`,
    read once)."""
    found = policies()
    today = local_today()
    awarded = StarAward.objects.filter(volunteer=OuterRef("pk"), status=AwardStatus.AWARDED)
    waiting = StarAward.objects.filter(
        volunteer=OuterRef("pk"), status__in=[s for s in LIVE if s != AwardStatus.AWARDED]
    )
    rows = (
        registered_in_scope(user, organization)
        .annotate(
            total=total_minutes_expression(),
            first=found.case("organization_path", first_star_minutes),
            held=Coalesce(
                Subquery(
                    awarded.order_by().values("volunteer").annotate(m=Max("level")).values("m"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
            waiting=Exists(waiting),
            barred=Exists(AwardBar.objects.filter(volunteer=OuterRef("pk"), until__gte=today)),
        )
        .filter(total__gte=F("first"), waiting=False, barred=False)
        .select_related("organization")
        .order_by("organization_path", "name", "pk")
    )
    result = []
    for volunteer in rows:
        thresholds = star_minutes(found.of_path(volunteer.organization_path))
        held = volunteer.held  # type: ignore[attr-defined]
        if held >= len(thresholds) or volunteer.total < thresholds[held]:  # type: ignore[attr-defined]
            continue
        total = volunteer.total  # type: ignore[attr-defined]
        result.append(Eligible(volunteer, total, held, held + 1, thresholds[held]))
    return result


def awards(user: Any, roles: Iterable[str] = ALL_ROLES) -> QuerySet[StarAward]:
    """Star awards of volunteers registered through organisations in `user`'s subtrees."""
    return scope(user, StarAward.objects.select_related(*AWARD_RELATED), roles)


def flagged(user: Any) -> QuerySet[StarAward]:
    return awards(user).filter(flagged_at__isnull=False).order_by("flagged_at")


def held_level(volunteer: Volunteer) -> int:
    """The highest star level awarded to `volunteer` (0: none)."""
    found = StarAward.objects.filter(volunteer=volunteer, status=AwardStatus.AWARDED).aggregate(
        m=Max("level")
    )
    return int(found["m"] or 0)


def active_bar(volunteer: Volunteer, today: date | None = None) -> AwardBar | None:
    """The bar from awards that holds the longest for `volunteer` on `today`, or None."""
    today = today or local_today()
    return AwardBar.objects.filter(volunteer=volunteer, until__gte=today).order_by("-until").first()


# --- public and the volunteer's own ---------------------------------------------------------


def on_notice(today: date | None = None) -> QuerySet[StarAward]:
    """Awards on public notice today (anyone sees them on the portal: the name, the level, the
    registering organisation, the notice's dates)."""
    today = today or local_today()
    return (
        StarAward.objects.filter(
            status=AwardStatus.NOTICE, notice_from__lte=today, notice_until__gte=today
        )
        .select_related("volunteer", "organization")
        .order_by("notice_until", "pk")
    )


def awards_of_digest(digest: str) -> QuerySet[StarAward]:
    """Every award of the registrations using one mobile number (the portal's volunteer)."""
    return (
        StarAward.objects.filter(volunteer__mobile_digest=digest)
        .select_related("volunteer", "organization")
        .order_by("-asked_at", "-pk")
    )


def volunteers_of_digest(digest: str) -> QuerySet[Volunteer]:
    """The registered volunteers (the one definition) of one mobile number, oldest first."""
    return registered_volunteers(
        Volunteer.objects.filter(mobile_digest=digest).select_related("organization")
    ).order_by("pk")


def opted_out(volunteers: Sequence[Volunteer]) -> set[int]:
    """Which of `volunteers` asked not to be reminded."""
    return set(
        ReminderOptOut.objects.filter(volunteer__in=volunteers).values_list(
            "volunteer_id", flat=True
        )
    )


def reminders_of(day: date) -> QuerySet[HourReminder]:
    return HourReminder.objects.filter(day=day)
