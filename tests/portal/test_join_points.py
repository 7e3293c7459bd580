"""The join page's list of registration points and the form of each point, kept by each process
(`selectors.public_points`) and rendered once per language (`portal.views`): one query per
visit while nothing changes, the right words in both languages, nothing of one visitor in
what another is served, a change made in another worker served at once, and a registration
that reads its point from the database."""

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.processes import as_process
from tests.volunteers.people import OTHER_STREET, STREET, person_data
from zhiyuan.accounts.models import User
from zhiyuan.common import generations
from zhiyuan.volunteers import selectors, services
from zhiyuan.volunteers.models import RegistrationBody, Volunteer

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


# --- the form of a point (what a QR code opens) ---------------------------------------------


def point_of(body: Any, code: str) -> str:
    found = body(code)
    return f"{found.pk}:{found.organization_id}"


def home_divisions(html: str) -> list[str]:
    select = re.search(r'<select name="home_division".*?</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="(\d+)"', select.group(0))


def test_a_second_visit_to_a_points_form_reads_only_the_generations(
    body: Any, django_assert_max_num_queries: Any
) -> None:
    """Before, every visit read the point, its district and the district's communities, the
    policy (6 queries) and rendered some 300 options: the slowest public page."""
    point = point_of(body, STREET)
    first = visitor().get("/join/", {"point": point}).content.decode()
    with django_assert_max_num_queries(1):
        again = visitor().get("/join/", {"point": point}).content.decode()
    assert f'name="point" value="{point}"' in again
    assert home_divisions(again) == home_divisions(first)
    assert len(home_divisions(again)) == 9
    assert again.replace(csrf_token(again), "") == first.replace(csrf_token(first), "")


def test_a_points_form_is_right_in_chinese_and_in_english(body: Any) -> None:
    point = point_of(body, STREET)
    chinese = visitor().get("/join/", {"point": point}).content.decode()
    english = visitor("en").get("/join/", {"point": point}).content.decode()
    again = visitor().get("/join/", {"point": point}).content.decode()
    assert "隐私告知（版本 2026-1）" in chinese
    assert "您的注册机构" in chinese
    assert "Privacy notice (version 2026-1)" in english
    assert "You register with" in english
    assert "You register with" not in again
    assert chinese.replace(csrf_token(chinese), "") == again.replace(csrf_token(again), "")
    kept = selectors.public_points()
    for language in ("zh-hans", "en"):
        form = kept.derived(("join-form", point, language), lambda: "not rendered")
        assert f'name="point" value="{point}"' in form
        assert "csrf" not in form.lower()


def test_a_policy_changed_in_another_worker_reaches_the_form_at_once(
    body: Any, org: Any, street_admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    point = point_of(body, STREET)
    serving, other = generations.LocalStore(), generations.LocalStore()
    for store in (serving, other):
        with as_process(store):
            assert (
                "(version 2026-1)" in visitor("en").get("/join/", {"point": point}).content.decode()
            )
    with as_process(other), django_capture_on_commit_callbacks(execute=True):
        services.set_policy(org(STREET), actor=street_admin, privacy_notice_version="2026-2")
    with as_process(serving):
        page = visitor("en").get("/join/", {"point": point}).content.decode()
    assert "(version 2026-2)" in page


def test_a_registration_reads_its_point_from_the_database(body: Any) -> None:
    """A write that bumps nothing leaves the kept form in place, but the registration itself
    reads the point again: a closed body takes none."""
    point = point_of(body, OTHER_STREET)
    web = visitor("en")
    assert 'name="consent"' in web.get("/join/", {"point": point}).content.decode()
    RegistrationBody.objects.filter(pk=body(OTHER_STREET).pk).update(is_active=False)
    assert 'name="consent"' in web.get("/join/", {"point": point}).content.decode()
    data = {key: value for key, value in person_data().items() if value is not None}
    response = web.post("/join/", {**data, "point": point, "consent": "on"})
    assert "That registration place does not take registrations now." in response.content.decode()
    assert Volunteer.objects.count() == 0


@pytest.mark.parametrize("spelling", ["{body}:{org}", "00{body}:0{org}"])
def test_a_point_is_found_by_its_key_as_the_database_reads_it(body: Any, spelling: str) -> None:
    street = body(STREET)
    key = spelling.format(body=street.pk, org=street.organization_id)
    assert selectors.public_points().value.find(key) == selectors.public_registration_point(key)
    assert selectors.public_points().value.find(key) is not None
    assert selectors.public_points().value.find("１:２") is None
