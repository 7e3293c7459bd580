"""Activities made through the services, as the office makes them: `draft(**details)` (a
draft of 郭亮社区's team by team_leader), `open_slot(capacity=, **details)` (a slot
tomorrow of a newly published activity) and `volunteer(**options)` (a registered volunteer
of 岳阳楼街道's centre, `people.registered`'s options)."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import GUOLIANG, TEAM, culture
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.activities import services
from zhiyuan.activities.models import Activity, Slot
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer


def details(**overrides: Any) -> dict[str, Any]:
    """Valid details of an activity at 郭亮社区 (culture, public)."""
    return {
        "title": "周末社区读书会",
        "category": culture(),
        "address": "郭亮社区活动室",
        "division": Division.objects.get(code=GUOLIANG),
        **overrides,
    }


def at(hours: float) -> datetime:
    """`hours` from now, to the minute."""
    return (timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)


def make_draft(actor: User | None = None, organizer: str = TEAM, **overrides: Any) -> Activity:
    leader = actor or User.objects.get(username="team_leader")
    return services.create_activity(
        Organization.objects.get(code=organizer), actor=leader, details=details(**overrides)
    )


def make_open_slot(
    capacity: int = 10, *, start: float = 24, hours: float = 3, **overrides: Any
) -> Slot:
    """A slot starting `start` hours from now, lasting `hours`, of a newly published
    activity with `overrides` of its details."""
    activity = make_draft(**overrides)
    leader = User.objects.get(username="team_leader")
    slot = services.add_slot(
        activity, actor=leader, starts_at=at(start), ends_at=at(start + hours), capacity=capacity
    )
    services.publish_activity(activity, actor=leader)
    slot.refresh_from_db()
    return Slot.objects.select_related("activity").get(pk=slot.pk)


def make_volunteer(**options: Any) -> Volunteer:
    return people.registered(User.objects.get(username="registrar"), **options)


@pytest.fixture
def draft(db: None) -> Callable[..., Activity]:
    return make_draft


@pytest.fixture
def open_slot(db: None) -> Callable[..., Slot]:
    return make_open_slot


@pytest.fixture
def volunteer(db: None) -> Callable[..., Volunteer]:
    return make_volunteer
