from collections import Counter

import pytest

from tests.conftest import MINI_DIVISIONS
from zhiyuan.divisions.importer import import_divisions
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.enums import OrgKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.structure import build_structure

pytestmark = pytest.mark.django_db


def test_world_has_one_station_and_team_per_village() -> None:
    villages = Division.objects.filter(level=5).count()
    assert villages == 8
    assert Organization.objects.filter(kind=OrgKind.SERVICE_STATION).count() == 8
    assert (
        Organization.objects.filter(kind=OrgKind.SERVICE_STATION, jurisdiction__level=5)
        .distinct()
        .count()
        == 8
    )


def test_rebuilding_creates_nothing_new() -> None:
    before = Organization.objects.count()
    report = build_structure(Division.objects.get(code="430600000000"), actor=None)
    assert report.total_created == 0
    assert report.moved == 0
    assert Organization.objects.count() == before


def test_standard_names_and_parents(org) -> None:
    station = org("430602001001-ST")
    assert station.name == "郭亮社区志愿服务站"
    assert Organization.objects.get_parent(station).code == "430602001-SC"
    assert Organization.objects.get_parent(org("430602-GC")).code == "4306-GC"
    assert org("430602001-SC").name == "岳阳楼街道志愿服务中心"
    assert org("4306-VA").name == "岳阳市志愿者协会"
    assert org("4306-GT").name == "岳阳市志愿服务总队"


def test_village_committee_suffix_is_dropped_from_station_name(org) -> None:
    assert org("430602402001-ST").name == "亮山志愿服务站"


def test_management_area_takes_over_its_townships(org) -> None:
    area = org("YYETDZ-GC")
    centre = org("430602402-SC")
    assert area.is_management_area
    assert Organization.objects.get_parent(centre) == area
    assert list(area.jurisdiction.values_list("code", flat=True)) == ["430602402000"]
    district = org("430602-GC")
    assert not centre.path.startswith(district.path)


def test_county_built_first_moves_under_city_later(empty_db_tx: None) -> None:
    import_divisions(MINI_DIVISIONS, year=2023)
    county = Division.objects.get(code="430602000000")
    first = build_structure(county, actor=None)
    assert Organization.objects.get(code="430602-GC").depth == 1
    second = build_structure(Division.objects.get(code="430600000000"), actor=None)
    assert second.moved == 1
    assert (
        Organization.objects.get_parent(Organization.objects.get(code="430602-GC")).code
        == "4306-GC"
    )
    assert first.created[OrgKind.SERVICE_STATION] == 6
    assert (
        Counter(Organization.objects.values_list("kind", flat=True))[OrgKind.SERVICE_STATION] == 8
    )
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_build_structure_command_reports_in_chinese_and_refuses_bad_codes(capsys) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("build_structure", division="430602")
    assert capsys.readouterr().out == "岳阳楼区：新增 0 个组织，调整 0 个。\n"
    with pytest.raises(CommandError, match="须为 4、6 或 12 位区划代码"):
        call_command("build_structure", division="abc")
    with pytest.raises(CommandError, match="未知的行政区划 439999000000"):
        call_command("build_structure", division="439999")
