"""The division search page: public reference data, for logged-in users only."""

import pytest
from django.test import Client

from zhiyuan.accounts.models import User
from zhiyuan.divisions.models import Division

pytestmark = pytest.mark.django_db
URL = "/divisions/search/"


def codes(response) -> list[str]:
    return [division.code for division in response.context["results"]]


def test_search_requires_log_in(client: Client) -> None:
    response = client.get(URL, {"q": "岳阳"})
    assert response.status_code == 302
    assert (
        response["Location"]
        == "/accounts/login/?next=/divisions/search/%3Fq%3D%25E5%25B2%25B3%25E9%2598%25B3"
    )
    assert "岳阳".encode() not in response.content


def test_search_by_name(login, nobody: User) -> None:
    response = login(nobody).get(URL, {"q": "社区"})
    assert response.status_code == 200
    assert codes(response) == [
        "430602001001",
        "430602001002",
        "430602002001",
        "430602002002",
        "430603001002",
        "430603001003",
    ]
    assert "郭亮社区" in response.content.decode()


def test_search_by_code_prefix(login, outsider: User) -> None:
    response = login(outsider).get(URL, {"q": "430602002"})
    assert codes(response) == ["430602002000", "430602002001", "430602002002"]
    page = response.content.decode()
    assert "三眼桥街道" in page
    assert "郭亮社区" not in page


def test_abolished_division_is_marked(login, nobody: User) -> None:
    Division.objects.filter(code="430602002001").update(abolished=True)
    page = login(nobody).get(URL, {"q": "430602002001"}).content.decode()
    assert '桃花山社区 <span class="badge off">' in page


def test_empty_query_shows_no_results(login, nobody: User) -> None:
    response = login(nobody).get(URL, {"q": "  "})
    assert response.status_code == 200
    assert codes(response) == []


def test_results_are_limited_to_50(login, nobody: User) -> None:
    Division.objects.bulk_create(
        Division(
            code=f"430603001{n:03d}", name=f"新村{n}", level=5, parent_id="430603001000", year=2023
        )
        for n in range(100, 160)
    )
    response = login(nobody).get(URL, {"q": "新村"})
    assert len(codes(response)) == 50


def test_search_query_count(login, nobody: User, django_assert_max_num_queries) -> None:
    client = login(nobody)
    # session, user, one query for all results; the session is saved on every request
    # (savepoint, update, release) for the idle time-out.
    with django_assert_max_num_queries(7):
        response = client.get(URL, {"q": "4306"})
    assert len(codes(response)) == 15
