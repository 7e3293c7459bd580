"""The statistics tables over the API: the same rows as the page, scoped by the access layer."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from knox.models import AuthToken

from tests.reports.conftest import CITY, STREET_CENTRE, Fixture
from tests.reports.readback import page_table
from tests.reports.statistics import Statistics
from zhiyuan.accounts.models import User
from zhiyuan.organizations.models import Organization

URL = "/api/v1/reports/attachment3/"


def token_client(user: User) -> Client:
    _, token = AuthToken.objects.create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")


def test_the_api_gives_the_rows_of_the_page(
    targets: Fixture, city_admin: User, login_en: Callable[[User], Client]
) -> None:
    city = Organization.objects.get(code=CITY)
    body = token_client(city_admin).get(URL, {"organization": city.pk}).json()
    page = login_en(city_admin).get("/reports/attachment3/", {"org": CITY})
    header, rows = page_table(page.content.decode())
    assert [column["heading"] for column in body["columns"]] == header
    assert [row["cells"] for row in body["rows"]] == rows
    school = next(row for row in body["rows"] if row["organization"] == targets.school.pk)
    assert school["values"] == {
        "unit": "市一中",
        "category": "Civilised unit, school or university",
        "headcount": 114,
        "rate": "70",
        "target": 80,
        "registered": 1,
        "pending": 1,
        "gap": 79,
        "completion": "1.3",
    }
    assert body["rows"][-1]["kind"] == "area"
    assert body["organization"] == {"id": city.pk, "code": CITY, "name": city.name}
    assert body["reference_date"] == targets.today.isoformat()


def test_the_api_defaults_to_the_callers_area_and_refuses_what_it_does_not_cover(
    targets: Fixture, outsider: User
) -> None:
    client = token_client(outsider)
    own = client.get(URL).json()
    assert own["organization"]["code"] == "430602002-SC"
    assert "市一中" not in str(own)
    for code in (CITY, STREET_CENTRE):
        refused = client.get(URL, {"organization": Organization.objects.get(code=code).pk})
        assert refused.status_code == 404
        assert "市一中" not in refused.content.decode()


def test_the_api_refuses_a_future_date(targets: Fixture, city_admin: User) -> None:
    tomorrow = (targets.today + timedelta(days=1)).isoformat()
    response = token_client(city_admin).get(URL, {"date": tomorrow})
    assert response.status_code == 400
    assert response.json() == {"date": ["The reference date cannot be in the future."]}
    assert token_client(city_admin).get(URL, {"date": "yesterday"}).status_code == 400


def test_the_api_needs_a_log_in(targets: Fixture) -> None:
    assert Client().get(URL).status_code == 401


@pytest.mark.parametrize("number", [5, 6, 7])
def test_the_api_gives_each_new_tables_rows_of_the_page(
    number: int,
    statistics: Statistics,
    street_admin: User,
    outsider: User,
    login_en: Callable[[User], Client],
) -> None:
    street = Organization.objects.get(code=STREET_CENTRE)
    url = f"/api/v1/reports/attachment{number}/"
    body = token_client(street_admin).get(url, {"organization": street.pk}).json()
    page = login_en(street_admin).get(f"/reports/attachment{number}/", {"org": STREET_CENTRE})
    header, rows = page_table(page.content.decode())
    assert [column["heading"] for column in body["columns"]] == header
    assert [row["cells"] for row in body["rows"]] == rows
    assert body["number"] == number
    assert body["rows"][-1]["kind"] == "total"
    refused = token_client(outsider).get(url, {"organization": street.pk})
    assert refused.status_code == 404
    assert "郭亮" not in refused.content.decode()
    assert "郭亮" not in token_client(outsider).get(url).content.decode()


def test_the_api_gives_numbers_as_numbers_and_hours_as_exact_text(
    statistics: Statistics, street_admin: User
) -> None:
    street = Organization.objects.get(code=STREET_CENTRE).pk
    client = token_client(street_admin)
    five = client.get("/api/v1/reports/attachment5/", {"organization": street}).json()
    guoliang = next(row for row in five["rows"] if row["cells"][0] == "郭亮社区")
    assert (guoliang["values"]["registered"], guoliang["values"]["share"]) == (6, "0.6")
    six = client.get("/api/v1/reports/attachment6/", {"organization": street}).json()
    station = six["rows"][0]["values"]
    assert (station["item_place"], station["item_projects"], station["hours"]) == (
        "No",
        "Yes",
        "4.25",
    )
    seven = client.get("/api/v1/reports/attachment7/", {"organization": street}).json()
    assert seven["rows"][0]["values"]["item_rules"] is None  # never assessed
    assert seven["rows"][0]["values"]["contact"] == "138****8000"
