"""The volunteer's own check-in over the API, the path a storm of phones at a venue's gate takes
(benchmarks/bench_checkin.py): few queries, the same answers as the leader's path, and every
refusal still in place."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import SignUpFactory, SlotFactory
from tests.hours.test_api import volunteer_api
from tests.volunteers import people
from zhiyuan.activities.models import SignUp
from zhiyuan.hours import checkin
from zhiyuan.hours.models import Attendance, HourRecord

URL = "/api/v1/volunteer/check-ins/"


@pytest.fixture
def now_slot(activity, volunteer):
    now = timezone.now().replace(microsecond=0)
    made = SlotFactory(
        activity=activity, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    SignUpFactory(slot=made, volunteer=volunteer)
    return made


def post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_a_check_in_and_its_retry_ask_the_database_little(
    volunteer, now_slot, django_assert_num_queries
) -> None:
    phone = volunteer_api(volunteer)
    body = {"code": checkin.slot_token(now_slot), "direction": "in", "idempotency_key": "k-1"}
    # The sign-up with its slot, activity, organiser and volunteer; what is there of the key
    # and the volunteer's open interval; the interval and its audit entry in a savepoint (the
    # test's transaction): one statement on PostgreSQL (outside a transaction without the
    # savepoint: tests/hours/test_concurrency.py), two inserts elsewhere.
    with django_assert_num_queries(5 if connection.vendor == "postgresql" else 6):
        first = post(phone, body)
    with django_assert_num_queries(2):
        retry = post(phone, body)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json() == retry.json()
    assert first.json()["volunteer"] == {
        "id": volunteer.pk,
        "name": volunteer.name,
        "registration_number": volunteer.registration_number,
    }
    with django_assert_num_queries(2):  # scanned again without a key: the open interval
        again = post(phone, {**body, "idempotency_key": ""})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Attendance.objects.count() == 1


def test_checking_out_makes_the_pending_record(volunteer, now_slot) -> None:
    phone = volunteer_api(volunteer)
    code = checkin.slot_token(now_slot)
    Attendance.objects.create(
        slot=now_slot,
        volunteer=volunteer,
        checked_in_at=timezone.now().replace(microsecond=0) - timedelta(minutes=40),
    )
    out = post(phone, {"code": code, "direction": "out", "idempotency_key": "k-out"})
    assert out.status_code == 201
    record = HourRecord.objects.get()
    assert (record.volunteer, record.slot, record.status, record.minutes) == (
        volunteer,
        now_slot,
        "pending",
        40,
    )


@pytest.mark.parametrize("status", ["cancelled", "waitlisted", "pending"])
def test_a_sign_up_that_is_not_confirmed_finds_no_slot(volunteer, now_slot, status) -> None:
    position = 1 if status == "waitlisted" else None
    SignUp.objects.filter(slot=now_slot).update(status=status, waitlist_position=position)
    body = {"code": checkin.slot_token(now_slot), "direction": "in", "idempotency_key": "k-2"}
    assert post(volunteer_api(volunteer), body).status_code == 404
    assert not Attendance.objects.exists()


def test_a_key_another_volunteer_used_is_refused(volunteer, now_slot, registrar) -> None:
    other = people.registered(registrar)
    SignUpFactory(slot=now_slot, volunteer=other)
    body = {"code": checkin.slot_token(now_slot), "direction": "in", "idempotency_key": "shared"}
    assert post(volunteer_api(volunteer), body).status_code == 201
    refused = post(volunteer_api(other), body)
    assert refused.status_code == 400
    assert "another volunteer" in str(refused.json())
    assert list(Attendance.objects.values_list("volunteer", flat=True)) == [volunteer.pk]


def test_the_family_phones_signed_up_registration_checks_in(volunteer, now_slot, registrar) -> None:
    # A second registration made with the same mobile (a family's phone), not signed up.
    sibling = people.registered(registrar, mobile=volunteer.mobile)
    assert sibling.mobile_digest == volunteer.mobile_digest
    body = {"code": checkin.slot_token(now_slot), "direction": "in", "idempotency_key": "k-3"}
    assert post(volunteer_api(sibling), body).status_code == 201
    assert list(Attendance.objects.values_list("volunteer", flat=True)) == [volunteer.pk]


def test_a_slot_that_ended_refuses_a_new_check_in_but_answers_a_retry(volunteer, now_slot) -> None:
    phone = volunteer_api(volunteer)
    body = {"code": checkin.slot_token(now_slot), "direction": "in", "idempotency_key": "k-4"}
    assert post(phone, body).status_code == 201
    now_slot.ends_at = timezone.now() - timedelta(minutes=1)
    now_slot.save(update_fields=["ends_at"])
    assert post(phone, body).status_code == 200  # the retry gets its first answer
    late = post(phone, {**body, "idempotency_key": "k-5"})
    assert late.status_code == 400 and "over" in str(late.json())
    assert Attendance.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("null", {"non_field_errors": ["No data provided"]}),
        ([], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        (
            {"direction": "sideways"},
            {
                "code": ["This field is required."],
                "direction": ['"sideways" is not a valid choice.'],
            },
        ),
        (
            {"code": "x", "direction": "in", "latitude": 91, "idempotency_key": "k" * 65},
            {
                "idempotency_key": ["Ensure this field has no more than 64 characters."],
                "latitude": ["Ensure this value is less than or equal to 90."],
            },
        ),
    ],
)
def test_bad_input_is_refused_field_by_field(volunteer, now_slot, body, expected) -> None:
    # The form is kept from request to request (api.shared.checked_by): each answer is its own.
    for _ in range(2):
        answer = post(volunteer_api(volunteer), body)
        assert (answer.status_code, answer.json()) == (400, expected)
    assert not Attendance.objects.exists()
