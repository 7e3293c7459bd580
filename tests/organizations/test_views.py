"""The tree browser, detail, search and editing pages, seen through each role."""

import pytest
from django.test import Client

from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization

pytestmark = pytest.mark.django_db

OTHER_STREET = "三眼桥街道志愿服务中心"
MY_STREET = "岳阳楼街道志愿服务中心"
MY_STATION = "郭亮社区志愿服务站"


def test_tree_requires_log_in(client: Client) -> None:
    response = client.get("/organizations/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/organizations/"


@pytest.mark.parametrize("persona", ["street_admin", "registrar", "checker", "viewer"])
def test_street_roles_see_their_street_only(persona: str, login, org, request) -> None:
    client = login(request.getfixturevalue(persona))
    page = client.get("/organizations/").content.decode()
    assert MY_STREET in page
    assert OTHER_STREET not in page
    assert "岳阳楼区发展志愿服务事业指导委员会" not in page
    # counts of the street's subtree: 1 street-level centre + team, 2 stations + 2 teams
    assert "<li>街道（乡镇）级 <b>2</b></li>" in page
    assert "<li>社区（村）级 <b>4</b></li>" in page
    assert client.get(f"/organizations/{org('430602002-SC').pk}/").status_code == 404
    assert client.get(f"/organizations/{org('430602002-SC').pk}/children/").status_code == 404
    assert client.get(f"/organizations/{org('430602-GC').pk}/").status_code == 404
    assert client.get(f"/organizations/{org('430602001001-ST').pk}/").status_code == 200


@pytest.mark.parametrize(
    "persona", ["street_admin", "registrar", "viewer", "team_leader", "outsider"]
)
def test_search_never_returns_out_of_scope(persona: str, login, request) -> None:
    client = login(request.getfixturevalue(persona))
    page = client.get("/organizations/", {"q": "志愿服务站"}).content.decode()
    visible = set(
        Organization.objects.filter(kind="service_station").values_list("name", flat=True)
    )
    user = request.getfixturevalue(persona)
    from zhiyuan.organizations.selectors import search_organizations

    allowed = {o.name for o in search_organizations(user, "志愿服务站")}
    for name in visible - allowed:
        assert name not in page
    for name in allowed:
        assert name in page


def test_search_by_division_code(login, street_admin) -> None:
    page = login(street_admin).get("/organizations/", {"q": "430602001001"}).content.decode()
    assert "郭亮社区志愿服务站" in page
    assert "郭亮社区志愿服务队" in page
    assert "汴河社区志愿服务站" not in page


def test_search_by_division_code_outside_scope_finds_nothing(login, street_admin) -> None:
    page = login(street_admin).get("/organizations/", {"q": "430602002"}).content.decode()
    assert "桃花山社区志愿服务站" not in page
    assert "0 个结果" in page


def test_children_partial_lists_children_with_counts(login, street_admin, org) -> None:
    response = login(street_admin).get(f"/organizations/{org('430602001-SC').pk}/children/")
    html = response.content.decode()
    assert html.count("<li>") == 3  # the street team and two stations
    assert MY_STATION in html


def test_team_leader_sees_only_their_team(login, team_leader, org) -> None:
    client = login(team_leader)
    assert client.get(f"/organizations/{org('430602001001-TM').pk}/").status_code == 200
    assert client.get(f"/organizations/{org('430602001001-ST').pk}/").status_code == 404


def test_management_area_admin_sees_its_townships_not_the_district(login, etdz_admin, org) -> None:
    client = login(etdz_admin)
    page = client.get("/organizations/").content.decode()
    assert "岳阳经济技术开发区发展志愿服务事业指导委员会" in page
    assert client.get(f"/organizations/{org('430602402-SC').pk}/").status_code == 200
    assert client.get(f"/organizations/{org('430602001-SC').pk}/").status_code == 404


def test_district_admin_does_not_see_management_area_townships(login, district_admin, org) -> None:
    client = login(district_admin)
    assert client.get(f"/organizations/{org('430602001-SC').pk}/").status_code == 200
    assert client.get(f"/organizations/{org('430602402-SC').pk}/").status_code == 404


def test_user_without_roles_sees_nothing(login, nobody, org) -> None:
    client = login(nobody)
    page = client.get("/organizations/").content.decode()
    assert "志愿服务站" not in page
    assert client.get(f"/organizations/{org('4306-GC').pk}/").status_code == 404


def test_admin_creates_work_unit_and_it_is_audited(login, street_admin, org) -> None:
    parent = org("430602001-SC")
    response = login(street_admin).post(
        f"/organizations/{parent.pk}/new/",
        {
            "code": "UNIT-001",
            "name": "岳阳楼街道办事处",
            "kind": "work_unit",
            "level": "4",
            "unit_category": "party_government",
            "contact_phone": "139 0000 0099",
        },
    )
    unit = Organization.objects.get(code="UNIT-001")
    assert response.status_code == 302
    assert response["Location"] == f"/organizations/{unit.pk}/"
    assert Organization.objects.get_parent(unit) == parent
    assert unit.contact_phone == "13900000099"
    assert list(unit.jurisdiction.values_list("code", flat=True)) == ["430602001000"]
    entry = AuditEntry.objects.get(action="organization.created", object_id=str(unit.pk))
    assert entry.actor == street_admin
    assert entry.origin == "web"
    assert entry.data == {"code": "UNIT-001", "kind": "work_unit"}


def test_work_unit_without_category_is_refused_with_field_error(login, street_admin, org) -> None:
    parent = org("430602001-SC")
    before = Organization.objects.count()
    response = login(street_admin).post(
        f"/organizations/{parent.pk}/new/",
        {"code": "UNIT-002", "name": "某单位", "kind": "work_unit", "level": "4"},
    )
    assert response.status_code == 200
    assert "工作单位需要选择类别" in response.content.decode()
    assert Organization.objects.count() == before


def test_bad_phone_is_refused(login, street_admin, org) -> None:
    station = org("430602001001-ST")
    response = login(street_admin).post(
        f"/organizations/{station.pk}/edit/",
        {
            "name": station.name,
            "kind": "service_station",
            "level": "5",
            "station_type": "community",
            "contact_phone": "12345",
        },
    )
    assert response.status_code == 200
    assert "请输入11位大陆手机号码" in response.content.decode()
    station.refresh_from_db()
    assert station.contact_phone == ""


@pytest.mark.parametrize("persona", ["registrar", "viewer", "checker", "team_leader", "outsider"])
def test_non_administrators_cannot_edit(persona: str, login, org, request) -> None:
    station = org("430602001001-ST")
    client = login(request.getfixturevalue(persona))
    assert client.get(f"/organizations/{station.pk}/edit/").status_code == 404
    response = client.post(
        f"/organizations/{station.pk}/edit/",
        {"name": "改名", "kind": "service_station", "level": "5", "station_type": "park"},
    )
    assert response.status_code == 404
    assert client.post(f"/organizations/{station.pk}/active/", {"active": "0"}).status_code == 404
    station.refresh_from_db()
    assert station.name == MY_STATION
    assert station.is_active


def test_deactivated_organisation_gives_no_access(login, district_admin, registrar, org) -> None:
    centre = org("430602001-SC")
    login(district_admin).post(f"/organizations/{centre.pk}/active/", {"active": "0"})
    centre.refresh_from_db()
    assert not centre.is_active
    assert login(registrar).get(f"/organizations/{centre.pk}/").status_code == 404
    assert (
        AuditEntry.objects.filter(
            action="organization.deactivated", object_id=str(centre.pk)
        ).count()
        == 1
    )


def test_an_administrator_cannot_deactivate_the_organisation_of_their_own_role(
    login, street_admin, org
) -> None:
    """It locked the street administrator (and everyone in the street) out, with nobody
    inside left to reactivate it."""
    centre = org("430602001-SC")
    client = login(street_admin)
    client.cookies["django_language"] = "en"
    response = client.post(f"/organizations/{centre.pk}/active/", {"active": "0"}, follow=True)
    assert "Only an administrator of an organisation above this one" in response.content.decode()
    centre.refresh_from_db()
    assert centre.is_active
    assert client.get(f"/organizations/{centre.pk}/").status_code == 200
    assert not AuditEntry.objects.filter(action="organization.deactivated").exists()


def test_phone_is_masked_on_detail_page(login, street_admin, org) -> None:
    station = org("430602001001-ST")
    station.contact_phone = "13900001234"
    station.save()
    page = login(street_admin).get(f"/organizations/{station.pk}/").content.decode()
    assert "139****1234" in page
    assert "13900001234" not in page


def test_tree_page_query_count_is_constant(
    login, city_admin, django_assert_max_num_queries
) -> None:
    client = login(city_admin)
    with django_assert_max_num_queries(12):
        client.get("/organizations/")
    root = Organization.objects.get(code="4306-GC")
    with django_assert_max_num_queries(12):
        client.get(f"/organizations/{root.pk}/children/")


def test_tree_and_children_queries_do_not_grow_with_data(
    login, city_admin, org, django_assert_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import WorkUnitFactory

    client = login(city_admin)
    centre = org("430602001-SC")

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = (count("/organizations/"), count(f"/organizations/{centre.pk}/children/"))
    WorkUnitFactory.create_batch(15, parent=centre)
    after = (count("/organizations/"), count(f"/organizations/{centre.pk}/children/"))
    assert after == before
    assert "测试单位14" in client.get(f"/organizations/{centre.pk}/children/").content.decode()


def test_deactivate_button_shows_only_to_administrators_above(login, street_admin, org) -> None:
    client = login(street_admin)
    own = client.get(f"/organizations/{org('430602001-SC').pk}/").content.decode()
    below = client.get(f"/organizations/{org('430602001001-ST').pk}/").content.decode()
    assert 'name="active" value="0"' not in own
    assert 'name="active" value="0"' in below


def test_deactivating_a_district_ends_access_of_roles_below_it(
    login, district_admin, city_admin, street_admin, org
) -> None:
    district = org("430602-GC")
    login(city_admin).post(f"/organizations/{district.pk}/active/", {"active": "0"})
    district.refresh_from_db()
    assert not district.is_active
    station = org("430602001001-ST")
    assert login(street_admin).get(f"/organizations/{station.pk}/").status_code == 404
    assert login(district_admin).get(f"/organizations/{station.pk}/").status_code == 404
    assert (
        login(city_admin).get(f"/organizations/{station.pk}/").status_code == 200
    )  # to reactivate it
