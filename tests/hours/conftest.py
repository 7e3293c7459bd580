"""Fixtures of the hours tests: a volunteer registered at 岳阳楼街道, past slots of an activity of
郭亮社区's team (led by `team_leader`), and local instants in Asia/Shanghai."""

from collections.abc import Callable
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from tests.factories import ActivityFactory, SlotFactory
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.activities.models import Activity, Slot
from zhiyuan.volunteers.models import Volunteer


def local(text: str) -> datetime:
    """ "2026-03-01 09:00" in Asia/Shanghai as an aware instant."""
    return timezone.make_aware(datetime.fromisoformat(text))


def days_ago(days: int, hour: int = 9) -> datetime:
    """`hour` o'clock `days` local days ago."""
    day = timezone.localdate() - timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def volunteer(db: None) -> Volunteer:
    """An active registered volunteer of 岳阳楼街道's centre."""
    return people.registered(User.objects.get(username="registrar"))


@pytest.fixture
def activity(db: None) -> Activity:
    """A published activity of 郭亮社区's team (its leader: `team_leader`)."""
    return ActivityFactory()


@pytest.fixture
def past_slot(activity: Activity) -> Callable[..., Slot]:
    """`past_slot(start, hours=3)`: a slot of `activity` from `start` (aware)."""

    def make(start: datetime, hours: float = 3) -> Slot:
        return SlotFactory(
            activity=activity, starts_at=start, ends_at=start + timedelta(hours=hours)
        )

    return make
