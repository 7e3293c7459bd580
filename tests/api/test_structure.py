"""Standard structure and management areas over the API."""

import pytest
from rest_framework.test import APIClient

from zhiyuan.divisions.models import Division
from zhiyuan.organizations.models import Organization

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_city_admin_builds_the_structure(city_admin, org) -> None:
    Division.objects.create(
        code="430602001099", name="新建社区居民委员会", level=5, parent_id="430602001000", year=2024
    )
    response = _client(city_admin).post(
        f"/api/v1/organizations/{org('4306-GC').pk}/build-structure/"
    )
    assert response.status_code == 200
    assert response.json() == {
        "created": {"service_station": 1, "service_team": 1},
        "total_created": 2,
        "moved": 0,
    }


def test_building_from_a_station_is_a_400(street_admin, org) -> None:
    response = _client(street_admin).post(
        f"/api/v1/organizations/{org('430602001001-ST').pk}/build-structure/"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": [
            "The standard structure is built from the guidance committee of a city or county."
        ]
    }


@pytest.mark.parametrize("persona", ["district_admin", "street_admin", "outsider", "viewer"])
def test_others_cannot_build_the_city(persona: str, org, request) -> None:
    before = Organization.objects.count()
    client = _client(request.getfixturevalue(persona))
    city = org("4306-GC").pk
    assert client.post(f"/api/v1/organizations/{city}/build-structure/").status_code == 404
    body = {"name": "南湖风景区", "code": "NHFJQ", "townships": ["430603001000"]}
    assert (
        client.post(
            f"/api/v1/organizations/{city}/management-areas/", body, format="json"
        ).status_code
        == 404
    )
    assert Organization.objects.count() == before


def test_city_admin_adds_a_management_area(city_admin, org) -> None:
    body = {"name": "南湖风景区", "code": "NHFJQ", "townships": ["430603001000"]}
    response = _client(city_admin).post(
        f"/api/v1/organizations/{org('4306-GC').pk}/management-areas/", body, format="json"
    )
    assert response.status_code == 201
    assert response.json()["code"] == "NHFJQ-GC"
    assert response.json()["jurisdiction"] == ["430603001000"]
    assert Organization.objects.get_parent(org("430603001-SC")).code == "NHFJQ-GC"


def test_management_area_with_a_village_code_is_a_400(city_admin, org) -> None:
    body = {"name": "某区", "code": "MQ", "townships": ["430602001001"]}
    response = _client(city_admin).post(
        f"/api/v1/organizations/{org('4306-GC').pk}/management-areas/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"townships": ["Not a township of 岳阳市: 430602001001."]}
    assert not Organization.objects.filter(code="MQ-GC").exists()
