"""Offices pick organisations by name from a list scoped to them, instead of typing codes:
the picker's endpoint (`/organizations/pick/`), the filters that take a name or a code
(the ledger, confirmation progress), and the forms' organisation fields."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from zhiyuan.accounts.models import User
from zhiyuan.organizations import selectors
from zhiyuan.organizations.models import Organization

pytestmark = pytest.mark.django_db

PICK = "/organizations/pick/"


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _picked(response: Any) -> list[tuple[str, str]]:
    return [(item["value"], item["label"]) for item in response.json()["results"]]


def test_the_picker_offers_organisations_in_the_users_scope_by_name_or_code(
    login: Callable[[User], Client], registrar: User, outsider: User, city_admin: User
) -> None:
    client = login(registrar)
    assert _picked(client.get(PICK, {"q": "郭亮"})) == [
        ("430602001001-ST", "郭亮社区志愿服务站"),
        ("430602001001-TM", "郭亮社区志愿服务队"),
    ]
    assert _picked(client.get(PICK, {"q": "430602001-s"})) == [
        ("430602001-SC", "岳阳楼街道志愿服务中心"),
    ]
    assert _picked(login(outsider).get(PICK, {"q": "郭亮"})) == []
    assert _picked(client.get(PICK, {"q": "郭亮", "within": "administered"})) == []
    higher_first = _picked(login(city_admin).get(PICK, {"q": "岳阳楼"}))
    assert higher_first[:3] == [
        ("430602-GC", "岳阳楼区发展志愿服务事业指导委员会"),
        ("430602-VA", "岳阳楼区志愿者协会"),
        ("430602001-SC", "岳阳楼街道志愿服务中心"),
    ]
    assert _picked(client.get(PICK, {"q": " "})) == []


def test_the_picker_answers_only_logged_in_office_users(client: Client) -> None:
    response = client.get(PICK, {"q": "郭亮"})
    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/?next=/organizations/pick/%3Fq%3D%25E9%2583%25AD%25E4%25BA%25AE",
    )


def test_a_name_or_a_code_resolves_within_the_scope(
    registrar: User, outsider: User, org: Callable[[str], Organization]
) -> None:
    visible = selectors.visible_organizations(registrar)
    station = org("430602001001-ST")
    assert selectors.resolve_organization(visible, "430602001001-st") == (station, [])
    assert selectors.resolve_organization(visible, " 郭亮社区志愿服务站 ") == (station, [])
    found, candidates = selectors.resolve_organization(visible, "郭亮社区")
    assert found is None
    assert [o.code for o in candidates] == ["430602001001-ST", "430602001001-TM"]
    assert selectors.resolve_organization(visible, "三眼桥") == (None, [])
    outside = selectors.visible_organizations(outsider)
    assert selectors.resolve_organization(outside, "郭亮社区志愿服务站") == (None, [])


def test_the_ledger_filters_by_an_organisations_name(
    registrar: User,
    login: Callable[[User], Client],
    apply: Callable[..., Any],
) -> None:
    apply(registrar, name="王站点", through="430602001001-ST")
    apply(registrar, name="李中心")
    client = english(login(registrar))
    page = client.get("/volunteers/", {"org": "郭亮社区志愿服务站"})
    assert [v.name for v in page.context["page"]] == ["王站点"]
    html = page.content.decode()
    assert 'data-pick-url="/organizations/pick/"' in html
    assert "郭亮社区志愿服务站 · 430602001001-ST" in html
    by_code = client.get("/volunteers/", {"org": "430602001001-ST"})
    assert [v.name for v in by_code.context["page"]] == ["王站点"]


def test_an_ambiguous_or_unknown_name_says_so_and_offers_the_candidates(
    registrar: User, login: Callable[[User], Client], apply: Callable[..., Any]
) -> None:
    apply(registrar, name="王站点", through="430602001001-ST")
    client = english(login(registrar))
    page = client.get("/volunteers/", {"org": "郭亮社区"})
    html = page.content.decode()
    assert "Several organisations match “郭亮社区”: choose one." in html
    assert re.findall(r'href="\?org=([^"&]+)[^"]*">', html) == [
        "430602001001-ST",
        "430602001001-TM",
    ]
    assert [v.name for v in page.context["page"]] == []
    unknown = client.get("/volunteers/", {"org": "三眼桥街道志愿服务中心"}).content.decode()
    assert "No organisation you can see matches “三眼桥街道志愿服务中心”." in unknown


def test_the_progress_page_filters_by_name_and_offers_the_picker(
    registrar: User, login: Callable[[User], Client], apply: Callable[..., Any]
) -> None:
    apply(registrar, through="430602001001-ST")
    apply(registrar)
    client = english(login(registrar))
    page = client.get("/volunteers/progress/", {"org": "郭亮社区志愿服务站"})
    assert [row["code"] for row in page.context["rows"]] == ["430602001001-ST"]
    assert 'data-pick-url="/organizations/pick/"' in page.content.decode()
    unknown = client.get("/volunteers/progress/", {"org": "没有这个组织"})
    assert unknown.status_code == 200
    assert [row["code"] for row in unknown.context["rows"]] == []
    assert "No organisation you can see matches “没有这个组织”." in unknown.content.decode()


def test_the_picker_script_is_a_static_file(
    registrar: User, login: Callable[[User], Client]
) -> None:
    html = login(registrar).get("/volunteers/").content.decode()
    assert re.search(r'<script src="/static/zhiyuan/picker\.[0-9a-f.]*js" defer></script>', html)
    assert "<script>" not in html


def test_a_role_is_granted_on_an_organisation_picked_by_name(
    login: Callable[[User], Client], street_admin: User, viewer: User
) -> None:
    client = english(login(street_admin))
    page = client.get(f"/accounts/users/{viewer.pk}/").content.decode()
    assert 'data-pick-url="/organizations/pick/?within=administered"' in page
    response = client.post(
        f"/accounts/users/{viewer.pk}/roles/",
        {"organization": "郭亮社区志愿服务队", "kind": "team_leader"},
    )
    assert response.status_code == 302
    assert viewer.roles.get(kind="team_leader").organization.code == "430602001001-TM"
    ambiguous = client.post(
        f"/accounts/users/{viewer.pk}/roles/", {"organization": "郭亮", "kind": "checker"}
    )
    assert ambiguous.status_code == 200
    assert ambiguous.context["grant_form"].errors["organization"] == [
        "Several organisations match “郭亮”: 郭亮社区志愿服务站 (430602001001-ST)、"
        "郭亮社区志愿服务队 (430602001001-TM). Pick one from the list."
    ]


def test_a_delegation_is_granted_to_an_organisation_picked_by_name(
    login: Callable[[User], Client], street_admin: User, body: Callable[[str], Any]
) -> None:
    centre = body("430602001-SC")
    response = english(login(street_admin)).post(
        f"/volunteers/bodies/{centre.pk}/delegations/", {"organization": "汴河社区志愿服务站"}
    )
    assert response.status_code == 302
    assert centre.delegations.filter(organization__code="430602001002-ST").exists()
