"""Fixtures of the awards tests: a city campaign of 岳阳市 (opened by `city_admin` on the city's
guidance committee, 4306-GC) with two categories, quotas, registered volunteers with confirmed
hours, reviewers, and the days of each stage.

The campaign's days, from today (T): nominations until T+5, scores from T+6 to T+10, the
shortlist published on T+11 for 7 working days (no holiday is configured: to the 7th day from
T+11 that is Monday to Friday, NOTICE_LAST), results fixed from the day after.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from tests.factories import ActivityFactory, SlotFactory
from tests.volunteers import people
from zhiyuan.accounts.models import Role, User
from zhiyuan.awards import services
from zhiyuan.awards.enums import CategoryKind
from zhiyuan.awards.models import Campaign, Category
from zhiyuan.hours import services as hours_services
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer


def weekdays_from(start: date, count: int) -> date:
    """The `count`-th day from `start` (included) that is Monday to Friday."""
    day, seen = start, 0
    while True:
        seen += day.weekday() < 5
        if seen == count:
            return day
        day += timedelta(days=1)


TODAY = timezone.localdate()
NOMINATING = TODAY
REVIEWING = TODAY + timedelta(days=6)
REVIEWED = TODAY + timedelta(days=11)
NOTICE_LAST = weekdays_from(REVIEWED, 7)
AFTER_NOTICE = NOTICE_LAST + timedelta(days=1)
STREET = "430602001-SC"
DISTRICT = "430602-GC"


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def user(username: str) -> User:
    return User.objects.get(username=username)


def open_city_campaign(*, volunteers: int = 2, teams: int = 1, base: date = TODAY) -> Campaign:
    """The city's campaign: 优秀志愿者 (`volunteers` awards) and 优秀团队 (`teams` awards), opened
    on `base` (nominations until base+5, scores until base+10)."""
    return services.open_campaign(
        org("4306-GC"),
        actor=user("city_admin"),
        title="最美志愿者评选",
        year=TODAY.year,
        criteria="服务时长与服务成效",
        nominations_close=base + timedelta(days=5),
        review_ends=base + timedelta(days=10),
        notice_days=7,
        categories=[
            services.CategoryInput(
                kind=CategoryKind.OUTSTANDING_VOLUNTEER, name="优秀志愿者", places=volunteers
            ),
            services.CategoryInput(
                kind=CategoryKind.OUTSTANDING_TEAM, name="优秀团队", places=teams
            ),
        ],
        today=base,
    )


def category(campaign: Campaign, name: str = "优秀志愿者") -> Category:
    return campaign.categories.get(name=name)


def give_quota(
    campaign: Campaign, unit: str, places: int, name: str = "优秀志愿者", base: date = TODAY
) -> None:
    services.set_quota(
        campaign,
        actor=user("city_admin"),
        category=category(campaign, name),
        unit=org(unit),
        places=places,
        today=base,
    )


def with_hours(volunteer: Volunteer, hours: int) -> Volunteer:
    """`volunteer` with `hours` confirmed hours (one record of 郭亮社区's team, days ago)."""
    if hours:
        activity = ActivityFactory()
        start = timezone.make_aware(datetime.combine(TODAY - timedelta(days=3), time(8)))
        slot = SlotFactory(
            activity=activity, starts_at=start, ends_at=start + timedelta(hours=hours)
        )
        made = hours_services.record_hours(
            volunteer,
            activity=activity,
            slot=slot,
            start=start,
            end=start + timedelta(hours=hours),
            actor=user("team_leader"),
        )
        hours_services.confirm_records([made], actor=user("street_admin"))
    return volunteer


def volunteer(
    hours: int = 0, body: str = people.STREET, actor: str = "registrar", **options: Any
) -> Volunteer:
    return with_hours(people.registered(user(actor), body, **options), hours)


def nominate(
    campaign: Campaign,
    nominee: Volunteer,
    *,
    by: str = STREET,
    actor: str = "street_admin",
    today: date = NOMINATING,
    **options: Any,
) -> Any:
    return services.nominate(
        campaign,
        actor=user(actor),
        nominator=org(by),
        category=category(campaign),
        volunteer=nominee,
        citation=options.pop("citation", "常年服务社区老人，累计服务时长突出。"),
        today=today,
        **options,
    )


def reviewer(username: str, code: str = "4306-GC", kind: str = RoleKind.CHECKER) -> User:
    """A new office user with `kind` on `code` (set-up: no audit)."""
    made = User.objects.create_user(username, "PASSWORD", name=username)
    Role.objects.create(user=made, organization=org(code), kind=kind)
    return made


@pytest.fixture
def campaign(db: None) -> Campaign:
    """The city's campaign with quotas: 岳阳楼区 5 volunteers, 岳阳楼街道 3, 三眼桥街道 2."""
    made = open_city_campaign()
    give_quota(made, DISTRICT, 5)
    give_quota(made, STREET, 3)
    give_quota(made, "430602002-SC", 2)
    return made


@pytest.fixture
def make_volunteer(db: None) -> Callable[..., Volunteer]:
    return volunteer


def campaign_days_ago(days: int, *, nominees: int = 2) -> tuple[Campaign, list[Any]]:
    """A city campaign opened `days` ago with quotas (岳阳楼街道: 3) and `nominees` volunteers
    of 岳阳楼街道 nominated that day (4 and 2 hours, ...): on 6 to 10 days, today is in its review;
    from 11, its review has ended."""
    base = TODAY - timedelta(days=days)
    made = open_city_campaign(base=base)
    give_quota(made, STREET, 3, base=base)
    give_quota(made, STREET, 1, name="优秀团队", base=base)
    names = ["王优秀", "李先进", "张模范"]
    rows = [
        nominate(made, volunteer(name=names[i], hours=4 - 2 * i if i < 2 else 1), today=base)
        for i in range(nominees)
    ]
    return made, rows


@pytest.fixture
def login_en(login: Callable[[User], Any]) -> Callable[[User], Any]:
    """`login_en(user)`: a logged-in client reading the pages in English."""

    def make(who: User) -> Any:
        client = login(who)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def api() -> Callable[[User], Any]:
    """`api(user)`: a client sending a fresh knox token of `user`."""

    def make(who: User) -> Any:
        _, token = AuthToken.objects.create(user=who)
        return Client(HTTP_AUTHORIZATION=f"Token {token}")

    return make
