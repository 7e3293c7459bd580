"""The join page's list of registration points, kept by each process (`selectors.public_points`)
with its options rendered once per language (`portal.views._point_options`): one query per
visit while nothing changes, the right words in both languages, nothing of one visitor in
what another is served, and a change made in another worker served at once."""

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.processes import as_process
from tests.volunteers.people import OTHER_STREET
from zhiyuan.accounts.models import User
from zhiyuan.common import generations
from zhiyuan.volunteers import selectors

pytestmark = pytest.mark.django_db

OPTIONS = [
    "岳阳市志愿者协会",
    "岳阳楼区志愿者协会",
    "岳阳楼街道志愿服务中心",
    "郭亮社区志愿服务站 (岳阳楼街道志愿服务中心)",
    "三眼桥街道志愿服务中心",
    "云溪区志愿者协会",
    "长岭街道志愿服务中心",
    "岳阳经济技术开发区志愿者协会",
    "经济技术开发区通海路管理处志愿服务中心",
]


def visitor(language: str = "zh-hans") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def options(html: str) -> list[str]:
    return re.findall(r'<option value="\d+:\d+">([^<]+)</option>', html)


def csrf_token(html: str) -> str:
    found = re.search(r'"X-CSRFToken": "([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_a_second_visit_reads_only_the_generations(django_assert_max_num_queries: Any) -> None:
    """Before the points were kept, every visit read the bodies, the delegations, the
    districts' committees and their divisions (4 queries, some 150 bodies in a city)."""
    assert visitor().get("/join/").status_code == 200
    with django_assert_max_num_queries(1):
        response = visitor().get("/join/")
    assert options(response.content.decode()) == OPTIONS


def test_the_page_is_right_in_chinese_and_in_english() -> None:
    chinese = visitor().get("/join/").content.decode()
    english = visitor("en").get("/join/").content.decode()
    again = visitor().get("/join/").content.decode()
    assert "您在哪里注册？" in chinese
    assert "请选择您所在的街道、社区或协会" in chinese
    assert "Where do you register?" not in chinese
    assert "Where do you register?" in english
    assert "Choose your street, community or association" in english
    assert "您在哪里注册？" not in english
    assert options(chinese) == options(english) == options(again) == OPTIONS
    assert '<html lang="zh-hans"' in again


def test_what_is_kept_holds_nothing_of_a_visitor() -> None:
    """The options are shared; the CSRF token of each page is its visitor's."""
    first, second = visitor(), visitor()
    first_page = first.get("/join/").content.decode()
    second_page = second.get("/join/").content.decode()
    assert csrf_token(first_page) != csrf_token(second_page)
    assert first.cookies[settings.CSRF_COOKIE_NAME].value
    kept = selectors.public_points()
    fragment = kept.derived(("join-options", "zh-hans"), lambda: "not rendered")
    assert options(fragment) == OPTIONS
    assert "csrf" not in fragment.lower()
    assert csrf_token(first_page) not in fragment


def test_a_body_deactivated_in_another_worker_leaves_the_page_at_once(
    body: Any, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    serving, other = generations.LocalStore(), generations.LocalStore()
    for store in (serving, other):
        with as_process(store):
            assert options(visitor().get("/join/").content.decode()) == OPTIONS
    closed = body(OTHER_STREET)
    admin = Client()
    admin.force_login(staff)
    with as_process(other), django_capture_on_commit_callbacks(execute=True):
        admin.post(
            f"/admin/volunteers/registrationbody/{closed.pk}/change/",
            {"organization": closed.organization_id, "code": closed.code},
        )
    with as_process(serving):
        for language in ("zh-hans", "en"):
            page = visitor(language).get("/join/").content.decode()
            assert options(page) == [name for name in OPTIONS if name != "三眼桥街道志愿服务中心"]
