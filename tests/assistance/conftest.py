"""Fixtures of the assistance tests: a registered volunteer living in 郭亮社区 (whose station and
team, led by `team_leader`, cover it), the request's details, helpers of the team and its
standing priority-help activity."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import ActivityFactory, MembershipFactory
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.activities.models import Activity
from zhiyuan.assistance import services
from zhiyuan.assistance.enums import HelpChannel, HelpKind, Urgency
from zhiyuan.assistance.models import HelpRequest
from zhiyuan.common.models import OutboundSms
from zhiyuan.divisions.models import Division
from zhiyuan.volunteers.enums import MembershipStatus
from zhiyuan.volunteers.models import Volunteer

GUOLIANG = "430602001001"  # 郭亮社区: its station 430602001001-ST, its team 430602001001-TM
TAOHUASHAN = "430602002001"  # 桃花山社区, of 三眼桥街道 (the outsider's street)
STATION = "430602001001-ST"
TEAM = "430602001001-TM"


def details(**overrides: Any) -> dict[str, Any]:
    """Valid details of a request at 郭亮社区, routine, as soon as possible."""
    return {
        "kind": HelpKind.DAILY_LIVING,
        "urgency": Urgency.ROUTINE,
        "description": "行动不便，需要买菜",
        "address": "郭亮社区3栋2单元401",
        "division": Division.objects.get(code=overrides.pop("place", GUOLIANG)),
        "needed_at": None,
        "asked_by_name": "",
        "asked_by_relation": "",
        **overrides,
    }


@pytest.fixture
def volunteer(db: None) -> Volunteer:
    """A registered volunteer of 岳阳楼街道's centre."""
    return people.registered(User.objects.get(username="registrar"))


@pytest.fixture
def ask() -> Callable[..., HelpRequest]:
    """`ask(volunteer, **details)`: the volunteer's own request from the portal."""

    def make(volunteer: Volunteer, **overrides: Any) -> HelpRequest:
        return services.ask_for_help(
            volunteer, actor=None, channel=HelpChannel.PORTAL, details=details(**overrides)
        )

    return make


@pytest.fixture
def helpers(db: None) -> list[Volunteer]:
    """Two registered volunteers, approved members of 郭亮社区's team."""
    made = []
    for _ in range(2):
        membership = MembershipFactory(status=MembershipStatus.APPROVED)
        made.append(membership.volunteer)
    return made


@pytest.fixture
def help_activity(db: None) -> Activity:
    """郭亮社区's team's standing priority-help activity (published)."""
    return ActivityFactory(title="注册志愿者优先帮扶")


def texts() -> list[tuple[str, str, dict[str, str]]]:
    """The SMS queued in the outbox (`common.outbox`), oldest first: (mobile, template,
    params). Delivery waits for the commit, which a test's transaction never reaches."""
    return [
        (sms.mobile, sms.template, json.loads(sms.params))
        for sms in OutboundSms.objects.order_by("pk")
    ]
