"""Choosing a team on /me/: the teams of the area grouped by street, the volunteer's own
community first, and a search that narrows the list without JavaScript."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from zhiyuan.accounts.models import User
from zhiyuan.common.sms import SmsMessage
from zhiyuan.volunteers import selectors
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

BIANHE = "430602001002"  # 汴河社区, in 岳阳楼街道


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    cache.clear()


@pytest.fixture
def volunteer(registrar: User, registered: Callable[..., Volunteer]) -> Volunteer:
    """Registered at 岳阳楼街道's centre, living in 汴河社区."""
    return registered(registrar, home_division=BIANHE)


@pytest.fixture
def me(
    volunteer: Volunteer, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> Client:
    """A phone logged in to /me/ as `volunteer`, reading English."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        step = client.post("/me/login/", {"mobile": volunteer.mobile})
    ticket = step.context["form"]["ticket"].value()
    client.post("/me/code/", {"ticket": ticket, "code": outbox[-1].params["code"]})
    return client


def _groups(choices: list[Any]) -> list[tuple[str, list[str]]]:
    return [(str(label), [name for _pk, name in teams]) for label, teams in choices]


def test_teams_are_grouped_by_street_with_the_own_community_first(volunteer: Volunteer) -> None:
    with translation.override("en"):
        groups = _groups(selectors.team_choices(volunteer))
    assert groups == [
        ("Your community: 汴河社区", ["汴河社区志愿服务站", "汴河社区志愿服务队"]),
        ("岳阳楼街道", ["岳阳楼街道志愿服务队", "郭亮社区志愿服务站", "郭亮社区志愿服务队"]),
        ("岳阳楼区志愿者协会", ["岳阳楼区志愿服务总队"]),
        (
            "三眼桥街道",
            [
                "三眼桥街道志愿服务队",
                "桃花山社区志愿服务站",
                "桃花山社区志愿服务队",
                "朝阳社区志愿服务站",
                "朝阳社区志愿服务队",
            ],
        ),
    ]


def test_a_search_narrows_the_teams_to_names_or_streets_that_match(volunteer: Volunteer) -> None:
    assert _groups(selectors.team_choices(volunteer, search="桃花")) == [
        ("三眼桥街道", ["桃花山社区志愿服务站", "桃花山社区志愿服务队"]),
    ]
    assert _groups(selectors.team_choices(volunteer, search=" 三眼桥街道 ")) == [
        (
            "三眼桥街道",
            [
                "三眼桥街道志愿服务队",
                "桃花山社区志愿服务站",
                "桃花山社区志愿服务队",
                "朝阳社区志愿服务站",
                "朝阳社区志愿服务队",
            ],
        ),
    ]
    assert selectors.team_choices(volunteer, search="不存在的队") == []


def test_the_page_offers_option_groups_and_a_search_that_works_without_javascript(
    me: Client,
) -> None:
    html = me.get("/me/").content.decode()
    assert re.findall(r'<optgroup label="([^"]+)">', html) == [
        "Your community: 汴河社区",
        "岳阳楼街道",
        "岳阳楼区志愿者协会",
        "三眼桥街道",
    ]
    assert re.search(r'<form method="get" action="/me/#join-\d+"[^>]*>', html)
    assert 'name="team_q"' in html
    narrowed = me.get("/me/", {"team_q": "朝阳"})
    html = narrowed.content.decode()
    assert re.findall(r'<optgroup label="([^"]+)">', html) == ["三眼桥街道"]
    assert re.findall(r"<option value=\"\d+\">([^<]+)</option>", html) == [
        "朝阳社区志愿服务站",
        "朝阳社区志愿服务队",
    ]
    assert 'value="朝阳"' in html
    nothing = me.get("/me/", {"team_q": "不存在的队"}).content.decode()
    assert "No team matches “不存在的队”." in nothing


def test_the_search_script_is_a_static_file(me: Client) -> None:
    html = me.get("/me/").content.decode()
    assert re.search(r'<script src="/static/zhiyuan/teams\.[0-9a-f.]*js" defer></script>', html)
    assert "<script>" not in html
