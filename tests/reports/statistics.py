"""A small hand-checked fixture for Attachments 5, 6 and 7, on top of `targets`
(tests/reports/conftest.py), in 岳阳楼街道 (its centre, 郭亮社区's station and team, 汴河社区).

People (ages on the reference date, today; `targets`' v1, v2, v4 and v6 are made 40). All are
registered today unless said otherwise; through 郭亮社区's station:
- v1, v2 (from `targets`): men, 40, the public, undergraduate, no occupation given;
- p1: woman, 18 today, league member, senior secondary, "在校学生" (student);
- p2: man, 35 (36 tomorrow), party member, postgraduate, "退休教师" (retired, not staff);
- p3: woman, 60 today, probationary party member, junior secondary, "农民" (farmer);
- p4: man, 16, democratic party, primary, "公务员" (official), registered last year;
- v3 (from `targets`): applied only.
Through 岳阳楼街道's centre: v4 (from `targets`: man, 40, public, undergraduate) and p5 (woman, 25,
non-partisan, junior college, "农民工", staff, registered last year); v5 was suspended.

So 郭亮社区 counts 6 (pending 1, new 5, men 4, women 2; under 18: 1, 18–35: 2, 36–59: 2, 60+: 1;
party 2, league 1, public 2, other 1; postgraduate 1, undergraduate 2, senior 1, junior or below
2; retired 1, student 1, official 1, farmer 1, other 2): 6 of 1000 people = 0.6 %. The centre's
own row counts v4 and p5. The street (岳阳楼街道, 5000 people) counts 8: 0.16 % → 0.2 %.

Standards (assessed by street_admin):
- 郭亮社区's station: every item met 10 days ago; "place" not met 2 days ago: today 5 of 6.
- 汴河社区's station: every item met 3 days ago: 6 of 6.
- 郭亮社区's team: organisation, people, place, activities met, rules not met (yesterday): 4.

Teams: 郭亮社区's team has v1, v2 and p1 as members (approved), p3 left today, p2 only applied;
岳阳楼街道's team has p4, and a responsible person 王队长 (13800138000).

Activities this year (`start`: up to two days ago, within the year):
- A1 of 郭亮社区's team: v1 120 min and v2 90 min confirmed, p1 30 min pending: 210 min;
- A2 of 郭亮社区's station: p2 45 min confirmed;
- a draft and a cancelled activity of the team with slots this year: not counted;
- A5 of the team held last year with 60 min confirmed: not counted.
So the station: 2 activities, 255 min = 4.25 h; its team: 1 activity, 3.50 h.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from tests.factories import ActivityFactory, SlotFactory
from tests.reports.conftest import Fixture
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.activities.enums import ActivityStatus
from zhiyuan.activities.models import Activity
from zhiyuan.divisions.models import Division
from zhiyuan.hours import services as hours
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import services
from zhiyuan.reports.attachment5 import years_before
from zhiyuan.reports.standards import services as standards
from zhiyuan.reports.standards.enums import PLAN_ITEMS, Standard
from zhiyuan.volunteers.models import Membership, Volunteer
from zhiyuan.volunteers.services import apply_for_team, decide_membership, leave_team

GUOLIANG_STATION = "430602001001-ST"
BIANHE_STATION = "430602001002-ST"
GUOLIANG_TEAM = "430602001001-TM"
STREET_TEAM = "430602001-TM"


@dataclass
class Statistics:
    today: date
    people: dict[str, Volunteer]


def _birth(day: date) -> str:
    return day.strftime("%Y%m%d")


def _window_start() -> datetime:
    """An instant this year at least three hours before now: two days ago, or the year's
    first minute in its first days."""
    now = timezone.now()
    year_start = timezone.make_aware(datetime.combine(date(now.year, 1, 1), time(0, 1)))
    if now - year_start < timedelta(hours=3):
        pytest.skip("The year has just begun: no room for this year's records before now.")
    return max(year_start, now - timedelta(days=2))


def _assess(organization: Organization, actor: User, day: date, **met: bool) -> None:
    for code, value in met.items():
        standards.assess_item(organization, actor=actor, item=code, met=value, assessed_on=day)


def _record(volunteer: Volunteer, activity: Activity, start: datetime, minutes: int, actor: User):
    slot = activity.slots.first()
    return hours.record_hours(
        volunteer,
        activity=activity,
        slot=slot,
        start=start,
        end=start + timedelta(minutes=minutes),
        actor=actor,
    )


@pytest.fixture
def statistics(targets: Fixture) -> Statistics:
    today = targets.today
    registrar = User.objects.get(username="registrar")
    street_admin = User.objects.get(username="street_admin")
    leader = User.objects.get(username="team_leader")
    station = people.STATION
    last_year = date(today.year - 1, 6, 1)
    Volunteer.objects.update(birth_date=years_before(today, 40))
    found = {
        "v1": Volunteer.objects.filter(organization__code=station, status="active").order_by("pk")[
            0
        ],
        "v2": Volunteer.objects.filter(organization__code=station, status="active").order_by("pk")[
            1
        ],
        "p1": people.registered(
            registrar,
            through=station,
            birth=_birth(years_before(today, 18)),
            male=False,
            political_status="league_member",
            education="senior_secondary",
            occupation="在校学生",
        ),
        "p2": people.registered(
            registrar,
            through=station,
            birth=_birth(years_before(today, 36) + timedelta(days=1)),
            political_status="party_member",
            education="postgraduate",
            occupation="退休教师",
        ),
        "p3": people.registered(
            registrar,
            through=station,
            birth=_birth(years_before(today, 60)),
            male=False,
            political_status="probationary_party_member",
            education="junior_secondary",
            occupation="农民",
        ),
        "p4": people.registered(
            registrar,
            through=station,
            political_status="democratic_party",
            education="primary",
            occupation="公务员",
        ),
        "p5": people.registered(
            registrar,
            birth=_birth(years_before(today, 25)),
            male=False,
            political_status="non_partisan",
            education="college",
            occupation="农民工",
        ),
    }
    # A 16-year-old needs a guardian's consent to register: the fixture makes p4 younger after.
    Volunteer.objects.filter(pk=found["p4"].pk).update(
        birth_date=years_before(today, 16), registered_on=last_year
    )
    Volunteer.objects.filter(pk=found["p5"].pk).update(registered_on=last_year)
    services.record_population(
        Division.objects.get(code="430602001000"),
        actor=None,
        population=5000,
        valid_from=today - timedelta(days=730),
    )
    _standards(today, street_admin)
    _memberships(found, leader, street_admin)
    _activities(found, leader, street_admin)
    Organization.objects.filter(code=GUOLIANG_STATION).update(address="郭亮社区服务中心二楼")
    return Statistics(today, found)


def _standards(today: date, actor: User) -> None:
    guoliang = Organization.objects.get(code=GUOLIANG_STATION)
    station_items = [item.code for item in PLAN_ITEMS[Standard.STATION]]
    _assess(guoliang, actor, today - timedelta(days=10), **dict.fromkeys(station_items, True))
    _assess(guoliang, actor, today - timedelta(days=2), place=False)
    bianhe = Organization.objects.get(code=BIANHE_STATION)
    _assess(bianhe, actor, today - timedelta(days=3), **dict.fromkeys(station_items, True))
    team = Organization.objects.get(code=GUOLIANG_TEAM)
    team_items = {item.code: item.code != "rules" for item in PLAN_ITEMS[Standard.TEAM]}
    _assess(team, actor, today - timedelta(days=1), **team_items)


def _memberships(found: dict[str, Volunteer], leader: User, admin: User) -> None:
    team = Organization.objects.get(code=GUOLIANG_TEAM)
    for key in ("v1", "v2", "p1", "p3"):
        decide_membership(apply_for_team(found[key], team), actor=leader, approve=True)
    leave_team(Membership.objects.get(volunteer=found["p3"], team=team), actor=leader)
    apply_for_team(found["p2"], team)
    street_team = Organization.objects.get(code=STREET_TEAM)
    decide_membership(apply_for_team(found["p4"], street_team), actor=admin, approve=True)
    Organization.objects.filter(pk=street_team.pk).update(responsible_person="王队长")
    street_team.refresh_from_db()
    street_team.contact_phone = "13800138000"
    street_team.save(update_fields=["contact_phone"])


def _activities(found: dict[str, Volunteer], leader: User, admin: User) -> None:
    start = _window_start()
    team = Organization.objects.get(code=GUOLIANG_TEAM)
    station = Organization.objects.get(code=GUOLIANG_STATION)
    a1 = SlotFactory(starts_at=start, ends_at=start + timedelta(hours=3)).activity
    a2 = SlotFactory(
        activity=ActivityFactory(organizer=station),
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    ).activity
    for status in (ActivityStatus.DRAFT, ActivityStatus.CANCELLED):
        SlotFactory(activity=ActivityFactory(organizer=team, status=status), starts_at=start)
    last_year = timezone.make_aware(datetime.combine(date(start.year - 1, 12, 30), time(9)))
    a5 = SlotFactory(starts_at=last_year, ends_at=last_year + timedelta(hours=3)).activity
    confirmed = [
        _record(found["v1"], a1, start, 120, leader),
        _record(found["v2"], a1, start, 90, leader),
        _record(found["p2"], a2, start, 45, admin),
        _record(found["v1"], a5, last_year, 60, leader),
    ]
    _record(found["p1"], a1, start, 30, leader)  # pending: not counted
    hours.confirm_records(confirmed, actor=admin)
