"""Priority help over the API: the queue, a call entered by phone, take (one taker), the outcome
with the helpers' hours, response times; the volunteer's own requests with a volunteer token;
other areas get 404, roles that may not act get 403, nothing written."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from knox.models import AuthToken

from tests.assistance.conftest import GUOLIANG, STATION, TEAM
from tests.hours.conftest import days_ago
from zhiyuan.accounts.models import User
from zhiyuan.assistance.enums import HelpStatus
from zhiyuan.assistance.models import HelpRequest
from zhiyuan.hours.models import HourRecord
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def api(user: User) -> Client:
    _, token = AuthToken.objects.create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")


def volunteer_api(volunteer: Volunteer) -> Client:
    from zhiyuan.api.volunteer_auth import issue_token

    token = issue_token(volunteer.mobile_digest)
    return Client(HTTP_AUTHORIZATION=f"Volunteer {token}", HTTP_ACCEPT_LANGUAGE="en")


BODY = {
    "kind": "escort",
    "division": GUOLIANG,
    "address": "郭亮社区5栋101",
    "urgency": 3,
}


def test_the_volunteer_asks_lists_and_withdraws_over_the_api(volunteer: Volunteer) -> None:
    client = volunteer_api(volunteer)
    made = client.post(
        "/api/v1/volunteer/help-requests/",
        {**BODY, "volunteer": volunteer.pk},
        content_type="application/json",
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["status"], body["urgency"], body["station"]["code"]) == ("open", 3, STATION)
    request = HelpRequest.objects.get()
    assert (request.channel, request.priority) == ("app", True)
    listed = client.get("/api/v1/volunteer/help-requests/").json()
    assert [item["id"] for item in listed] == [request.pk]
    withdrawn = client.post(f"/api/v1/volunteer/help-requests/{request.pk}/withdraw/")
    assert withdrawn.json()["status"] == "withdrawn"


def test_the_volunteer_api_refuses_bad_input_with_specific_errors(volunteer: Volunteer) -> None:
    client = volunteer_api(volunteer)
    answer = client.post(
        "/api/v1/volunteer/help-requests/",
        {**BODY, "volunteer": volunteer.pk, "division": "430602000000", "urgency": 7},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert set(answer.json()) >= {"urgency"}
    answer = client.post(
        "/api/v1/volunteer/help-requests/",
        {**BODY, "volunteer": volunteer.pk, "division": "430602000000"},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert "division" in answer.json()
    assert HelpRequest.objects.count() == 0


def test_a_volunteer_token_reaches_only_its_own_registrations(
    volunteer: Volunteer, registered: Callable[..., Volunteer], registrar: User
) -> None:
    other = registered(registrar)
    answer = volunteer_api(volunteer).post(
        "/api/v1/volunteer/help-requests/",
        {**BODY, "volunteer": other.pk},
        content_type="application/json",
    )
    assert answer.status_code == 404
    assert HelpRequest.objects.count() == 0


def test_the_office_enters_a_call_and_a_leader_takes_it_and_records_the_outcome(
    volunteer: Volunteer,
    registrar: User,
    team_leader: User,
    street_admin: User,
    helpers: list[Volunteer],
    help_activity,
) -> None:
    made = api(registrar).post(
        "/api/v1/help-requests/",
        {**BODY, "volunteer": volunteer.pk, "asked_by_name": "王芳", "asked_by_relation": "妻子"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert made.json()["mobile"] == f"{volunteer.mobile[:3]}****{volunteer.mobile[-4:]}"
    queue = api(team_leader).get("/api/v1/help-requests/").json()
    assert [item["id"] for item in queue["results"]] == [pk]
    taken = api(team_leader).post(f"/api/v1/help-requests/{pk}/take/")
    assert taken.status_code == 200 and taken.json()["taken_for"]["code"] == TEAM
    again = api(street_admin).post(f"/api/v1/help-requests/{pk}/take/")
    assert again.status_code == 400
    start = days_ago(1, 9)
    done = api(team_leader).post(
        f"/api/v1/help-requests/{pk}/outcome/",
        {
            "outcome": "陪同去医院复查",
            "helpers": [h.pk for h in helpers],
            "activity": help_activity.pk,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=3)).isoformat(),
        },
        content_type="application/json",
    )
    assert done.status_code == 200, done.json()
    records = HourRecord.objects.filter(help_link__request_id=pk)
    assert sorted(done.json()["hour_records"]) == sorted(r.pk for r in records)
    assert {(r.status, r.minutes) for r in records} == {("pending", 180)}
    times = api(street_admin).get("/api/v1/help-requests/response-times/").json()
    assert [(row["station"]["code"], row["count"], row["open"]) for row in times] == [
        (STATION, 1, 0)
    ]


def test_other_areas_get_404_and_viewers_403(
    volunteer: Volunteer,
    outsider: User,
    viewer: User,
    ask: Callable[..., HelpRequest],
) -> None:
    request = ask(volunteer)
    client = api(outsider)
    assert client.get("/api/v1/help-requests/").json()["results"] == []
    assert client.get(f"/api/v1/help-requests/{request.pk}/").status_code == 404
    assert client.post(f"/api/v1/help-requests/{request.pk}/take/").status_code == 404
    assert client.get("/api/v1/help-requests/response-times/").json() == []
    entered = client.post(
        "/api/v1/help-requests/",
        {**BODY, "volunteer": volunteer.pk},
        content_type="application/json",
    )
    assert entered.status_code == 404
    assert api(viewer).post(f"/api/v1/help-requests/{request.pk}/take/").status_code == 403
    assert HelpRequest.objects.get().status == HelpStatus.OPEN
    assert HelpRequest.objects.count() == 1


def test_the_schema_describes_the_help_endpoints(city_admin: User) -> None:
    schema = api(city_admin).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert {
        "/api/v1/help-requests/",
        "/api/v1/help-requests/{id}/",
        "/api/v1/help-requests/{id}/take/",
        "/api/v1/help-requests/{id}/outcome/",
        "/api/v1/help-requests/response-times/",
        "/api/v1/volunteer/help-requests/",
        "/api/v1/volunteer/help-requests/{id}/withdraw/",
    } <= set(paths)


def test_the_queue_over_the_api_reads_in_a_bounded_number_of_queries(
    registered: Callable[..., Volunteer],
    registrar: User,
    district_admin: User,
    ask: Callable[..., HelpRequest],
    django_assert_max_num_queries,
) -> None:
    client = api(district_admin)
    ask(registered(registrar))
    with django_assert_max_num_queries(10) as one:
        client.get("/api/v1/help-requests/")
    for _ in range(5):
        ask(registered(registrar))
    with django_assert_max_num_queries(len(one.captured_queries)):
        answer = client.get("/api/v1/help-requests/")
    assert len(answer.json()["results"]) == 6


def test_the_taker_reveals_the_phone_over_the_api_audited(
    volunteer: Volunteer,
    team_leader: User,
    viewer: User,
    outsider: User,
    ask: Callable[..., HelpRequest],
) -> None:
    """As on the page: the leader of the team that took the request gets the full number for
    the call, and the viewing is audited; before it is taken, to a viewer and to another area,
    no number."""
    from zhiyuan.common.models import AuditEntry

    request = ask(volunteer)
    url = f"/api/v1/help-requests/{request.pk}/phone/"
    assert api(team_leader).post(url).status_code == 400
    assert api(team_leader).post(f"/api/v1/help-requests/{request.pk}/take/").status_code == 200
    shown = api(team_leader).post(url)
    assert shown.status_code == 200 and shown.json() == {"mobile": volunteer.mobile}
    viewed = AuditEntry.objects.filter(action="assistance.request.phone_viewed")
    assert viewed.count() == 1 and viewed.get().actor == team_leader
    assert api(viewer).post(url).status_code == 403
    assert api(outsider).post(url).status_code == 404
    assert viewed.count() == 1
