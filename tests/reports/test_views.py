"""The targets' pages: scoped by the access layer (another street's units are absent, their
pages 404), bad input answered with a message, figures recorded and audited."""

from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.utils import translation

from tests.reports.conftest import CITY, STREET_CENTRE, Fixture
from tests.reports.readback import page_table
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization
from zhiyuan.reports.models import Headcount, ResidentPopulation

Login = Callable[[User], Client]


def test_a_street_sees_its_own_table_by_default(
    targets: Fixture, street_admin: User, login_en: Login
) -> None:
    response = login_en(street_admin).get("/reports/attachment3/")
    assert response.status_code == 200
    _header, rows = page_table(response.content.decode())
    assert [row[0] for row in rows] == ["郭亮社区", "汴河社区", "市一中", rows[-1][0]]
    assert rows[-1][4:] == ["245", "3", "2", "242", "1.2%"]


def test_a_street_cannot_open_the_city_or_another_street(
    targets: Fixture, outsider: User, login_en: Login
) -> None:
    client = login_en(outsider)
    for org in (CITY, STREET_CENTRE):
        response = client.get("/reports/attachment3/", {"org": org})
        assert "市一中" not in response.content.decode()
        assert "statistics-table" not in response.content.decode()
        assert client.get("/reports/attachment3.xlsx", {"org": org}).status_code == 400
    assert client.get(f"/reports/units/{targets.school.pk}/").status_code == 404
    own = client.get("/reports/attachment3/").content.decode()
    assert "无人数公司" in own and "市一中" not in own


def test_a_future_or_malformed_date_is_refused_with_a_message(
    targets: Fixture, city_admin: User, login_en: Login
) -> None:
    client = login_en(city_admin)
    tomorrow = (targets.today + timedelta(days=1)).isoformat()
    with translation.override("en"):
        for value, message in (
            (tomorrow, "The reference date cannot be in the future."),
            ("2026-13-01", "Enter the date as YYYY-MM-DD."),
        ):
            response = client.get("/reports/attachment3/", {"date": value})
            assert response.status_code == 400
            assert message in response.content.decode()
            pdf = client.get("/reports/attachment3.pdf", {"date": value})
            assert (pdf.status_code, pdf["Content-Type"]) == (400, "text/html; charset=utf-8")


def test_an_administrator_records_a_headcount_with_a_warning_below_the_counted(
    targets: Fixture, street_admin: User, login_en: Login
) -> None:
    client = login_en(street_admin)
    with translation.override("en"):
        response = client.post(
            f"/reports/units/{targets.school.pk}/headcount/",
            {"headcount": "0", "valid_from": targets.today.isoformat(), "source": "人事报表"},
            follow=True,
        )
    assert response.status_code == 200
    assert "below the 1 registered volunteers" in response.content.decode()
    row = Headcount.objects.get(organization=targets.school, valid_from=targets.today)
    assert (row.headcount, row.source, row.recorded_by) == (0, "人事报表", street_admin)
    entry = AuditEntry.objects.get(action="reports.headcount.recorded")
    assert entry.data == {
        "headcount": 0,
        "valid_from": targets.today.isoformat(),
        "previous": 114,
        "data_source": "人事报表",
    }


def test_a_negative_or_non_numeric_headcount_is_refused_and_nothing_is_written(
    targets: Fixture, street_admin: User, login_en: Login
) -> None:
    client = login_en(street_admin)
    url = f"/reports/units/{targets.school.pk}/headcount/"
    for value, message in (
        ("-5", "A headcount or population cannot be negative."),
        ("十二", "Enter a whole number, e.g. 120."),
        ("12.5", "Enter a whole number, e.g. 120."),
    ):
        response = client.post(url, {"headcount": value, "valid_from": targets.today.isoformat()})
        assert response.status_code == 400
        assert message in response.content.decode(), value
    assert Headcount.objects.filter(organization=targets.school).count() == 2
    assert not AuditEntry.objects.filter(action="reports.headcount.recorded").exists()


def test_a_viewer_cannot_record_a_headcount(
    targets: Fixture, viewer: User, login_en: Login
) -> None:
    response = login_en(viewer).post(
        f"/reports/units/{targets.school.pk}/headcount/",
        {"headcount": "200", "valid_from": targets.today.isoformat()},
    )
    assert response.status_code == 403
    assert Headcount.objects.filter(organization=targets.school).count() == 2


def test_a_community_records_its_population_not_a_headcount(
    targets: Fixture, street_admin: User, login_en: Login
) -> None:
    station = Organization.objects.get(code="430602001002-ST")
    client = login_en(street_admin)
    page = client.get(f"/reports/units/{station.pk}/").content.decode()
    assert 'id="populations"' in page and 'id="headcounts"' not in page
    response = client.post(
        f"/reports/units/{station.pk}/population/",
        {"division": "430602001002", "population": "120", "valid_from": targets.today.isoformat()},
    )
    assert response.status_code == 302
    assert (
        ResidentPopulation.objects.get(
            division_id="430602001002", valid_from=targets.today
        ).population
        == 120
    )
    refused = client.post(
        f"/reports/units/{station.pk}/headcount/",
        {"headcount": "120", "valid_from": targets.today.isoformat()},
    )
    assert refused.status_code == 400
    assert not Headcount.objects.filter(organization=station).exists()


def test_only_the_city_administrator_sets_the_rates(
    targets: Fixture, city_admin: User, district_admin: User, login_en: Login
) -> None:
    city = Organization.objects.get(code=CITY)
    form = {
        "party_government": "60",
        "enterprise_institution": "50",
        "civilised_unit_school": "75",
        "civilised_village": "15",
        "city": "10",
        "built_up_area": "430602000000 430603000000",
    }
    assert login_en(district_admin).post(f"/reports/policy/{city.pk}/", form).status_code == 404
    assert login_en(city_admin).post(f"/reports/policy/{city.pk}/", form).status_code == 302
    entry = AuditEntry.objects.filter(action="reports.target_policy.changed").latest("pk")
    assert entry.data == {
        "changed": {"civilised_unit_school": ["70.00", "75"]},
        "built_up_area": ["430602000000", "430603000000"],
    }
    with translation.override("en"):
        bad = login_en(city_admin).post(
            f"/reports/policy/{city.pk}/",
            {**form, "city": "110", "built_up_area": "430602000000 430602001000"},
        )
    assert bad.status_code == 400
    assert "A rate is a percentage from 0 to 100." in bad.content.decode()


def test_the_built_up_area_refuses_a_division_inside_another(
    targets: Fixture, city_admin: User, login_en: Login
) -> None:
    city = Organization.objects.get(code=CITY)
    form = {
        "party_government": "60",
        "enterprise_institution": "50",
        "civilised_unit_school": "70",
        "civilised_village": "15",
        "city": "10",
        "built_up_area": "430602000000 430602001000",
    }
    entries = AuditEntry.objects.filter(action="reports.target_policy.changed")
    before = entries.count()
    bad = login_en(city_admin).post(f"/reports/policy/{city.pk}/", form)
    assert bad.status_code == 400
    assert "lies inside another division of the area" in bad.content.decode()
    assert entries.count() == before


def test_the_organisations_page_links_to_its_target(
    targets: Fixture, street_admin: User, login_en: Login
) -> None:
    client = login_en(street_admin)
    page = client.get(f"/organizations/{targets.school.pk}/").content.decode()
    assert f'href="/reports/units/{targets.school.pk}/" id="registration-target"' in page
    target = client.get(f"/reports/units/{targets.school.pk}/").content.decode()
    assert '<dd id="unit-target">80</dd>' in target
    assert '<dd id="unit-registered">1</dd>' in target
    centre = Organization.objects.get(code=STREET_CENTRE)
    assert "registration-target" not in client.get(f"/organizations/{centre.pk}/").content.decode()
