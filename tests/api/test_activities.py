"""Activities over the API: the office's activities, slots, rosters and decisions through the
access layer; the public list; a volunteer's log-in by mobile and code, sign-up and
cancellation with a volunteer token, which opens no office endpoint."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.activities.conftest import make_draft, make_open_slot, make_volunteer
from tests.activities.test_signups import member
from tests.factories import GUOLIANG, TEAM
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.activities import services
from zhiyuan.activities.enums import ActivityStatus, SignUpStatus, Visibility
from zhiyuan.activities.models import Activity, SignUp, Slot
from zhiyuan.api.volunteer_auth import issue_token
from zhiyuan.common.sms import SmsMessage
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db
Api = Callable[[User], Client]
JSON = "application/json"


def as_volunteer(volunteer: Volunteer) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Volunteer {issue_token(volunteer.mobile_digest)}")


def soon(hours: float) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


# --- the office -------------------------------------------------------------------------


def test_a_leader_creates_adds_a_slot_and_publishes(api: Api, team_leader: User, org: Any) -> None:
    client = api(team_leader)
    created = client.post(
        "/api/v1/activities/",
        {
            "organizer": org(TEAM).pk,
            "title": "河道清洁",
            "category": "environment",
            "campaigns": ["civility"],
            "address": "南湖边",
            "division": GUOLIANG,
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["category"], body["campaigns"], body["division"]["code"]) == (
        "draft",
        "environment",
        ["civility"],
        GUOLIANG,
    )
    pk = body["id"]
    slot = client.post(
        f"/api/v1/activities/{pk}/slots/",
        {"starts_at": soon(24), "ends_at": soon(27), "capacity": 20},
        content_type=JSON,
    )
    assert slot.status_code == 201
    assert slot.json()["capacity"] == 20 and slot.json()["confirmed"] == 0
    published = client.post(f"/api/v1/activities/{pk}/publish/")
    assert published.json()["status"] == "published"
    assert [s["capacity"] for s in published.json()["slots"]] == [20]


@pytest.mark.parametrize("capacity", [2.5, "2.5", -1, True, "二"])
def test_a_capacity_must_be_a_whole_number(api: Api, team_leader: User, capacity: Any) -> None:
    activity = make_draft()
    answer = api(team_leader).post(
        f"/api/v1/activities/{activity.pk}/slots/",
        {"starts_at": soon(24), "ends_at": soon(26), "capacity": capacity},
        content_type=JSON,
    )
    assert answer.status_code == 400
    assert list(answer.json()) == ["capacity"]
    assert not Slot.objects.exists()


def test_an_end_before_the_start_is_a_400_naming_the_field(api: Api, team_leader: User) -> None:
    activity = make_draft()
    answer = api(team_leader).post(
        f"/api/v1/activities/{activity.pk}/slots/",
        {"starts_at": soon(26), "ends_at": soon(24), "capacity": 5},
        content_type=JSON,
    )
    assert (answer.status_code, answer.json()) == (
        400,
        {"ends_at": ["The end must be after the start."]},
    )


def test_another_streets_administrator_gets_404s_and_nothing_changes(
    api: Api, outsider: User
) -> None:
    slot = make_open_slot()
    signup = services.sign_up(slot, make_volunteer())
    client = api(outsider)
    assert client.get("/api/v1/activities/").json()["results"] == []
    for method, url in [
        ("get", f"/api/v1/activities/{slot.activity_id}/"),
        ("post", f"/api/v1/activities/{slot.activity_id}/publish/"),
        ("get", f"/api/v1/slots/{slot.pk}/signups/"),
        ("patch", f"/api/v1/slots/{slot.pk}/"),
        ("post", f"/api/v1/signups/{signup.pk}/cancel/"),
    ]:
        assert getattr(client, method)(url, {}, content_type=JSON).status_code == 404, url
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CONFIRMED


def test_a_viewer_sees_but_may_not_publish(api: Api, viewer: User) -> None:
    activity = make_draft()
    client = api(viewer)
    assert client.get(f"/api/v1/activities/{activity.pk}/").status_code == 200
    assert client.post(f"/api/v1/activities/{activity.pk}/publish/").status_code == 403


def test_the_roster_shows_masked_phones(api: Api, team_leader: User) -> None:
    slot = make_open_slot()
    person = make_volunteer(name="王小明")
    services.sign_up(slot, person)
    rows = api(team_leader).get(f"/api/v1/slots/{slot.pk}/signups/").json()
    assert [(r["name"], r["phone"], r["status"]) for r in rows] == [
        ("王小明", f"{person.mobile[:3]}****{person.mobile[-4:]}", "confirmed")
    ]


def test_lowering_capacity_below_the_confirmed_is_refused(api: Api, team_leader: User) -> None:
    slot = make_open_slot(capacity=3)
    for _ in range(2):
        services.sign_up(slot, make_volunteer())
    answer = api(team_leader).patch(f"/api/v1/slots/{slot.pk}/", {"capacity": 1}, content_type=JSON)
    assert (answer.status_code, answer.json()) == (
        400,
        {
            "capacity": [
                "2 volunteers are confirmed for this slot: the capacity cannot be lower than 2. "
                "Cancel sign-ups first."
            ]
        },
    )


def test_approving_and_group_sign_ups(api: Api, team_leader: User) -> None:
    slot = make_open_slot(capacity=5, needs_approval=True)
    pending = services.sign_up(slot, make_volunteer())
    client = api(team_leader)
    assert client.post(f"/api/v1/signups/{pending.pk}/approve/").json()["status"] == "confirmed"
    group = [member(make_volunteer()) for _ in range(2)]
    answer = client.post(
        f"/api/v1/slots/{slot.pk}/group-signups/",
        {"team": Organization.objects.get(code=TEAM).pk, "volunteers": [v.pk for v in group]},
        content_type=JSON,
    )
    assert answer.status_code == 201
    assert [s["status"] for s in answer.json()] == ["pending", "pending"]


def test_who_leads_no_team_learns_nothing_of_its_members(api: Api, viewer: User) -> None:
    """A group sign-up names a team and volunteers: one who may not sign the team up gets the
    same answer whether or not the volunteers are its members."""
    slot = make_open_slot()
    team = Organization.objects.get(code=TEAM)
    members, stranger = [member(make_volunteer())], make_volunteer()
    client = api(viewer)
    answers = [
        client.post(
            f"/api/v1/slots/{slot.pk}/group-signups/",
            {"team": team.pk, "volunteers": [v.pk for v in group]},
            content_type=JSON,
        )
        for group in (members, [*members, stranger])
    ]
    assert [(a.status_code, a.json()) for a in answers] == [
        (400, {"team": ["Choose a team you lead."]})
    ] * 2
    assert not SignUp.objects.exists()


def test_the_office_list_reads_in_few_queries(
    api: Api, street_admin: User, django_assert_max_num_queries: Any
) -> None:
    for _ in range(4):
        make_open_slot()
    client = api(street_admin)
    with django_assert_max_num_queries(12):
        answer = client.get("/api/v1/activities/")
    assert answer.json()["count"] == 4


def test_the_office_list_reads_restricted_activities_audiences_in_the_same_queries(
    api: Api, street_admin: User
) -> None:
    """An activity for a team names its audience: read with the list, not one by one."""
    team = Organization.objects.get(code=TEAM)
    client = api(street_admin)

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            answer = client.get("/api/v1/activities/")
        assert {a["audience"]["code"] for a in answer.json()["results"]} == {TEAM}
        return len(queries)

    make_open_slot(visibility=Visibility.TEAM, audience=team)
    few = list_queries()
    for _ in range(3):
        make_open_slot(visibility=Visibility.TEAM, audience=team)
    assert list_queries() == few


# --- anyone -----------------------------------------------------------------------------


def test_the_public_list_shows_public_published_activities_only(client: Client) -> None:
    public = make_open_slot(title="公开活动")
    make_open_slot(
        title="队内活动", visibility=Visibility.TEAM, audience=Organization.objects.get(code=TEAM)
    )
    body = client.get("/api/v1/public/activities/").json()
    assert [a["title"] for a in body["results"]] == ["公开活动"]
    assert "insurance_policy_number" not in body["results"][0]
    detail = client.get(f"/api/v1/public/activities/{public.activity_id}/").json()
    assert detail["slots"][0]["capacity"] == 10


def test_an_unknown_place_is_a_400(client: Client) -> None:
    answer = client.get("/api/v1/public/activities/?place=999999999999")
    assert (answer.status_code, answer.json()) == (400, {"place": ["No division has this code."]})


# --- volunteers -------------------------------------------------------------------------


def test_a_volunteer_logs_in_by_code_and_signs_up(
    client: Client, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    slot = make_open_slot(capacity=1)
    person = make_volunteer(name="李四")
    with django_capture_on_commit_callbacks(execute=True):
        step = client.post(
            "/api/v1/volunteer/login/code/", {"mobile": person.mobile}, content_type=JSON
        )
    assert step.status_code == 200
    code = outbox[-1].params["code"]
    login = client.post(
        "/api/v1/volunteer/login/",
        {"ticket": step.json()["ticket"], "code": code},
        content_type=JSON,
    ).json()
    assert login["registrations"] == [{"id": person.pk, "name": "李*", "status": "active"}]
    phone = Client(HTTP_AUTHORIZATION=f"Volunteer {login['token']}")
    signed = phone.post("/api/v1/volunteer/signups/", {"slot": slot.pk}, content_type=JSON)
    assert (signed.status_code, signed.json()["status"]) == (201, "confirmed")
    mine = phone.get("/api/v1/volunteer/signups/").json()["results"]
    assert [(s["slot"], s["status"]) for s in mine] == [(slot.pk, "confirmed")]
    cancelled = phone.post(f"/api/v1/volunteer/signups/{mine[0]['id']}/cancel/")
    assert cancelled.json()["status"] == "cancelled"


def test_a_code_asked_for_in_the_app_logs_in_on_the_portal(
    client: Client, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    """The app and the portal share the log-in's steps (`volunteers.mobile_login`)."""
    person = make_volunteer()
    with django_capture_on_commit_callbacks(execute=True):
        step = client.post(
            "/api/v1/volunteer/login/code/", {"mobile": person.mobile}, content_type=JSON
        )
    portal = Client()
    logged_in = portal.post(
        "/me/code/", {"ticket": step.json()["ticket"], "code": outbox[-1].params["code"]}
    )
    assert (logged_in.status_code, logged_in["Location"]) == (302, "/me/")
    assert [card["volunteer"].pk for card in portal.get("/me/").context["cards"]] == [person.pk]


def test_an_unknown_mobile_gets_the_same_answer_and_no_sms(
    client: Client, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        step = client.post(
            "/api/v1/volunteer/login/code/", {"mobile": "19912345678"}, content_type=JSON
        )
    assert step.status_code == 200 and list(step.json()) == ["ticket"]
    assert outbox == []


def test_a_wrong_code_gives_no_token(client: Client) -> None:
    person = make_volunteer()
    step = client.post(
        "/api/v1/volunteer/login/code/", {"mobile": person.mobile}, content_type=JSON
    )
    answer = client.post(
        "/api/v1/volunteer/login/",
        {"ticket": step.json()["ticket"], "code": "000000"},
        content_type=JSON,
    )
    assert answer.status_code == 400 and "token" not in answer.json()


def test_an_applicant_is_told_to_confirm_first(registrar: User) -> None:
    slot = make_open_slot()
    applicant = people.apply(registrar)
    answer = as_volunteer(applicant).post(
        "/api/v1/volunteer/signups/", {"slot": slot.pk}, content_type=JSON
    )
    assert answer.status_code == 400
    assert answer.json()["detail"][0].startswith("Your registration is not confirmed yet")


def test_a_volunteer_token_opens_no_office_endpoint_and_a_bad_one_nothing() -> None:
    person = make_volunteer()
    phone = as_volunteer(person)
    assert phone.get("/api/v1/activities/").status_code == 401
    assert phone.get("/api/v1/volunteers/").status_code == 401
    forged = Client(HTTP_AUTHORIZATION="Volunteer abc:def:ghi")
    assert forged.get("/api/v1/volunteer/signups/").status_code == 401
    assert Client().get("/api/v1/volunteer/signups/").status_code == 401


def test_a_volunteer_cancels_only_their_own() -> None:
    slot = make_open_slot()
    other = services.sign_up(slot, make_volunteer())
    phone = as_volunteer(make_volunteer())
    assert phone.post(f"/api/v1/volunteer/signups/{other.pk}/cancel/").status_code == 404
    other.refresh_from_db()
    assert other.status == SignUpStatus.CONFIRMED


def test_a_team_activity_is_listed_for_its_members(client: Client) -> None:
    team = Organization.objects.get(code=TEAM)
    slot = make_open_slot(title="队内活动", visibility=Visibility.TEAM, audience=team)
    outsider_phone = as_volunteer(make_volunteer())
    member_phone = as_volunteer(member(make_volunteer()))
    assert outsider_phone.get("/api/v1/volunteer/activities/").json()["results"] == []
    assert [
        a["id"] for a in member_phone.get("/api/v1/volunteer/activities/").json()["results"]
    ] == [slot.activity_id]
    refused = outsider_phone.post(
        "/api/v1/volunteer/signups/", {"slot": slot.pk}, content_type=JSON
    )
    assert refused.status_code == 404
    assert not SignUp.objects.exists()
    assert Activity.objects.get().status == ActivityStatus.PUBLISHED


def test_identifiers_sent_as_numbers_are_refused(api: Api, team_leader: User, org: Any) -> None:
    answers = [
        Client().post("/api/v1/volunteer/login/code/", {"mobile": 19912345678}, content_type=JSON),
        Client().post("/api/v1/volunteer/login/", {"ticket": "x", "code": 123}, content_type=JSON),
        api(team_leader).post(
            "/api/v1/activities/",
            {
                "organizer": org(TEAM).pk,
                "title": "读书",
                "category": "culture",
                "address": "活动室",
                "division": 430602001001,
            },
            content_type=JSON,
        ),
    ]
    assert [(a.status_code, list(a.json())) for a in answers] == [
        (400, ["mobile"]),
        (400, ["code"]),
        (400, ["division"]),
    ]
    assert not Activity.objects.exists()
