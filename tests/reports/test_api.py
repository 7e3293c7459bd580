"""Attachment 3 over the API: the same rows as the page, scoped by the access layer."""

from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from knox.models import AuthToken

from tests.reports.conftest import CITY, STREET_CENTRE, Fixture
from tests.reports.readback import page_table
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
