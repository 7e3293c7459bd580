"""A known set of false registrations and false hours planted on a generated population
(`zhiyuan plant_anomalies`, issue 14): what the anomaly flags and a spot check must find, and
how many.

Only on a database marked as a demo's or a benchmark's (`population.require_marked`), after
`generate_population` made its people: the planted cases change synthetic people only (their
birth date, mobile, address, channel and registrar), and add an activity, four office users
(a registrar, a recorder, a second leader and a leader's account of one volunteer) and service
records. From `seed`, the same
people are chosen on the same population. One case of every rule (`anomalies.enums.Rule`):

- a child under 14 with hours (a registration whose birth date makes the person 12);
- a burst of ANOMALY_BURST_REGISTRATIONS registrations typed in by one registrar in one hour;
- ANOMALY_BURST_REGISTRATIONS registrations from one home address in one week;
- a volunteer whose mobile is the registrar's phone;
- ANOMALY_SHARED_MOBILE people sharing one mobile;
- two overlapping records, a 13-hour day, a record confirmed by the volunteer it belongs to
  (a leader's account of the person, under another number when it confirmed, then given the
  registration's; beside it a record the recorder confirmed, which is no anomaly), a record
  before the person's registration date, ANOMALY_BULK_IDENTICAL identical back-filled records, and a
  check-in 2.4 km outside the activity's geofence.
Besides, every chosen volunteer of the hours cases gets a clean record confirmed by a second
person, which no rule flags. Everything happens in one transaction.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.accounts.models import Role, User
from zhiyuan.activities.enums import ActivityStatus, CategoryKind
from zhiyuan.activities.models import Activity, Category, Slot
from zhiyuan.anomalies.enums import Rule
from zhiyuan.demo import synthetic
from zhiyuan.demo.models import GeneratedPopulation
from zhiyuan.demo.population import require_marked, synthetic_volunteers
from zhiyuan.hours import services as hours_services
from zhiyuan.hours.enums import HourFlag, HourSource
from zhiyuan.hours.models import Attendance, HourRecord
from zhiyuan.organizations.enums import OrgKind, RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import RegistrationChannel, RegistrationStatus
from zhiyuan.volunteers.models import Volunteer

#: Mobiles of the planted office users and shared numbers: far above the generator's indexes.
MOBILE_BASE = 9_000_000


@dataclass
class Planted:
    """What was planted: per rule, the ids of the records and registrations it must flag; the
    false registrations (registrations that should not exist or hold false details)."""

    seed: int
    records: dict[str, set[int]] = field(default_factory=dict)
    volunteers: dict[str, set[int]] = field(default_factory=dict)
    false_registrations: set[int] = field(default_factory=set)
    users: dict[str, str] = field(default_factory=dict)

    def add(self, rule: str, *, records: Any = (), volunteers: Any = ()) -> None:
        self.records.setdefault(rule, set()).update(records)
        self.volunteers.setdefault(rule, set()).update(volunteers)


def plant_anomalies(*, seed: int = 1, today: date | None = None) -> Planted:
    """Plant one case of every anomaly rule on the generated population (see the module's
    docstring). Raises ValidationError "not_marked" (`require_marked`), "no_population" (no
    population generated yet) or "too_few" (fewer people than the cases need)."""
    require_marked()
    population = GeneratedPopulation.objects.order_by("pk").first()
    if population is None:
        raise ValidationError(
            _("Generate a population first (zhiyuan generate_population)."),
            code="no_population",
        )
    today = today or timezone.localdate()
    chooser = random.Random(seed)  # noqa: S311 - made-up cases, reproducibly
    burst = settings.ANOMALY_BURST_REGISTRATIONS
    shared = settings.ANOMALY_SHARED_MOBILE
    bulk = settings.ANOMALY_BULK_IDENTICAL
    # Registered at least 60 days ago, so that records of the last month follow registration.
    candidates = list(
        synthetic_volunteers()
        .filter(status=RegistrationStatus.ACTIVE, registered_on__lt=today - timedelta(days=60))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    needed = 2 * burst + shared + bulk + 8
    if len(candidates) < needed:
        raise ValidationError(
            _("The population has %(n)s people registered 60 days ago; the cases need %(m)s.")
            % {"n": len(candidates), "m": needed},
            code="too_few",
        )
    chosen = chooser.sample(candidates, needed)
    people = iter(Volunteer.objects.in_bulk(chosen)[pk] for pk in chosen)
    planted = Planted(seed=seed)
    with transaction.atomic():
        place = _Place.make(population.division_id, seed=seed, today=today)
        planted.users = {
            "registrar": place.registrar.username,
            "recorder": place.recorder.username,
            "second": place.second.username,
        }
        _plant_registrations(planted, people, place, chooser, today=today)
        _plant_hours(planted, people, place, today=today)
    return planted


@dataclass
class _Place:
    organizer: Organization
    activity: Activity
    registrar: User
    recorder: User
    second: User

    @classmethod
    def make(cls, division: Any, *, seed: int, today: date) -> "_Place":
        organizer = (
            Organization.objects.filter(
                kind__in=[OrgKind.SERVICE_STATION, OrgKind.SERVICE_TEAM], is_active=True
            )
            .order_by("path")
            .first()
        )
        if organizer is None:
            raise ValidationError(_("The population has no station or team."), code="structure")
        users = []
        for n, (name, role) in enumerate(
            (
                ("registrar", RoleKind.REGISTRAR),
                ("recorder", RoleKind.TEAM_LEADER),
                ("second", RoleKind.TEAM_LEADER),
            )
        ):
            user, _made = User.objects.get_or_create(
                username=f"planted-{name}-{seed}",
                defaults={
                    "name": f"种植{'甲乙丙'[n]}",
                    "mobile": synthetic.synthetic_mobile(MOBILE_BASE + 10 * seed + n),
                },
            )
            Role.objects.get_or_create(user=user, organization=organizer, kind=role)
            users.append(user)
        category = Category.objects.filter(kind=CategoryKind.CATEGORY).order_by("pk")[0]
        activity = Activity.objects.create(
            organizer=organizer,
            title=f"异常种植活动 {seed}",
            category=category,
            address="岳阳市",
            division_id=division,
            latitude="29.357000",
            longitude="113.129000",
            geofence_radius=300,
            status=ActivityStatus.PUBLISHED,
            published_at=timezone.now(),
            created_by=users[1],
            published_by=users[1],
        )
        return cls(organizer, activity, *users)


def _plant_registrations(
    planted: Planted, people: Any, place: _Place, chooser: random.Random, *, today: date
) -> None:
    # A child: registered (falsely) with a birth date making them 12 today; hours below.
    child = next(people)
    child.birth_date = today.replace(year=today.year - 12, day=1)
    child.save(update_fields=["birth_date"])
    planted.false_registrations.add(child.pk)
    planted.volunteers.setdefault("child", set()).add(child.pk)
    # A burst from one registrar: typed in within one hour, 60 days ago.
    hour = timezone.make_aware(
        datetime.combine(today - timedelta(days=60), time(10, 5)), timezone.get_default_timezone()
    )
    burst = [next(people) for _n in range(settings.ANOMALY_BURST_REGISTRATIONS)]
    Volunteer.objects.filter(pk__in=[v.pk for v in burst]).update(
        channel=RegistrationChannel.REGISTRAR,
        registered_by=place.registrar,
        applied_at=hour,
    )
    planted.add(Rule.REGISTRAR_BURST, volunteers=[v.pk for v in burst])
    # A burst from one home address: self-registrations of one week, 90 days ago.
    week = hour - timedelta(days=30)
    address = f"南湖大道{chooser.randint(1, 999)}号"
    same = [next(people) for _n in range(settings.ANOMALY_BURST_REGISTRATIONS)]
    for n, volunteer in enumerate(same):
        volunteer.address_detail = address
        volunteer.home_division_id = same[0].home_division_id
        volunteer.channel = RegistrationChannel.SELF
        volunteer.applied_at = week + timedelta(minutes=n)
        volunteer.save(
            update_fields=["address_detail", "home_division", "channel", "applied_at", "updated_at"]
        )
    planted.add(Rule.ADDRESS_BURST, volunteers=[v.pk for v in same])
    # The registrar's phone as a volunteer's mobile.
    borrowed = next(people)
    borrowed.mobile = place.registrar.mobile
    borrowed.save(update_fields=["mobile", "mobile_digest"])
    planted.add(Rule.REGISTRAR_PHONE, volunteers=[borrowed.pk])
    # Many people on one mobile.
    number = synthetic.synthetic_mobile(MOBILE_BASE + 10 * planted.seed + 5)
    sharing = [next(people) for _n in range(settings.ANOMALY_SHARED_MOBILE)]
    for volunteer in sharing:
        volunteer.mobile = number
        volunteer.save(update_fields=["mobile", "mobile_digest"])
    planted.add(Rule.SHARED_MOBILE, volunteers=[v.pk for v in sharing])
    planted.false_registrations |= {v.pk for v in [*burst, *same, borrowed, *sharing]}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, time(hour, minute)), timezone.get_default_timezone()
    )


def _write(
    volunteer: Volunteer, place: _Place, start: datetime, minutes: int, **extra: Any
) -> HourRecord:
    """A pending record written straight into the ledger (around the services' checks)."""
    return HourRecord.objects.create(
        volunteer=volunteer,
        activity=place.activity,
        organizer=place.organizer,
        start=start,
        end=start + timedelta(minutes=minutes),
        actual_minutes=minutes,
        minutes=minutes,
        rounding="exact",
        source=extra.get("source", HourSource.LEADER),
        recorded_by=place.recorder,
    )


def _entered(volunteer: Volunteer, place: _Place, start: datetime, minutes: int) -> HourRecord:
    """A clean record: entered by the recorder, confirmed by the second leader."""
    record = hours_services.record_hours(
        volunteer,
        activity=place.activity,
        start=start,
        end=start + timedelta(minutes=minutes),
        actor=place.recorder,
    )
    return hours_services.confirm_records([record], actor=place.second)[0]


def _own_leader(volunteer: Volunteer, place: _Place) -> User:
    """A team leader's account of `volunteer` (the same name) on the organiser, with a number of
    the planted users' range."""
    leader = User.objects.create(
        username=f"planted-own-{place.activity.pk}",
        name=volunteer.name,
        mobile=synthetic.synthetic_mobile(MOBILE_BASE + 10 * int(place.activity.pk) + 3),
    )
    Role.objects.create(user=leader, organization=place.organizer, kind=RoleKind.TEAM_LEADER)
    return leader


def _plant_hours(planted: Planted, people: Any, place: _Place, *, today: date) -> None:
    day = today - timedelta(days=10)
    child = Volunteer.objects.get(pk=next(iter(planted.volunteers.pop("child"))))
    record = _write(child, place, _at(day, 9), 120)
    planted.add(Rule.UNDER_AGE, records=[record.pk], volunteers=[child.pk])

    overlapping = next(people)
    first = _entered(overlapping, place, _at(day, 9), 180)
    second = _write(overlapping, place, _at(day, 11), 60)
    planted.add(Rule.OVERLAPPING_HOURS, records=[first.pk, second.pk], volunteers=[overlapping.pk])

    long_day = next(people)
    made = [_entered(long_day, place, _at(day, 6), 360), _write(long_day, place, _at(day, 13), 420)]
    planted.add(Rule.LONG_DAY, records=[r.pk for r in made], volunteers=[long_day.pk])

    own = next(people)
    _entered(own, place, _at(day - timedelta(days=1), 9), 120)
    # The recorder also confirms records of their own for others (the ordinary path: no flag).
    ordinary = hours_services.record_hours(
        own, activity=place.activity, start=_at(day, 12), end=_at(day, 13), actor=place.recorder
    )
    hours_services.confirm_records([ordinary], actor=place.recorder)
    # The person holds a leader's account too, under another number when they confirmed their
    # own record (the ledger could not tell), then given the registration's number.
    leader = _own_leader(own, place)
    record = hours_services.record_hours(
        own, activity=place.activity, start=_at(day, 9), end=_at(day, 11), actor=place.recorder
    )
    record = hours_services.confirm_records([record], actor=leader)[0]
    leader.mobile = own.mobile
    leader.save(update_fields=["mobile", "mobile_digest"])
    planted.users["own"] = leader.username
    planted.add(Rule.SELF_CONFIRMED, records=[record.pk], volunteers=[own.pk])

    early = next(people)
    registered_on = early.registered_on or today
    record = _write(early, place, _at(registered_on - timedelta(days=3), 9), 90)
    planted.add(Rule.BEFORE_REGISTRATION, records=[record.pk], volunteers=[early.pk])

    bulk = [next(people) for _n in range(settings.ANOMALY_BULK_IDENTICAL)]
    made = [_write(v, place, _at(day, 14), 120, source=HourSource.BACKFILL) for v in bulk]
    planted.add(Rule.BULK_IDENTICAL, records=[r.pk for r in made], volunteers=[v.pk for v in bulk])

    far = next(people)
    slot = Slot.objects.create(
        activity=place.activity, starts_at=_at(day, 18), ends_at=_at(day, 20), capacity=10
    )
    record = _write(far, place, _at(day, 18), 120)
    Attendance.objects.create(
        slot=slot,
        volunteer=far,
        checked_in_at=_at(day, 18),
        checked_out_at=_at(day, 20),
        distance_m=2400,
        flags=[HourFlag.OUTSIDE_GEOFENCE],
        record=record,
    )
    planted.add(Rule.OUTSIDE_GEOFENCE, records=[record.pk], volunteers=[far.pk])
