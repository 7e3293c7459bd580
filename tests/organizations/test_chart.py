"""The organisation chart (Attachment 1): its data, JSON endpoint, PDF export, scoped per role.

The test world (tests/conftest.py): 岳阳市 with 岳阳楼区 (岳阳楼街道, 三眼桥街道) and 云溪区
(长岭街道), and the management area 岳阳经济技术开发区 over 通海路管理处; two communities
per street. Each area has three organisations, each street a centre and a team, each community
a station and a team.
"""

import gzip
import shutil
import subprocess
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import WorkUnitFactory
from zhiyuan.accounts.models import Role, User
from zhiyuan.common import pdf
from zhiyuan.organizations.chart import chart_data, organization_chart
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization

pytestmark = pytest.mark.django_db

CITY, DISTRICT, STREET, COMMUNITY = 2, 3, 4, 5
MY_STREET = "岳阳楼街道志愿服务中心"
OTHER_STREET = "三眼桥街道志愿服务中心"
MY_STREET_NAMES = {
    MY_STREET,
    "岳阳楼街道志愿服务队",
    "郭亮社区志愿服务站",
    "郭亮社区志愿服务队",
    "汴河社区志愿服务站",
    "汴河社区志愿服务队",
}


def _names(node: dict) -> set[str]:
    return {node["name"]}.union(*(_names(child) for child in node.get("children", [])))


def _pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing (apt-get install poppler-utils)")
    path = tmp_path / "chart.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


@pytest.fixture
def fonts_found_again():
    pdf.forget_fonts()
    yield
    pdf.forget_fonts()


def test_city_chart_counts_every_level(city_admin: User) -> None:
    chart = organization_chart(city_admin)
    assert [root.name for root in chart.roots] == ["岳阳市发展志愿服务事业指导委员会"]
    assert chart.totals == {CITY: 3, DISTRICT: 9, STREET: 8, COMMUNITY: 16}
    assert chart.roots[0].counts == chart.totals
    by_code = {node.name: node for node, _depth in chart.walk()}
    assert by_code["岳阳楼区发展志愿服务事业指导委员会"].counts == {
        CITY: 0,
        DISTRICT: 3,
        STREET: 4,
        COMMUNITY: 8,
    }
    area = by_code["岳阳经济技术开发区发展志愿服务事业指导委员会"]
    assert area.is_management_area
    assert area.counts == {CITY: 0, DISTRICT: 3, STREET: 2, COMMUNITY: 4}
    assert by_code[MY_STREET].counts == {CITY: 0, DISTRICT: 0, STREET: 2, COMMUNITY: 4}
    assert by_code["郭亮社区志愿服务队"].children == []


def test_street_chart_holds_the_street_only(street_admin: User) -> None:
    chart = organization_chart(street_admin)
    assert [root.name for root in chart.roots] == [MY_STREET]
    assert {node.name for node, _depth in chart.walk()} == MY_STREET_NAMES
    assert chart.totals == {CITY: 0, DISTRICT: 0, STREET: 2, COMMUNITY: 4}
    assert chart.is_street_or_below


def test_roles_on_two_subtrees_give_one_unnamed_root(db: None) -> None:
    user = User.objects.create_user("two_streets", "correct-horse-battery-9", name="两街")
    for code in ("430602001-SC", "430603001-SC"):
        organization = Organization.objects.get(code=code)
        Role.objects.create(user=user, organization=organization, kind=RoleKind.VIEWER)
    data = chart_data(organization_chart(user))
    root = data["root"]
    assert root["id"] == 0
    assert [child["name"] for child in root["children"]] == [MY_STREET, "长岭街道志愿服务中心"]
    assert root["counts"] == [0, 0, 4, 8]
    assert data["totals"] == [0, 0, 4, 8]


def test_chart_data_requires_log_in(client: Client) -> None:
    for url in ("/organizations/chart/", "/organizations/chart/data/", "/organizations/chart/pdf/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_chart_data_of_a_street_excludes_other_streets(login, street_admin) -> None:
    response = login(street_admin).get("/organizations/chart/data/")
    assert response.status_code == 200
    data = response.json()
    root = data["root"]
    assert root["name"] == MY_STREET
    assert root["kind"] == "service_centre"
    assert root["level"] == STREET
    assert root["counts"] == [0, 0, 2, 4]
    assert [child["name"] for child in root["children"]] == [
        "岳阳楼街道志愿服务队",
        "郭亮社区志愿服务站",
        "汴河社区志愿服务站",
    ]
    assert _names(root) == MY_STREET_NAMES
    assert OTHER_STREET not in response.content.decode()
    assert data["totals"] == [0, 0, 2, 4]
    assert [level["value"] for level in data["levels"]] == [2, 3, 4, 5]
    assert data["kinds"]["service_station"] == "志愿服务站"


def test_outsider_gets_their_own_street_only(login, outsider) -> None:
    data = login(outsider).get("/organizations/chart/data/").json()
    assert data["root"]["name"] == OTHER_STREET
    assert all("岳阳楼" not in name and "郭亮" not in name for name in _names(data["root"]))


def test_management_area_admin_sees_the_area_only(login, etdz_admin) -> None:
    data = login(etdz_admin).get("/organizations/chart/data/").json()
    root = data["root"]
    assert root["name"] == "岳阳经济技术开发区发展志愿服务事业指导委员会"
    assert root["area"] is True
    assert root["counts"] == [0, 3, 2, 4]
    assert "岳阳楼区发展志愿服务事业指导委员会" not in _names(root)


def test_user_without_roles_gets_an_empty_chart(login, nobody) -> None:
    data = login(nobody).get("/organizations/chart/data/").json()
    assert data["root"] is None
    assert data["totals"] == [0, 0, 0, 0]


def test_inactive_organisation_is_marked(login, street_admin, org) -> None:
    station = org("430602001001-ST")
    station.is_active = False
    station.save(update_fields=["is_active"])
    root = login(street_admin).get("/organizations/chart/data/").json()["root"]
    stations = {child["name"]: child for child in root["children"]}
    assert stations["郭亮社区志愿服务站"]["inactive"] is True
    assert "inactive" not in stations["汴河社区志愿服务站"]


@pytest.mark.parametrize("persona", ["city_admin", "street_admin", "staff"])
def test_chart_data_takes_a_constant_number_of_queries(
    persona: str, login, request, django_assert_max_num_queries
) -> None:
    client = login(request.getfixturevalue(persona))
    # session, user, roles and their ancestors (the scope), organisations; the session save (3)
    with django_assert_max_num_queries(8):
        assert client.get("/organizations/chart/data/").status_code == 200


def test_chart_page_shows_totals_and_serves_echarts_locally(login, street_admin) -> None:
    page = login(street_admin).get("/organizations/chart/").content.decode()
    assert "<li>街道（乡镇）级 <b>2</b></li>" in page
    assert "<li>社区（村）级 <b>4</b></li>" in page
    assert 'data-url="/organizations/chart/data/"' in page
    assert f'data-png-name="组织体系图-{timezone.localdate():%Y%m%d}"' in page
    assert '<script src="/static/vendor/echarts/dist/echarts.min.js"></script>' in page
    assert "http://" not in page.replace('"http://www.w3.org', "")
    assert 'href="/organizations/chart/pdf/"' in page


def test_city_pdf_lists_the_tree_down_to_streets(login, city_admin, tmp_path) -> None:
    response = login(city_admin).get("/organizations/chart/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    name = f"组织体系图-{timezone.localdate():%Y%m%d}.pdf"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"
    text = _pdf_text(response.content, tmp_path)
    for expected in (
        "岳阳市发展志愿服务事业指导委员会",
        "岳阳楼区发展志愿服务事业指导委员会",
        "岳阳经济技术开发区发展志愿服务事业指导委员会",
        MY_STREET,
        OTHER_STREET,
        "长岭街道志愿服务中心",
    ):
        assert expected in text
    # community-level organisations appear as counts (stations / teams), not as rows
    assert "郭亮社区志愿服务站" not in text
    street_row = next(line for line in text.splitlines() if MY_STREET in line)
    assert street_row.split()[-3:] == ["2", "4", "2/2"]  # street, community, stations/teams


def test_street_pdf_lists_its_communities_and_nothing_outside(
    login, street_admin, tmp_path
) -> None:
    response = login(street_admin).get("/organizations/chart/pdf/")
    text = _pdf_text(response.content, tmp_path)
    for name in MY_STREET_NAMES:
        assert name in text
    assert OTHER_STREET not in text
    assert "三眼桥" not in text
    assert "岳阳楼区发展志愿服务事业指导委员会" not in text


def test_pdf_with_a_missing_configured_font_names_it(
    login, street_admin, settings, fonts_found_again
) -> None:
    settings.PDF_FONT_PATH = "/nonexistent/font.ttf"
    response = login(street_admin).get("/organizations/chart/pdf/")
    assert response.status_code == 503
    page = response.content.decode()
    assert "PDF_FONT_PATH" in page
    assert "/nonexistent/font.ttf" in page


def test_pdf_prints_rare_characters_of_names_with_the_projects_own_font(
    login, city_admin, settings, tmp_path
) -> None:
    settings.PDF_FONT_PATH = ""
    settings.PDF_FALLBACK_FONT_PATH = ""
    settings.PDF_SYSTEM_FONTS = False  # as on a machine with no Chinese font package
    WorkUnitFactory(name="王𠮷刘䶮实业有限公司", parent=Organization.objects.get(code="430602-GC"))
    response = login(city_admin).get("/organizations/chart/pdf/")
    assert response.status_code == 200
    assert "王𠮷刘䶮实业有限公司" in _pdf_text(response.content, tmp_path)


def test_chart_data_is_compressed_for_browsers_that_accept_it(login, city_admin) -> None:
    response = login(city_admin).get("/organizations/chart/data/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content).decode().count('"name": ') == 36


def test_pdf_of_a_user_without_roles_says_so(login, nobody, tmp_path) -> None:
    response = login(nobody).get("/organizations/chart/pdf/")
    assert response.status_code == 200
    text = _pdf_text(response.content, tmp_path)
    assert "您的范围内没有组织。" in text
    assert "志愿服务中心" not in text
