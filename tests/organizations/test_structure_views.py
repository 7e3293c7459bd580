"""Building the standard structure and adding management areas from the web."""

import pytest

from zhiyuan.common.models import AuditEntry
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_city_admin_rebuilds_a_missing_station(login, city_admin, org) -> None:
    Division.objects.create(
        code="430602001099", name="新建社区居民委员会", level=5, parent_id="430602001000", year=2024
    )
    response = login(city_admin).post(
        f"/organizations/{org('4306-GC').pk}/build-structure/", follow=True
    )
    assert "标准组织体系已补齐：新增 2 个组织，调整 0 个。" in response.content.decode()
    station = org("430602001099-ST")
    assert station.name == "新建社区志愿服务站"
    assert Organization.objects.get_parent(station).code == "430602001-SC"
    assert AuditEntry.objects.filter(
        action="organization.created", object_id=str(station.pk), actor=city_admin
    ).exists()


def test_building_from_a_street_centre_is_refused(login, street_admin, org) -> None:
    before = Organization.objects.count()
    response = login(street_admin).post(
        f"/organizations/{org('430602001-SC').pk}/build-structure/", follow=True
    )
    assert "标准组织体系须从市或区县的指导委员会建立。" in response.content.decode()
    assert Organization.objects.count() == before


@pytest.mark.parametrize(
    "persona", ["district_admin", "street_admin", "registrar", "viewer", "outsider"]
)
def test_only_the_city_administrator_builds_the_city(persona: str, login, org, request) -> None:
    client = login(request.getfixturevalue(persona))
    assert client.post(f"/organizations/{org('4306-GC').pk}/build-structure/").status_code == 404
    assert client.get(f"/organizations/{org('4306-GC').pk}/management-area/").status_code == 404


def test_city_admin_adds_a_management_area(login, city_admin, org) -> None:
    client = login(city_admin)
    response = client.post(
        f"/organizations/{org('4306-GC').pk}/management-area/",
        {"name": "南湖风景区", "code": "nhfjq", "townships": "430603001000"},
    )
    area = org("NHFJQ-GC")
    assert response.status_code == 302
    assert response["Location"] == f"/organizations/{area.pk}/"
    assert area.is_management_area
    assert Organization.objects.get_parent(org("430603001-SC")) == area


@pytest.mark.parametrize(
    ("townships", "message"),
    [
        ("", "该字段是必填项。"),
        ("，、", "请填写该区域所管辖乡镇街道的12位代码。"),
        ("430602001001", "不是 岳阳市 的乡镇街道：430602001001。"),
        ("430602001000, 999999999999", "不是 岳阳市 的乡镇街道：999999999999。"),
    ],
)
def test_management_area_with_bad_townships_is_refused(
    townships: str, message: str, login, city_admin, org
) -> None:
    before = Organization.objects.count()
    response = login(city_admin).post(
        f"/organizations/{org('4306-GC').pk}/management-area/",
        {"name": "某区", "code": "MQ", "townships": townships},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Organization.objects.count() == before


def test_management_area_code_of_another_organisation_is_refused(login, city_admin, org) -> None:
    response = login(city_admin).post(
        f"/organizations/{org('4306-GC').pk}/management-area/",
        {"name": "冒名区", "code": "4306", "townships": "430603001000"},
    )
    assert "该组织代码已被使用。" in response.content.decode()
    assert Organization.objects.get_parent(org("430603001-SC")).code == "430603-GC"


def test_a_township_belongs_to_one_management_area(login, city_admin, org) -> None:
    response = login(city_admin).post(
        f"/organizations/{org('4306-GC').pk}/management-area/",
        {"name": "另一开发区", "code": "LYKFQ", "townships": "430602402000"},
    )
    assert (
        "430602402000 已属于 岳阳经济技术开发区发展志愿服务事业指导委员会"
        in response.content.decode()
    )
    assert not Organization.objects.filter(code="LYKFQ-GC").exists()
    assert list(org("YYETDZ-GC").jurisdiction.values_list("code", flat=True)) == ["430602402000"]


def test_an_area_code_is_not_taken_over_under_another_name(login, city_admin, org) -> None:
    response = login(city_admin).post(
        f"/organizations/{org('4306-GC').pk}/management-area/",
        {"name": "南湖风景区", "code": "YYETDZ", "townships": "430603001000"},
    )
    assert (
        "该代码属于管理区 岳阳经济技术开发区发展志愿服务事业指导委员会。"
        in response.content.decode()
    )
    assert org("YYETDZ-GC").jurisdiction.count() == 1


def test_create_management_area_command_validates_like_the_web(capsys) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="已属于"):
        call_command(
            "create_management_area",
            name="X区",
            code="XQ",
            parent_division="430600",
            townships="430602402000",
        )
    with pytest.raises(CommandError, match="字母、数字或短横线"):
        call_command(
            "create_management_area",
            name="X区",
            code="bad code",
            parent_division="430600",
            townships="430603001000",
        )
    call_command(
        "create_management_area",
        name="南湖风景区",
        code="NHFJQ",
        parent_division="430600",
        townships="430603001000",
    )
    assert capsys.readouterr().out == "南湖风景区发展志愿服务事业指导委员会：1 个乡镇街道。\n"
