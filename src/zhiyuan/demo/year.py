"""The demo city's year of service (`load_demo`): activities of eight stations and teams of
岳阳楼街道 and 三眼桥街道 (岳阳楼区, where the demo users work) over the past twelve months and
the coming two weeks, with their slots, sign-ups, check-ins and leaders' entries, the records
confirmed (those of the last PENDING_DAYS left for the leaders), one rejected, two corrections.

Every step goes through the services of the activities and hours apps (and the volunteers
app's for team memberships), by the demo user who manages the organiser, on its day:
`clock.replaying` sets the time the services read, and the steps run in time order, so the
rules of today held then too (a slot is published before it starts, hours are recorded once
served, each confirmation joins its organiser's chain in order). From SEED the same year is made
on the same demo, relative to the day it is loaded: the counts do not depend on the date; which
of them fall in this calendar year (the yearly line, Attachments 6 and 7) does.

Who takes part: registered volunteers of each street, registered before the activity was
published: the two stalwarts (陈小满, whose mobile logs in at /me/, and 李建国) at every activity
of 岳阳楼街道, past the first star's 100 hours; REGULARS per street, each at about half of its
activities (past the 20 yearly hours); others now and then. 郭亮社区's team has members (the
street's hand-made people and some of the station's), whom its leader signs up as a group for
the team's own activities. Everything happens in one transaction.
"""

import heapq
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Count, F, QuerySet, Sum
from django.test import override_settings
from django.utils import timezone

from zhiyuan.accounts.models import User
from zhiyuan.activities import services as activities
from zhiyuan.activities.enums import SignUpStatus, Visibility
from zhiyuan.activities.models import Activity, Category, SignUp, Slot
from zhiyuan.common.models import OutboundSms
from zhiyuan.demo.clock import Clock, replaying
from zhiyuan.divisions.models import Division
from zhiyuan.hours import checkin
from zhiyuan.hours import selectors as hour_selectors
from zhiyuan.hours import services as hours
from zhiyuan.hours.enums import HourStatus
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import services as volunteers
from zhiyuan.volunteers.enums import RegistrationChannel, RegistrationStatus
from zhiyuan.volunteers.models import Membership, Volunteer

SEED = 2026
#: The task backend while the year is replayed: its tasks are kept in memory, none runs.
_NOTHING_QUEUED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
#: Activities held within this many days before the load keep their records pending.
PENDING_DAYS = 10
#: Who takes part: people at least this many days old at the load (20 years: adults all year).
ADULT_DAYS = 7305
#: Regulars per street, each signing up for about half of its activities.
REGULARS = 10
STALWARTS = ("陈小满", "李建国")
TEAM = "430602001001-TM"
STATION = "430602001001-ST"
#: The team's hand-made members beside the stalwarts, and at most how many of the station's.
TEAM_PEOPLE = ("王芳", "张伟", "刘洋", "杨静", "赵磊")
TEAM_SYNTHETIC = 8
STREETS = ("430602001-SC", "430602002-SC")
PLACE = ("29.357000", "113.129000")  # 岳阳楼区, by 郭亮社区: where the roster's check-ins are
INSURER = "中国人民财产保险股份有限公司岳阳市分公司"

MORNING = (("08:30", "11:30"),)
AFTERNOON = (("14:30", "17:30"),)
EVENING = (("19:00", "21:00"),)
EARLY = (("07:00", "09:00"),)
HALF_DAY = (("08:00", "12:00"),)
DAY = (("08:30", "11:30"), ("14:00", "17:00"))
TEAM_ONLY, STREET_ONLY = Visibility.TEAM.value, Visibility.SUBTREE.value


@dataclass(frozen=True)
class Kind:
    """An activity an organiser holds again and again: its details (category and campaign
    codes) and its slots' local times. `roster`: the leader checks people in and out at the
    roster (the place has coordinates and a check-in radius); otherwise the leader enters the
    hours after it. A SUBTREE activity is for the volunteers of the organiser's street."""

    title: str
    category: str
    campaigns: str
    address: str
    recipients: str
    times: tuple[tuple[str, str], ...]
    roster: bool
    visibility: str = Visibility.PUBLIC.value
    risky: bool = False


@dataclass(frozen=True)
class Organiser:
    code: str
    manager: str  # the demo user (city.DEMO_USERS) who manages its activities
    held: int  # activities held in the past year
    kinds: tuple[Kind, ...]


# fmt: off
ORGANISERS = (
    Organiser(TEAM, "team_leader", 14, (
        Kind("敬老院陪伴与文艺演出", "culture", "empty_nest_elderly", "郭亮社区敬老院",
             "敬老院的老人", MORNING, roster=True, visibility=TEAM_ONLY),
        Kind("洞庭湖岸线清洁", "environment", "community_service", "洞庭湖南岸郭亮段",
             "", DAY, roster=False),
        Kind("空巢老人上门探访", "health", "empty_nest_elderly", "郭亮社区各小区",
             "社区空巢、高龄老人", AFTERNOON, roster=False, visibility=TEAM_ONLY),
    )),
    Organiser(STATION, "community_admin", 8, (
        Kind("社区义诊与健康讲座", "health", "community_service", "郭亮社区党群服务中心",
             "社区居民", MORNING, roster=True),
        Kind("反诈宣传进社区", "public_security", "community_service", "郭亮社区广场",
             "社区居民", AFTERNOON, roster=False),
        Kind("社区图书角整理", "culture", "civility", "郭亮社区党群服务中心", "", EVENING,
             roster=False),
    )),
    Organiser("430602001004-ST", "street_admin", 5, (
        Kind("岳阳楼景区文明引导", "culture", "civility", "岳阳楼景区", "游客", DAY,
             roster=True),
        Kind("垃圾分类宣传", "environment", "civility", "岳阳楼社区各小区", "社区居民",
             MORNING, roster=False),
    )),
    Organiser("430602001011-ST", "street_admin", 5, (
        Kind("渔民子女课业辅导", "science", "migrant_workers", "捕捞社区党群服务中心",
             "渔民和外来务工人员的子女", AFTERNOON, roster=False),
        Kind("应急救护培训", "red_cross", "", "捕捞社区党群服务中心", "社区居民", MORNING,
             roster=True),
    )),
    Organiser("430602001-TM", "street_admin", 4, (
        Kind("文明交通劝导", "public_security", "civilised_traffic", "洞庭南路与南湖大道路口",
             "过往行人和车辆", EARLY, roster=True),
        Kind("防汛巡堤", "public_security", "", "洞庭湖大堤岳阳楼段", "沿湖居民", HALF_DAY,
             roster=True, risky=True),
    )),
    Organiser("430602002007-ST", "other_street_admin", 4, (
        Kind("助残上门服务", "health", "disabled", "鲤鱼嘴社区", "社区残疾人", MORNING,
             roster=False, visibility=STREET_ONLY),
        Kind("法律咨询服务日", "legal_aid", "migrant_workers", "鲤鱼嘴社区党群服务中心",
             "外来务工人员", AFTERNOON, roster=True),
    )),
    Organiser("430602002007-TM", "other_street_admin", 3, (
        Kind("广场舞健身指导", "fitness", "", "鲤鱼嘴社区广场", "社区居民", EVENING,
             roster=False),
    )),
    Organiser("430602002002-ST", "other_street_admin", 3, (
        Kind("传统节日主题文化活动", "culture", "festivals", "朝阳社区党群服务中心", "社区居民",
             MORNING, roster=False),
        Kind("青少年科普课堂", "science", "", "朝阳社区党群服务中心", "社区青少年", AFTERNOON,
             roster=True),
    )),
)
# fmt: on
BY_CODE = {organiser.code: organiser for organiser in ORGANISERS}
#: Days before the load that are given, not drawn: two of the team's activities and one of
#: 鲤鱼嘴社区's station fall in the pending window (their leaders have records to confirm).
RECENT = {TEAM: (3, 8), "430602002007-ST": (5,)}
#: Whose leader enters the hours of one who did not come, and rejects the record.
REJECTING = "430602001011-ST"


# --- the timeline -------------------------------------------------------------------------


@dataclass(order=True)
class _Step:
    at: datetime
    order: int
    run: Callable[[], object] = field(compare=False)


class Timeline:
    """Steps run in time order (those of one instant in the order they were added); a step may
    add later ones."""

    def __init__(self) -> None:
        self._steps: list[_Step] = []
        self._added = 0

    def add(self, at: datetime, run: Callable[[], object]) -> None:
        self._added += 1
        heapq.heappush(self._steps, _Step(at, self._added, run))

    def run(self, clock: Clock) -> None:
        while self._steps:
            step = heapq.heappop(self._steps)
            clock.move_to(step.at)
            step.run()


def _at(day: date, hhmm: str, minutes: int = 0) -> datetime:
    """The instant of local time `hhmm` on `day`, plus `minutes`."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    local = datetime.combine(day, time(hour, minute)) + timedelta(minutes=minutes)
    return timezone.make_aware(local, timezone.get_default_timezone())


# --- the people ---------------------------------------------------------------------------


def _may_serve(volunteer: Volunteer, registered_before: date) -> bool:
    registered = volunteer.registered_on
    return registered is not None and registered < registered_before


@dataclass
class Street:
    """Who takes part in a street's activities: its registered volunteers (by when they
    registered), its hand-made people by name, its regulars."""

    people: list[Volunteer]
    named: dict[str, Volunteer]
    regulars: list[Volunteer]

    @classmethod
    def of(cls, centre: str, chooser: random.Random, *, today: date) -> "Street":
        path = Organization.objects.get(code=centre).path
        # Adults all year (the demo's activities are for adults), counted in days: the
        # population's birth dates lie so many days before the load, so the same people are
        # chosen whatever the date.
        born_before = today - timedelta(days=ADULT_DAYS)
        people = list(
            Volunteer.objects.filter(
                status=RegistrationStatus.ACTIVE,
                organization_path__startswith=path,
                birth_date__lte=born_before,
            ).order_by("registered_on", "pk")
        )
        named = {v.name: v for v in people if v.channel != RegistrationChannel.SYNTHETIC}
        year_ago = today - timedelta(days=380)
        settled = [v for v in people if v.name not in STALWARTS and _may_serve(v, year_ago)]
        return cls(people, named, chooser.sample(settled, REGULARS))

    def keen(self, names: Sequence[str]) -> list[Volunteer]:
        """The stalwarts and the hand-made people `names` of this street."""
        wanted = dict.fromkeys((*STALWARTS, *names))
        return [self.named[name] for name in wanted if name in self.named]

    def occasional(self, chooser: random.Random, *, registered_before: date) -> list[Volunteer]:
        """One to four others, registered before `registered_before`."""
        taken = {v.pk for v in [*self.keen(()), *self.regulars]}
        fitting = [v for v in self.people if v.pk not in taken and _may_serve(v, registered_before)]
        return chooser.sample(fitting, min(len(fitting), chooser.randint(1, 4)))


@dataclass(frozen=True)
class Cases:
    """The year's exceptions, each an (organiser code, day) of the past year: 张伟's check-out
    corrected by the team leader (the team's first activity with a roster), 陈小满's own request
    for a correction (the station's activity nearest to 30 days ago), and a record of one who
    did not come, entered and rejected (REJECTING's first activity)."""

    leader_correction: tuple[str, date]
    own_correction: tuple[str, date]
    rejection: tuple[str, date]

    def present(self, held: tuple[str, date]) -> tuple[str, ...]:
        """Who must be at `held` for the corrections."""
        wanted = {self.leader_correction: ("张伟",), self.own_correction: ("陈小满",)}
        return wanted.get(held, ())


# --- one activity -------------------------------------------------------------------------


@dataclass
class Held:
    """An activity as planned (`times`: its slots' instants), then its rows as steps make them."""

    organiser: Organiser
    kind: Kind
    day: date
    times: list[tuple[datetime, datetime]]
    needs_approval: bool = False
    activity_id: int = 0
    #: Its slots (with the activity), read once it is published: what sign-ups, check-ins and
    #: entries are given (the services lock and read again what they change).
    slots: list[Slot] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.organiser.code

    @property
    def street(self) -> str:
        return self.code[:9] + "-SC"

    def records(self) -> QuerySet[HourRecord]:
        """Its records, corrections aside."""
        return HourRecord.objects.filter(activity_id=self.activity_id, corrects__isnull=True)


def _held(organiser: Organiser, index: int, day: date) -> Held:
    kind = organiser.kinds[index % len(organiser.kinds)]
    times = [(_at(day, start), _at(day, end)) for start, end in kind.times]
    return Held(organiser, kind, day, times)


def _finish_ended() -> None:
    activities.finish_ended_activities()  # the periodic job, as the platform runs it


def _close_missed() -> None:
    checkin.close_missed_checkouts()  # the periodic job, as the platform runs it


class Year:
    """The year's steps, planned onto a timeline (see the module's docstring); `run` lives
    through them."""

    def __init__(self, *, now: datetime, seed: int = SEED) -> None:
        self.now = now
        self.today = timezone.localdate(now)
        self.chooser = random.Random(seed)  # noqa: S311 - a made-up year, reproducibly
        self.timeline = Timeline()
        names = {o.manager for o in ORGANISERS} | {"community_admin"}
        self.users = {u.username: u for u in User.objects.filter(username__in=names)}
        self.categories = {c.code: c for c in Category.objects.all()}
        codes = [*BY_CODE, *STREETS]
        self.organizations = {o.code: o for o in Organization.objects.filter(code__in=codes)}
        self.streets = {code: Street.of(code, self.chooser, today=self.today) for code in STREETS}
        self.stalwarts = {v.pk for v in self.streets[STREETS[0]].keen(())}
        self.members: list[Volunteer] = []
        self.past: list[Held] = []

    def run(self) -> None:
        last = OutboundSms.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        # The year's texts (hours recorded, signed up by the leader, the cancellation) are its
        # past, sent when they were made: not 500 deliveries for the first `make run`'s worker
        # to run (a thousand lines of its log). The replay queues its tasks with django-tasks'
        # dummy backend, which keeps them in memory and runs none (the year enqueues only SMS
        # deliveries), and its texts are marked sent.
        with (
            override_settings(TASKS=_NOTHING_QUEUED),
            replaying(self.now - timedelta(days=400)) as clock,
            transaction.atomic(),
        ):
            self.timeline.run(clock)
        OutboundSms.objects.filter(pk__gt=last, sent_at__isnull=True).update(
            sent_at=F("created_at"), params=""
        )

    # --- the plan

    def plan(self) -> "Year":
        self._plan_team()
        days = self._days()
        cases = self._cases(days)
        for organiser in ORGANISERS:
            for n, day in enumerate(days[organiser.code]):
                held = _held(organiser, n, day)
                self._plan_held(held, cases)
                self.past.append(held)
        self._plan_corrections(cases)
        self._plan_cancelled(days["cancelled"][0])
        self._plan_upcoming()
        return self

    def _days(self) -> dict[str, list[date]]:
        """Each organiser's days of the past year, oldest first, none shared (one activity a
        day: nobody has to be in two places), and the cancelled activity's day."""
        given = {offset for offsets in RECENT.values() for offset in offsets}
        wanted = sum(o.held for o in ORGANISERS) - len(given) + 1
        pool = [n for n in range(PENDING_DAYS + 2, 362) if n not in given]
        drawn = self.chooser.sample(pool, wanted)
        days = {"cancelled": [self.today - timedelta(days=drawn.pop())]}
        for organiser in ORGANISERS:
            offsets = list(RECENT.get(organiser.code, ()))
            while len(offsets) < organiser.held:
                offsets.append(drawn.pop())
            days[organiser.code] = sorted(self.today - timedelta(days=n) for n in offsets)
        return days

    def _cases(self, days: dict[str, list[date]]) -> Cases:
        """Where the year's exceptions fall (`Cases`)."""
        team = BY_CODE[TEAM]
        roster_days = [
            day for n, day in enumerate(days[TEAM]) if team.kinds[n % len(team.kinds)].roster
        ]
        confirmed = [d for d in days[STATION] if (self.today - d).days > PENDING_DAYS + 5]
        own_day = min(confirmed, key=lambda d: abs((self.today - d).days - 30))
        return Cases(
            leader_correction=(TEAM, roster_days[0]),
            own_correction=(STATION, own_day),
            rejection=(REJECTING, days[REJECTING][0]),
        )

    def _plan_team(self) -> None:
        """郭亮社区's team: its members apply a little over a year ago (the volunteer's own
        application), and its leader approves them the next day."""
        team = self.organizations[TEAM]
        station_path = team.path[: -Organization.steplen]
        street = self.streets[STREETS[0]]
        start = self.today - timedelta(days=385)
        station_people = [
            v
            for v in street.people
            if v.organization_path.startswith(station_path)
            and v.channel == RegistrationChannel.SYNTHETIC
            and _may_serve(v, start)
        ]
        self.members = [
            *street.keen(TEAM_PEOPLE),
            *self.chooser.sample(station_people, min(TEAM_SYNTHETIC, len(station_people))),
        ]
        leader = self.users["team_leader"]
        for n, member in enumerate(self.members):

            def apply(member: Volunteer = member) -> None:
                volunteers.apply_for_team(member, team)

            def approve(member: Volunteer = member) -> None:
                membership = Membership.objects.get(volunteer=member, team=team)
                volunteers.decide_membership(membership, actor=leader, approve=True)

            self.timeline.add(_at(start, "10:00", 7 * n), apply)
            self.timeline.add(_at(start + timedelta(days=1), "09:00", n), approve)

    def _participants(self, held: Held, published: date, must: Sequence[str]) -> list[Volunteer]:
        """Who signs up: for the team's own activities the stalwarts, `must` and about
        three in five other members; else the street's stalwarts and `must`, about half its
        regulars and a few others."""
        street = self.streets[STREETS[0] if held.kind.visibility == TEAM_ONLY else held.street]
        keen = street.keen(must)
        if held.kind.visibility == TEAM_ONLY:
            others = [v for v in self.members if v not in keen]
            return [*keen, *(v for v in others if self.chooser.random() < 0.6)]
        regulars = [
            v for v in street.regulars if self.chooser.random() < 0.5 and _may_serve(v, published)
        ]
        occasional = street.occasional(self.chooser, registered_before=published)
        return [*keen, *(v for v in regulars + occasional if v not in keen)]

    def _plan_held(self, held: Held, cases: Cases) -> None:
        """Publish `held` a week or two ahead and sign its people up; on its day check them in
        and out or enter their hours; confirm them a few days later unless recent."""
        chooser = self.chooser
        must = cases.present((held.code, held.day))
        published = held.times[0][0] - timedelta(
            days=chooser.randint(7, 14), hours=chooser.randint(0, 2)
        )
        people = self._participants(held, timezone.localdate(published), must)
        capacity = len(people) + chooser.randint(1, 6)
        self.timeline.add(published, partial(self._publish, held, capacity))
        chosen = self._plan_signups(
            held, people, published, until=held.times[0][0] - timedelta(hours=12)
        )
        keen = {v.pk for v in self.streets[STREETS[0]].keen(must)}
        shows = {v.pk: v.pk in keen or chooser.random() < 0.9 for v in people}
        mistaken = [people[-1]] if (held.code, held.day) == cases.rejection else []
        shows.update((v.pk, False) for v in mistaken)
        for index, times in enumerate(held.times):
            there = [v for v in people if index in chosen[v.pk]]
            if held.kind.roster:
                self._plan_roster(held, index, times, there, shows)
            else:
                self._plan_entries(held, index, there, shows, mistaken)
        last_end = held.times[-1][1]
        self.timeline.add(last_end + timedelta(hours=1), _finish_ended)
        if (self.today - held.day).days > PENDING_DAYS:
            confirmed = last_end + timedelta(days=chooser.randint(1, 3), hours=3)
            self.timeline.add(confirmed, partial(self._confirm, held))

    def _plan_signups(
        self, held: Held, people: list[Volunteer], published: datetime, *, until: datetime
    ) -> dict[int, list[int]]:
        """Each signs up for their slots between the publication and `until`; for the team's
        own activities, its leader signs the group up the day after publishing. Returns each
        one's slots (indexes), by volunteer id."""
        slots = range(len(held.times))
        chosen = {v.pk: self._slots_of(v, slots) for v in people}
        if held.kind.visibility == TEAM_ONLY:
            at = published + timedelta(days=1)
            self.timeline.add(at, partial(self._sign_up_group, held, people, chosen))
            return chosen
        window = (until - published).total_seconds()
        for volunteer in people:
            at = published + timedelta(seconds=self.chooser.uniform(600, window))
            for index in chosen[volunteer.pk]:
                self.timeline.add(at, partial(self._sign_up, held, volunteer, index))
        return chosen

    def _slots_of(self, volunteer: Volunteer, slots: range) -> list[int]:
        if volunteer.pk in self.stalwarts or len(slots) == 1:
            return list(slots)
        roll = self.chooser.random()
        return list(slots) if roll < 0.25 else [0] if roll < 0.6 else [slots[-1]]

    def _plan_roster(
        self,
        held: Held,
        index: int,
        times: tuple[datetime, datetime],
        people: list[Volunteer],
        shows: dict[int, bool],
    ) -> None:
        """The leader checks in each who came (some late) and out as they leave; now and then
        one leaves without checking out, and the periodic job closes the interval."""
        chooser = self.chooser
        start, end = times
        for volunteer in people:
            if not shows[volunteer.pk]:
                continue
            early = -chooser.randint(0, 25) if chooser.random() < 0.9 else chooser.randint(5, 40)
            self.timeline.add(
                start + timedelta(minutes=early),
                partial(self._check, held, index, volunteer, out=False),
            )
            if chooser.random() < 0.03 and volunteer.pk not in self.stalwarts:
                continue  # left without checking out
            self.timeline.add(
                end + timedelta(minutes=chooser.randint(-20, 15)),
                partial(self._check, held, index, volunteer, out=True),
            )
        self.timeline.add(end + timedelta(minutes=90), _close_missed)

    def _plan_entries(
        self,
        held: Held,
        index: int,
        people: list[Volunteer],
        shows: dict[int, bool],
        mistaken: list[Volunteer],
    ) -> None:
        """The leader enters each one's hours from the sign-in sheet an hour after the slot;
        `mistaken`, who did not come, too, and rejects that record the next morning."""
        chooser = self.chooser
        entered = held.times[index][1] + timedelta(hours=1)
        mistaken = [v for v in mistaken if v in people]
        for n, volunteer in enumerate(people):
            if shows[volunteer.pk] or volunteer in mistaken:
                late, early = chooser.randint(0, 15), chooser.randint(0, 20)
                self.timeline.add(
                    entered + timedelta(seconds=20 * n),
                    partial(self._enter, held, index, volunteer, (late, early)),
                )
        for volunteer in mistaken:
            self.timeline.add(
                _at(held.day + timedelta(days=1), "09:00"),
                partial(self._reject, held, index, volunteer),
            )

    def _plan_corrections(self, cases: Cases) -> None:
        """The team leader corrects 张伟's check-out six days after the activity, and the
        station's administrator, a second person, confirms it the next day; 陈小满 asks for a
        correction of her hours herself five days after hers, which waits for the leader."""
        named = self.streets[STREETS[0]].named
        (code, day), (own_code, own_day) = cases.leader_correction, cases.own_correction
        held = next(h for h in self.past if h.code == code and h.day == day)
        self.timeline.add(
            _at(day + timedelta(days=6), "10:00"),
            partial(self._correct_by_leader, held, named["张伟"]),
        )
        held = next(h for h in self.past if h.code == own_code and h.day == own_day)
        self.timeline.add(
            _at(own_day + timedelta(days=5), "21:00"),
            partial(self._correct_by_volunteer, held, named["陈小满"]),
        )

    def _plan_cancelled(self, day: date) -> None:
        """岳阳楼社区's scenic-area activity, published and signed up for, cancelled on the eve for
        a rainstorm warning (everyone signed up is texted)."""
        held = _held(BY_CODE["430602001004-ST"], 0, day)
        published = held.times[0][0] - timedelta(days=10)
        cancelled = _at(day - timedelta(days=1), "18:00")
        people = self._participants(held, timezone.localdate(published), ())
        self.timeline.add(published, partial(self._publish, held, len(people) + 3))
        self._plan_signups(held, people, published, until=cancelled - timedelta(hours=1))
        self.timeline.add(cancelled, partial(self._cancel, held))

    def _plan_upcoming(self) -> None:
        """Four activities of the coming two weeks, open for sign-up: 郭亮社区's health day
        starting within the hour of the load (sign up at /events/ and check in; 陈小满 has not
        signed up yet), the team's next visit (its group signed up, 陈小满 among them), a traffic
        duty full with a waiting list (one cancelled and the first waiting moved up), and a
        legal advice day whose sign-ups wait for the organiser's approval."""
        soon = self._soon()
        health = replace(
            _held(BY_CODE[STATION], 0, soon.date()), times=[(soon, soon + timedelta(hours=3))]
        )
        self._plan_open(health, 10, leave_out=STALWARTS[:1])
        self._plan_open(_held(BY_CODE[TEAM], 0, self.today + timedelta(days=4)), 8)
        traffic = _held(BY_CODE["430602001-TM"], 0, self.today + timedelta(days=9))
        self._plan_open(traffic, 6, full=True)
        advice = _held(BY_CODE["430602002007-ST"], 1, self.today + timedelta(days=13))
        self._plan_open(replace(advice, needs_approval=True), 5)

    def _soon(self) -> datetime:
        """When the activity under way at the load starts: the first half hour at least thirty
        minutes ahead, or tomorrow at 09:00 if that is not between 08:00 and 18:00."""
        local = timezone.localtime(self.now) + timedelta(minutes=30)
        soon = local.replace(second=0, microsecond=0) + timedelta(minutes=-local.minute % 30)
        if 8 <= soon.hour < 18:
            return soon
        return _at(self.today + timedelta(days=1), "09:00")

    def _plan_open(
        self,
        held: Held,
        published: int,
        *,
        leave_out: Sequence[str] = (),
        full: bool = False,
    ) -> None:
        """An activity published `published` days before the load, whose people signed up
        until the day before; `full`: two places fewer than people, and one cancels that
        evening (the first waiting moves up); needing approval: the organiser approves two."""
        eve = self.today - timedelta(days=1)
        published_at = _at(self.today - timedelta(days=published), "09:00")
        people = [
            v for v in self._participants(held, published_at.date(), ()) if v.name not in leave_out
        ]
        capacity = len(people) - 2 if full else len(people) + self.chooser.randint(4, 10)
        self.timeline.add(published_at, partial(self._publish, held, capacity))
        self._plan_signups(held, people, published_at, until=_at(eve, "12:00"))
        if full:
            self.timeline.add(_at(eve, "20:00"), partial(self._drop_one, held))
        if held.needs_approval:
            self.timeline.add(_at(eve, "21:00"), partial(self._approve_two, held))

    # --- the steps, run by the timeline at their moments

    def _manager(self, held: Held) -> User:
        return self.users[held.organiser.manager]

    def _details(self, held: Held) -> dict[str, Any]:
        kind = held.kind
        details: dict[str, Any] = {
            "title": kind.title,
            "category": self.categories[kind.category],
            "campaigns": [self.categories[code] for code in kind.campaigns.split()],
            "description": f"{kind.title}。请提前十分钟到场签到，服从现场负责人安排。",
            "service_recipients": kind.recipients,
            "address": f"岳阳市岳阳楼区{kind.address}",
            "division": Division.objects.get(code=held.code.split("-")[0].ljust(12, "0")),
            "visibility": kind.visibility,
            "needs_approval": held.needs_approval,
        }
        if kind.visibility == TEAM_ONLY:
            details["audience"] = self.organizations[held.code]
        elif kind.visibility == STREET_ONLY:
            details["audience"] = self.organizations[held.street]
        if kind.roster:
            details.update(latitude=PLACE[0], longitude=PLACE[1], geofence_radius=300)
        if kind.risky:
            details.update(
                minimum_age=18,
                carries_risk=True,
                insurer=INSURER,
                insurance_policy_number=f"PEAC{held.day:%Y%m%d}4306020",
                insurance_valid_until=held.day + timedelta(days=30),
            )
        return details

    def _publish(self, held: Held, capacity: int) -> None:
        manager = self._manager(held)
        organizer = self.organizations[held.code]
        activity = activities.create_activity(organizer, actor=manager, details=self._details(held))
        for start, end in held.times:
            activities.add_slot(
                activity, actor=manager, starts_at=start, ends_at=end, capacity=capacity
            )
        activities.publish_activity(activity, actor=manager)
        held.activity_id = activity.pk
        held.slots = list(
            Slot.objects.filter(activity=activity)
            .select_related("activity__organizer")
            .order_by("starts_at")
        )

    def _sign_up(self, held: Held, volunteer: Volunteer, index: int) -> None:
        activities.sign_up(held.slots[index], volunteer)

    def _sign_up_group(
        self, held: Held, people: list[Volunteer], chosen: dict[int, list[int]]
    ) -> None:
        team = self.organizations[held.code]
        for index, slot in enumerate(held.slots):
            group = [v for v in people if index in chosen[v.pk]]
            activities.sign_up_group(slot, group, actor=self._manager(held), team=team)

    def _check(self, held: Held, index: int, volunteer: Volunteer, *, out: bool) -> None:
        check = checkin.check_out if out else checkin.check_in
        check(held.slots[index], volunteer, actor=self._manager(held))

    def _enter(
        self, held: Held, index: int, volunteer: Volunteer, minutes: tuple[int, int]
    ) -> None:
        slot = held.slots[index]
        hours.record_hours(
            volunteer,
            activity=slot.activity,
            slot=slot,
            start=slot.starts_at + timedelta(minutes=minutes[0]),
            end=slot.ends_at - timedelta(minutes=minutes[1]),
            actor=self._manager(held),
            content=held.kind.title,
        )

    def _reject(self, held: Held, index: int, volunteer: Volunteer) -> None:
        record = held.records().get(
            volunteer=volunteer, slot=held.slots[index], status=HourStatus.PENDING
        )
        hours.reject_record(record, actor=self._manager(held), reason="经核实当天未到场，登记有误")

    def _confirm(self, held: Held) -> None:
        pending = list(held.records().filter(status=HourStatus.PENDING))
        if pending:
            hours.confirm_records(pending, actor=self._manager(held))

    def _counted(self, held: Held, volunteer: Volunteer) -> HourRecord:
        return hour_selectors.counted(held.records()).filter(volunteer=volunteer).earliest("start")

    def _correct_by_leader(self, held: Held, volunteer: Volunteer) -> None:
        record = self._counted(held, volunteer)
        correction = hours.request_correction(
            record,
            actor=self._manager(held),
            reason="本人提前四十五分钟离开，签退时漏记，按实际离开时间更正",
            end=record.end - timedelta(minutes=45),
        )
        second = self.users["community_admin"]
        self.timeline.add(
            timezone.now() + timedelta(days=1),
            partial(hours.confirm_records, [correction], actor=second),
        )

    def _correct_by_volunteer(self, held: Held, volunteer: Volunteer) -> None:
        record = self._counted(held, volunteer)
        hours.request_correction(
            record,
            actor=None,
            by_volunteer=True,
            reason="活动延长了半小时，我服务到结束后三十分钟才离开",
            end=record.end + timedelta(minutes=30),
        )

    def _cancel(self, held: Held) -> None:
        activities.cancel_activity(
            Activity.objects.get(pk=held.activity_id),
            actor=self._manager(held),
            reason="暴雨橙色预警，活动取消，另行通知",
        )

    def _drop_one(self, held: Held) -> None:
        """The first confirmed volunteer who is not a stalwart cancels; the first waiting moves
        up."""
        signup = (
            SignUp.objects.filter(slot=held.slots[0], status=SignUpStatus.CONFIRMED)
            .exclude(volunteer__in=self.stalwarts)
            .earliest("signed_up_at", "pk")
        )
        activities.cancel_signup(signup, reason="临时有事")

    def _approve_two(self, held: Held) -> None:
        pending = SignUp.objects.filter(slot=held.slots[0], status=SignUpStatus.PENDING)
        for signup in list(pending.order_by("signed_up_at", "pk")[:2]):
            activities.approve_signup(signup, actor=self._manager(held))


# --- what it made -------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Activities, sign-ups and records by status; corrections among the records; the counted
    minutes and how many volunteers they belong to."""

    activities: dict[str, int]
    signups: dict[str, int]
    records: dict[str, int]
    corrections: int
    counted_minutes: int
    volunteers: int


def summary() -> Summary:
    counted = hour_selectors.counted()
    return Summary(
        activities=dict(Activity.objects.values_list("status").annotate(n=Count("pk"))),
        signups=dict(SignUp.objects.values_list("status").annotate(n=Count("pk"))),
        records=dict(HourRecord.objects.values_list("status").annotate(n=Count("pk"))),
        corrections=HourRecord.objects.filter(corrects__isnull=False).count(),
        counted_minutes=int(counted.aggregate(total=Sum("minutes"))["total"] or 0),
        volunteers=counted.values("volunteer").distinct().count(),
    )


def load_demo_year(*, seed: int = SEED) -> bool:
    """Live the demo's year of activities and hours (see the module's docstring), once the
    demo city, its users and its people are there. Idempotent: does nothing once activities
    exist. Returns whether it made them."""
    if Activity.objects.exists():
        return False
    Year(now=timezone.now(), seed=seed).plan().run()
    return True
