"""Divisions over the API: reference data for every logged-in user, and nobody else."""

import pytest
from django.test import Client

from zhiyuan.accounts.models import User
from zhiyuan.divisions.models import Division

pytestmark = pytest.mark.django_db

URL = "/api/v1/divisions/"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


@pytest.fixture
def client_(api, outsider: User) -> Client:
    """Any logged-in user sees all divisions: the outsider is as good as anyone."""
    return api(outsider)


@pytest.fixture
def abolished() -> Division:
    return Division.objects.create(
        code="430602003000",
        name="已撤销街道",
        level=4,
        parent_id="430602000000",
        year=2020,
        abolished=True,
    )


@pytest.mark.parametrize("url", [URL, f"{URL}430602000000/", f"{URL}430602000000/children/"])
def test_divisions_need_a_log_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 401
    assert "results" not in response.json()


def test_list_in_code_order_without_abolished(client_: Client, abolished: Division) -> None:
    response = client_.get(URL, {"limit": 3})
    body = response.json()
    assert body["count"] == 16
    assert body["results"] == [
        {
            "code": "430000000000",
            "name": "湖南省",
            "level": 1,
            "parent": None,
            "source": "stats-gov",
            "year": 2023,
            "abolished": False,
        },
        {
            "code": "430600000000",
            "name": "岳阳市",
            "level": 2,
            "parent": "430000000000",
            "source": "stats-gov",
            "year": 2023,
            "abolished": False,
        },
        {
            "code": "430602000000",
            "name": "岳阳楼区",
            "level": 3,
            "parent": "430600000000",
            "source": "stats-gov",
            "year": 2023,
            "abolished": False,
        },
    ]
    assert body["next"] == "http://testserver/api/v1/divisions/?limit=3&offset=3"
    assert body["previous"] is None


def test_filters(client_: Client, abolished: Division) -> None:
    assert codes(client_.get(URL, {"level": 3})) == ["430602000000", "430603000000"]
    assert codes(client_.get(URL, {"parent": "430602000000"})) == [
        "430602001000",
        "430602002000",
        "430602402000",
    ]
    assert codes(client_.get(URL, {"parent": "430602000000", "include_abolished": "true"})) == [
        "430602001000",
        "430602002000",
        "430602003000",
        "430602402000",
    ]
    assert codes(client_.get(URL, {"q": "430603"})) == [
        "430603000000",
        "430603001000",
        "430603001002",
        "430603001003",
    ]
    assert codes(client_.get(URL, {"q": "社区", "level": 5, "parent": "430602001000"})) == [
        "430602001001",
        "430602001002",
    ]
    assert codes(client_.get(URL, {"q": "撤销"})) == []
    assert codes(client_.get(URL, {"q": "撤销", "include_abolished": "1"})) == ["430602003000"]


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"level": "9"}, {"level": ['"9" is not a valid choice.']}),
        ({"parent": "4306"}, {"parent": ["Enter a 12-digit division code."]}),
        ({"include_abolished": "maybe"}, {"include_abolished": ["Must be a valid boolean."]}),
        ({"q": "x" * 101}, {"q": ["Ensure this field has no more than 100 characters."]}),
        ({"q": "岳\x00"}, {"q": ["Null characters are not allowed."]}),
        ({"limit": "0"}, {"limit": ["Enter a whole number from 1 to 200."]}),
        ({"limit": "many"}, {"limit": ["Enter a whole number from 1 to 200."]}),
        ({"offset": "-1"}, {"offset": ["Enter a whole number from 0 to 1000000000."]}),
        ({"offset": "9" * 30}, {"offset": ["Enter a whole number from 0 to 1000000000."]}),
    ],
)
def test_bad_filters_are_400(client_: Client, params: dict[str, str], errors: dict) -> None:
    response = client_.get(URL, params)
    assert response.status_code == 400
    assert response.json() == errors


def test_detail_by_code_includes_abolished(client_: Client, abolished: Division) -> None:
    assert client_.get(f"{URL}430602001001/").json() == {
        "code": "430602001001",
        "name": "郭亮社区",
        "level": 5,
        "parent": "430602001000",
        "source": "stats-gov",
        "year": 2023,
        "abolished": False,
    }
    assert client_.get(f"{URL}430602003000/").json()["abolished"] is True


@pytest.mark.parametrize("code", ["430602009000", "4306", "43060200100x", "430602001001x"])
def test_unknown_or_malformed_code_is_a_json_404(client_: Client, code: str) -> None:
    for url in (f"{URL}{code}/", f"{URL}{code}/children/"):
        response = client_.get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_children(client_: Client, abolished: Division) -> None:
    url = f"{URL}430602000000/children/"
    assert codes(client_.get(url)) == ["430602001000", "430602002000", "430602402000"]
    with_abolished = client_.get(url, {"include_abolished": "yes"})
    assert codes(with_abolished) == [
        "430602001000",
        "430602002000",
        "430602003000",
        "430602402000",
    ]
    assert client_.get(url, {"include_abolished": "perhaps"}).status_code == 400


# Token authentication takes 2 queries (the token, the user's other tokens to expire).
@pytest.mark.parametrize(("url", "queries"), [(URL, 4), (f"{URL}430602001000/children/", 5)])
def test_list_queries_stay_constant(
    client_: Client, url: str, queries: int, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(queries):
        assert client_.get(url).status_code == 200
    Division.objects.bulk_create(
        Division(
            code=f"430602001{n:03d}",
            name=f"新社区{n}",
            level=5,
            parent_id="430602001000",
            year=2024,
        )
        for n in range(100, 160)
    )
    with django_assert_max_num_queries(queries):
        response = client_.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 50
