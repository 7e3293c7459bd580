"""Service hours over the API: records (enter, edit, confirm, reject, correct, totals), check-in
with idempotency keys, a slot's code and roster, back-filled sheets, the rounding rule; and
the access layer: other areas get 404, roles that do not record get 403, nothing written."""

import io
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from tests.factories import ActivityFactory, SignUpFactory, SlotFactory
from tests.hours.conftest import days_ago
from tests.hours.test_backfill import xlsx
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.hours import checkin, services
from zhiyuan.hours.enums import HourStatus
from zhiyuan.hours.models import Attendance, HourRecord
from zhiyuan.organizations.models import Organization


@pytest.fixture
def api() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        _, token = AuthToken.objects.create(user=user)
        return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")

    return make


@pytest.fixture
def past(activity, volunteer):
    made = SlotFactory(activity=activity, starts_at=days_ago(3, 9), ends_at=days_ago(3, 12))
    SignUpFactory(slot=made, volunteer=volunteer)
    return made


def iso(instant) -> str:
    return timezone.localtime(instant).isoformat()


def test_a_leader_enters_edits_and_a_second_person_confirms(
    api, team_leader, street_admin, volunteer, activity
) -> None:
    leader = api(team_leader)
    body = {
        "volunteer": volunteer.pk,
        "activity": activity.pk,
        "start": iso(days_ago(2, 9)),
        "end": iso(days_ago(2, 10)),
        "content": "导览",
    }
    created = leader.post("/api/v1/hour-records/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    record = created.json()
    assert (record["minutes"], record["hours"], record["status"], record["counts"]) == (
        60,
        "1.00",
        "pending",
        False,
    )
    edited = leader.patch(
        f"/api/v1/hour-records/{record['id']}/",
        {"end": iso(days_ago(2, 11))},
        content_type="application/json",
    )
    assert edited.json()["minutes"] == 120
    confirmed = leader.post(
        "/api/v1/hour-records/confirm/",
        {"records": [record["id"]]},
        content_type="application/json",
    )
    assert confirmed.status_code == 200
    assert confirmed.json()[0]["counts"] is True and len(confirmed.json()[0]["record_hash"]) == 64
    void = {"reason": "重复登记", "void": True}
    correction = leader.post(
        f"/api/v1/hour-records/{record['id']}/corrections/", void, content_type="application/json"
    ).json()
    refused = leader.post(
        "/api/v1/hour-records/confirm/",
        {"records": [correction["id"]]},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "second person" in str(refused.json())
    second = api(street_admin).post(
        "/api/v1/hour-records/confirm/",
        {"records": [correction["id"]]},
        content_type="application/json",
    )
    assert second.status_code == 200
    totals = leader.get("/api/v1/hour-records/totals/").json()
    assert (totals["minutes"], totals["hours"]) == (0, "0.00")


def test_the_records_list_filters_and_totals(
    api, street_admin, volunteer, activity, team_leader
) -> None:
    for day in (2, 3):
        made = services.record_hours(
            volunteer,
            activity=activity,
            start=days_ago(day, 9),
            end=days_ago(day, 11),
            actor=team_leader,
        )
        services.confirm_records([made], actor=team_leader)
    services.record_hours(
        volunteer, activity=activity, start=days_ago(4, 9), end=days_ago(4, 10), actor=team_leader
    )
    client = api(street_admin)
    listed = client.get("/api/v1/hour-records/", {"status": "confirmed"}).json()
    assert [r["minutes"] for r in listed["results"]] == [120, 120]
    day = timezone.localdate() - timedelta(days=2)
    within = client.get(
        "/api/v1/hour-records/", {"start": day.isoformat(), "end": day.isoformat()}
    ).json()
    assert within["count"] == 1
    totals = client.get(
        "/api/v1/hour-records/totals/",
        {"organization": Organization.objects.get(code="430602001-SC").pk},
    ).json()
    assert (totals["minutes"], totals["hours"], totals["by_organizer"][0]["volunteers"]) == (
        240,
        "4.00",
        1,
    )


def test_other_areas_see_nothing_and_change_nothing(
    api, outsider, registrar, volunteer, activity, team_leader, past
) -> None:
    made = services.record_hours(
        volunteer, activity=activity, start=days_ago(2, 9), end=days_ago(2, 10), actor=team_leader
    )
    client = api(outsider)
    assert client.get("/api/v1/hour-records/").json()["count"] == 0
    assert client.get(f"/api/v1/hour-records/{made.pk}/").status_code == 404
    assert (
        client.post(
            "/api/v1/hour-records/confirm/", {"records": [made.pk]}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/hour-records/{made.pk}/reject/",
            {"reason": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/slot-rosters/{past.pk}/").status_code == 404
    assert client.get(f"/api/v1/check-in-codes/{past.pk}/").status_code == 404
    check = {
        "slot": past.pk,
        "volunteer": volunteer.pk,
        "direction": "in",
        "at": iso(days_ago(3, 9)),
    }
    assert (
        client.post("/api/v1/check-ins/", check, content_type="application/json").status_code == 404
    )
    body = {
        "volunteer": volunteer.pk,
        "activity": activity.pk,
        "start": iso(days_ago(5, 9)),
        "end": iso(days_ago(5, 10)),
    }
    assert (
        client.post("/api/v1/hour-records/", body, content_type="application/json").status_code
        == 404
    )
    # a registrar of the street sees the records but does not record them
    street = api(registrar)
    assert street.get(f"/api/v1/hour-records/{made.pk}/").status_code == 200
    assert (
        street.post(
            "/api/v1/hour-records/confirm/", {"records": [made.pk]}, content_type="application/json"
        ).status_code
        == 403
    )
    assert HourRecord.objects.get().status == HourStatus.PENDING
    assert not Attendance.objects.exists()


def test_check_ins_are_idempotent_over_the_api(api, team_leader, volunteer, past) -> None:
    client = api(team_leader)
    check = {
        "slot": past.pk,
        "volunteer": volunteer.pk,
        "direction": "in",
        "idempotency_key": "2b1c-1",
        "at": iso(days_ago(3, 9)),
    }
    first = client.post("/api/v1/check-ins/", check, content_type="application/json")
    retry = client.post("/api/v1/check-ins/", check, content_type="application/json")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["id"] == retry.json()["id"]
    out = {**check, "direction": "out", "idempotency_key": "2b1c-2", "at": iso(days_ago(3, 11))}
    closed = client.post("/api/v1/check-ins/", out, content_type="application/json").json()
    again = client.post("/api/v1/check-ins/", out, content_type="application/json")
    assert again.status_code == 200 and again.json()["record"] == closed["record"]
    assert HourRecord.objects.get().minutes == 120
    listed = client.get("/api/v1/check-ins/", {"slot": past.pk}).json()
    assert [(a["volunteer"]["id"], a["record"]) for a in listed] == [
        (volunteer.pk, closed["record"])
    ]
    roster = client.get(f"/api/v1/slot-rosters/{past.pk}/").json()
    assert roster[0]["records"] == [closed["record"]] and roster[0]["mobile"].count("*") == 4


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"idempotency_key": "not a key"}, "key"),
        ({"direction": "sideways"}, "direction"),
        ({"latitude": 95}, "latitude"),
        ({"at": "yesterday"}, "at"),
    ],
)
def test_bad_check_ins_are_400s(api, team_leader, volunteer, past, change, field) -> None:
    check = {
        "slot": past.pk,
        "volunteer": volunteer.pk,
        "direction": "in",
        "at": iso(days_ago(3, 9)),
        **change,
    }
    response = api(team_leader).post("/api/v1/check-ins/", check, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Attendance.objects.exists()


def test_the_check_in_code_of_a_slot(api, team_leader, past) -> None:
    code = api(team_leader).get(f"/api/v1/check-in-codes/{past.pk}/").json()
    assert checkin.token_slot_id(code["token"]) == past.pk
    assert code["url"] == f"http://testserver/checkin/{code['token']}/"
    assert 1 <= code["seconds_left"] <= 30


def test_a_sheet_is_checked_and_imported_over_the_api(
    api, team_leader, volunteer, activity
) -> None:
    client = api(team_leader)
    team = Organization.objects.get(code="430602001001-TM")
    data = xlsx(
        [[activity.pk, volunteer.registration_number, None, None, days_ago(5, 9), None, 45, ""]]
    )
    sheet = io.BytesIO(data)
    sheet.name = "sheet.xlsx"
    uploaded = client.post("/api/v1/hours-imports/", {"organization": team.pk, "file": sheet})
    assert uploaded.status_code == 201, uploaded.content
    item = uploaded.json()
    assert (item["state"], item["rows_valid"], item["problems"]) == ("checked", 1, [])
    imported = client.post(f"/api/v1/hours-imports/{item['id']}/import/")
    assert (imported.status_code, imported.json()["imported_count"]) == (200, 1)
    assert HourRecord.objects.get().minutes == 45


def test_the_rounding_rule_over_the_api(api, city_admin, team_leader) -> None:
    city = Organization.objects.get(code="4306-GC")
    team = Organization.objects.get(code="430602001001-TM")
    put = api(city_admin).put(
        f"/api/v1/hours-policies/{city.pk}/",
        {"rounding": "half_hour"},
        content_type="application/json",
    )
    assert put.status_code == 200
    inherited = api(team_leader).get(f"/api/v1/hours-policies/{team.pk}/").json()
    assert (inherited["rounding"], inherited["set_by"]["code"]) == ("half_hour", "4306-GC")
    refused = api(team_leader).put(
        f"/api/v1/hours-policies/{team.pk}/", {"rounding": "exact"}, content_type="application/json"
    )
    assert refused.status_code == 403


def test_the_list_reads_in_few_queries(
    api, street_admin, registrar, activity, team_leader, django_assert_max_num_queries
) -> None:
    for day in range(2, 12):
        services.record_hours(
            people.registered(registrar),
            activity=activity,
            start=days_ago(day, 9),
            end=days_ago(day, 10),
            actor=team_leader,
        )
    client = api(street_admin)
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/hour-records/").json()["count"] == 10


def test_a_slots_roster_reads_in_the_same_queries_however_many_checked_in(
    api, team_leader, registrar, past, django_assert_max_num_queries
) -> None:
    client = api(team_leader)
    for _ in range(6):
        person = people.registered(registrar)
        SignUpFactory(slot=past, volunteer=person)
        checkin.check_in(past, person, actor=team_leader, at=days_ago(3, 9))
        checkin.check_out(past, person, actor=team_leader, at=days_ago(3, 10))
    with django_assert_max_num_queries(8):
        roster = client.get(f"/api/v1/slot-rosters/{past.pk}/").json()
    checked = [line for line in roster if line["attendances"]]
    assert len(checked) == 6
    assert all(line["attendances"][0]["volunteer"] == line["volunteer"] for line in checked)


def test_an_activity_elsewhere_is_not_found(api, team_leader, volunteer) -> None:
    elsewhere = ActivityFactory(organizer=Organization.objects.get(code="430602002-SC"))
    body = {
        "volunteer": volunteer.pk,
        "activity": elsewhere.pk,
        "start": iso(days_ago(5, 9)),
        "end": iso(days_ago(5, 10)),
    }
    assert (
        api(team_leader)
        .post("/api/v1/hour-records/", body, content_type="application/json")
        .status_code
        == 404
    )


# --- the volunteer's own endpoints (a volunteer token) -----------------------------------------


def volunteer_api(volunteer) -> Client:
    from zhiyuan.api.volunteer_auth import issue_token

    token = issue_token(volunteer.mobile_digest)
    return Client(HTTP_AUTHORIZATION=f"Volunteer {token}", HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def now_slot(activity, volunteer):
    now = timezone.now().replace(microsecond=0)
    made = SlotFactory(
        activity=activity, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    SignUpFactory(slot=made, volunteer=volunteer)
    return made


def test_a_volunteer_checks_in_with_the_qr_codes_url(api, team_leader, volunteer, now_slot) -> None:
    url = api(team_leader).get(f"/api/v1/check-in-codes/{now_slot.pk}/").json()["url"]
    phone = volunteer_api(volunteer)
    body = {"code": url, "direction": "in", "idempotency_key": "phone-7"}
    first = phone.post("/api/v1/volunteer/check-ins/", body, content_type="application/json")
    retry = phone.post("/api/v1/volunteer/check-ins/", body, content_type="application/json")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert Attendance.objects.get().volunteer == volunteer
    token_only = {**body, "code": checkin.slot_token(now_slot), "idempotency_key": "phone-8"}
    assert (
        phone.post(
            "/api/v1/volunteer/check-ins/", token_only, content_type="application/json"
        ).status_code
        == 200
    )


def test_an_old_code_or_a_slot_without_sign_up_is_refused(
    volunteer, activity, now_slot, registrar
) -> None:
    phone = volunteer_api(volunteer)
    old = {"code": checkin.slot_token(now_slot, at=time.time() - 300), "direction": "in"}
    refused = phone.post("/api/v1/volunteer/check-ins/", old, content_type="application/json")
    assert refused.status_code == 400 and "expired" in str(refused.json())
    stranger = volunteer_api(people.registered(registrar))
    current = {"code": checkin.slot_token(now_slot), "direction": "in"}
    assert (
        stranger.post(
            "/api/v1/volunteer/check-ins/", current, content_type="application/json"
        ).status_code
        == 404
    )
    anonymous = Client().post(
        "/api/v1/volunteer/check-ins/", current, content_type="application/json"
    )
    assert anonymous.status_code == 401


def test_a_volunteer_reads_their_year_and_asks_for_a_correction(
    volunteer, activity, team_leader, registrar
) -> None:
    made = services.record_hours(
        volunteer, activity=activity, start=days_ago(2, 9), end=days_ago(2, 12), actor=team_leader
    )
    services.confirm_records([made], actor=team_leader)
    phone = volunteer_api(volunteer)
    mine = phone.get("/api/v1/volunteer/hours/").json()
    assert (mine["hours"], mine["target_hours"], mine["percent"]) == ("3.00", "20.00", 15)
    assert [r["id"] for r in mine["records"]] == [made.pk]
    ask = {"reason": "我服务到12点半", "end": iso(days_ago(2, 12) + timedelta(minutes=30))}
    asked = phone.post(
        f"/api/v1/volunteer/hours/{made.pk}/corrections/", ask, content_type="application/json"
    )
    assert asked.status_code == 201 and asked.json()["requested_by_volunteer"] is True
    other = volunteer_api(people.registered(registrar))
    assert (
        other.post(
            f"/api/v1/volunteer/hours/{made.pk}/corrections/", ask, content_type="application/json"
        ).status_code
        == 404
    )
    assert other.get("/api/v1/volunteer/hours/").json()["records"] == []
