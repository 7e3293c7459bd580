"""Reporting rounds over the API: the same services as the pages, scoped by the access layer."""

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken

from tests.reports.conftest import CITY, STREET_CENTRE, Fixture
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import selectors
from zhiyuan.reports.rounds.models import ReportingRound, Submission

pytestmark = pytest.mark.django_db

ROUNDS = "/api/v1/reporting-rounds/"
SUBMISSIONS = "/api/v1/report-submissions/"


def token_client(user: User) -> Client:
    _, token = AuthToken.objects.create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")


def _pk(code: str) -> int:
    return Organization.objects.get(code=code).pk


def _round_body(**changes: object) -> dict[str, object]:
    today = selectors.local_today()
    return {
        "organization": _pk(CITY),
        "title": "六月报表",
        "tables": ["attachment3"],
        "reference_date": today.isoformat(),
        "due_date": (today + timedelta(days=10)).isoformat(),
        "submitter_level": "streets",
    } | changes


@pytest.fixture
def opened(targets: Fixture, city_admin: User) -> dict:
    response = token_client(city_admin).post(ROUNDS, _round_body(), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_city_opens_a_round_and_sees_every_street(opened: dict) -> None:
    assert opened["title"] == "六月报表"
    assert opened["summary"] == {"expected": 4, "on_time": 0, "late": 0, "missing": 4}
    assert sorted(m["organization"]["code"] for m in opened["members"]) == [
        "430602001-SC",
        "430602002-SC",
        "430602402-SC",
        "430603001-SC",
    ]
    assert {m["state"] for m in opened["members"]} == {"missing"}
    assert opened["submittable"] == []


def test_a_street_submits_and_withdraws_over_the_api(
    opened: dict, street_admin: User, city_admin: User, registrar: User
) -> None:
    street = token_client(street_admin)
    mine = street.get(f"{ROUNDS}{opened['id']}/").json()
    assert [m["organization"]["code"] for m in mine["members"]] == [STREET_CENTRE]
    assert [o["code"] for o in mine["submittable"]] == [STREET_CENTRE]
    made = street.post(
        f"{ROUNDS}{opened['id']}/submit/",
        {"organization": _pk(STREET_CENTRE)},
        content_type="application/json",
    )
    assert made.status_code == 201
    body = made.json()
    assert (body["sequence"], body["status"], body["late"]) == (1, "submitted", False)
    (table,) = body["tables"]
    assert table["kind"] == "attachment3"
    guoliang = next(r for r in table["table"]["rows"] if r["cells"][0] == "郭亮社区")
    assert guoliang["values"]["registered"] == 2
    pdf = street.get(f"{SUBMISSIONS}{body['id']}/file/", {"table": "attachment3", "type": "pdf"})
    assert pdf.status_code == 200
    assert hashlib.sha256(pdf.content).hexdigest() == table["pdf_sha256"]
    # Live data change; the submission does not, and says how many cells now differ.
    people.registered(registrar, through=people.STATION)
    detail = street.get(f"{SUBMISSIONS}{body['id']}/").json()
    frozen = next(r for r in detail["tables"][0]["table"]["rows"] if r["cells"][0] == "郭亮社区")
    assert frozen["values"]["registered"] == 2
    # 郭亮社区: counted, gap, completion; the street's total row: counted, gap, completion.
    assert detail["tables"][0]["live_differences"] == 6
    city = token_client(city_admin).get(f"{ROUNDS}{opened['id']}/").json()
    assert city["summary"] == {"expected": 4, "on_time": 1, "late": 0, "missing": 3}
    withdrawn = street.post(
        f"{SUBMISSIONS}{body['id']}/withdraw/", {"reason": "重报"}, content_type="application/json"
    )
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["withdrawal_reason"] == "重报"
    listed = token_client(city_admin).get(SUBMISSIONS, {"round": opened["id"]}).json()
    assert [(s["sequence"], s["status"]) for s in listed["results"]] == [(1, "withdrawn")]


def test_opening_with_bad_input_answers_400_and_writes_nothing(
    targets: Fixture, city_admin: User
) -> None:
    client = token_client(city_admin)
    tomorrow = (selectors.local_today() + timedelta(days=1)).isoformat()
    answer = client.post(
        ROUNDS, _round_body(reference_date=tomorrow), content_type="application/json"
    )
    assert (answer.status_code, answer.json()) == (
        400,
        {"reference_date": ["The reference date cannot be in the future."]},
    )
    unknown = client.post(
        ROUNDS, _round_body(tables=["attachment9"]), content_type="application/json"
    )
    assert unknown.status_code == 400 and list(unknown.json()) == ["tables"]
    assert not ReportingRound.objects.exists()


def test_a_street_may_not_open_a_round(targets: Fixture, street_admin: User) -> None:
    answer = token_client(street_admin).post(
        ROUNDS, _round_body(organization=_pk(STREET_CENTRE)), content_type="application/json"
    )
    assert answer.status_code == 403
    assert answer.json() == {"detail": "Only the administrators of a city open reporting rounds."}


def test_others_cannot_submit_for_a_street_nor_see_its_submission(
    opened: dict, street_admin: User, outsider: User, registrar: User
) -> None:
    body = {"organization": _pk(STREET_CENTRE)}
    for user in (outsider, registrar):
        answer = token_client(user).post(
            f"{ROUNDS}{opened['id']}/submit/", body, content_type="application/json"
        )
        assert answer.status_code == 404
    made = token_client(street_admin).post(
        f"{ROUNDS}{opened['id']}/submit/", body, content_type="application/json"
    )
    pk = made.json()["id"]
    other = token_client(outsider)
    assert other.get(f"{SUBMISSIONS}{pk}/").status_code == 404
    query = {"table": "attachment3", "type": "xlsx"}
    assert other.get(f"{SUBMISSIONS}{pk}/file/", query).status_code == 404
    assert other.post(f"{SUBMISSIONS}{pk}/withdraw/").status_code == 404
    assert other.get(SUBMISSIONS).json()["results"] == []
    nobody = token_client(User.objects.get(username="nobody"))
    assert nobody.get(f"{ROUNDS}{opened['id']}/").status_code == 404
    assert nobody.get(ROUNDS).json()["results"] == []
    assert Submission.objects.count() == 1


def test_the_round_list_costs_the_same_queries_however_many_rounds(
    opened: dict, city_admin: User, street_admin: User
) -> None:
    """Each round's summary counts its own submissions (a street's in one round is not counted
    in another), read for the whole page at once."""
    city = token_client(city_admin)
    submitted = token_client(street_admin).post(
        f"{ROUNDS}{opened['id']}/submit/",
        {"organization": _pk(STREET_CENTRE)},
        content_type="application/json",
    )
    assert submitted.status_code == 201, submitted.content

    def listed() -> tuple[int, list[dict]]:
        with CaptureQueriesContext(connection) as captured:
            response = city.get(ROUNDS)
        assert response.status_code == 200
        return len(captured), [r["summary"] for r in response.json()["results"]]

    queries, summaries = listed()
    assert summaries == [{"expected": 4, "on_time": 1, "late": 0, "missing": 3}]
    for title in ("七月报表", "八月报表"):
        body = _round_body(title=title)
        assert city.post(ROUNDS, body, content_type="application/json").status_code == 201
    more, summaries = listed()
    assert summaries == [{"expected": 4, "on_time": 0, "late": 0, "missing": 4}] * 2 + [
        {"expected": 4, "on_time": 1, "late": 0, "missing": 3}
    ]
    assert more == queries
