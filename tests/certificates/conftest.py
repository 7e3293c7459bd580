"""Fixtures of the certificates tests: a volunteer of 岳阳楼街道 with confirmed hours recorded by
郭亮社区's team (led by `team_leader`), made through the hours services.

`served(volunteer, start, hours, title=)` records and confirms one record of an activity of
the team (a new activity per title) from the local instant `start`."""

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from tests.factories import ActivityFactory
from tests.hours.conftest import local
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.hours import services as hours
from zhiyuan.hours.enums import HourSource
from zhiyuan.hours.models import HourRecord
from zhiyuan.volunteers.models import Volunteer

__all__ = ["local"]


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """The public check's limit counts in the cache."""
    cache.clear()
    yield
    cache.clear()


def portal_client(volunteer: Volunteer, language: str = "") -> Client:
    """A client whose portal session is the volunteer's (as after the SMS log-in)."""
    client = Client()
    state = client.session
    state["volunteers.me"] = {"digest": volunteer.mobile_digest, "at": time.time()}
    state.save()
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def volunteer(db: None) -> Volunteer:
    """An active registered volunteer of 岳阳楼街道's centre."""
    return people.registered(User.objects.get(username="registrar"), name="欧阳秀兰")


@pytest.fixture
def served(db: None) -> Callable[..., HourRecord]:
    activities: dict[str, Any] = {}
    leader = User.objects.get(username="team_leader")

    def make(
        volunteer: Volunteer, start: datetime, hours_served: float, title: str = "社区读书会"
    ) -> HourRecord:
        if title not in activities:
            activities[title] = ActivityFactory(title=title)
        record = hours.record_hours(
            volunteer,
            activity=activities[title],
            start=start,
            end=start + timedelta(hours=hours_served),
            actor=leader,
            source=HourSource.LEADER,
        )
        return hours.confirm_records([record], actor=leader)[0]

    return make


@pytest.fixture
def with_hours(volunteer: Volunteer, served: Callable[..., HourRecord]) -> Volunteer:
    """`volunteer` with 3 h of 社区读书会 on 2026-03-01, 2.5 h of 敬老院陪伴 on 2026-05-10 and
    1.5 h of 社区读书会 on 2026-09-05: 7 hours in all, 5.5 in the first half-year."""
    served(volunteer, local("2026-03-01 09:00"), 3)
    served(volunteer, local("2026-05-10 14:00"), 2.5, title="敬老院陪伴")
    served(volunteer, local("2026-09-05 09:00"), 1.5)
    return volunteer
