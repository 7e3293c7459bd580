"""The volunteers' activity pages: the public list filtered by category, place and day, an
activity's slots, signing up with the phone-and-code session (an applicant is told to confirm
first; a full slot puts them on the waiting list), "my activities" and cancelling there.
Pages are read in English."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.activities.conftest import make_open_slot, make_volunteer
from tests.factories import TEAM
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.activities import services
from zhiyuan.activities.enums import SignUpStatus, Visibility
from zhiyuan.activities.models import Category, SignUp, Slot
from zhiyuan.common.sms import SmsMessage
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def phone(
    outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> Callable[[Volunteer], Client]:
    """`phone(volunteer)`: a client logged in to the portal with the volunteer's mobile."""

    def log_in(volunteer: Volunteer) -> Client:
        client = english()
        with django_capture_on_commit_callbacks(execute=True):
            step = client.post("/me/login/", {"mobile": volunteer.mobile})
        ticket = step.context["form"]["ticket"].value()
        client.post("/me/code/", {"ticket": ticket, "code": outbox[-1].params["code"]})
        return client

    return log_in


def text(response: Any) -> str:
    return response.content.decode()


def test_the_public_list_shows_published_public_activities(client: Client) -> None:
    public = make_open_slot(title="河边捡垃圾")
    team_only = make_open_slot(
        title="队内培训", visibility=Visibility.TEAM, audience=Organization.objects.get(code=TEAM)
    )
    page = text(client.get("/events/"))
    assert "河边捡垃圾" in page and f"/events/{public.activity.pk}/" in page
    assert "队内培训" not in page
    assert client.get(f"/events/{team_only.activity.pk}/").status_code == 404


def test_the_list_filters_by_category_place_and_day(client: Client) -> None:
    make_open_slot(title="环保", category=Category.objects.get(code="environment"), start=24)
    make_open_slot(title="读书", start=24 * 5)
    assert "读书" not in text(client.get("/events/?category=environment"))
    assert "环保" in text(client.get("/events/?category=environment"))
    in_three_days = (timezone.localdate() + timedelta(days=3)).isoformat()
    later = text(client.get(f"/events/?from={in_three_days}"))
    assert "读书" in later and "环保" not in later
    district = text(client.get("/events/?place=430602000000"))
    assert "读书" in district and "环保" in district
    elsewhere = text(client.get("/events/?place=430603000000"))
    assert "读书" not in elsewhere and "环保" not in elsewhere
    assert Division.objects.filter(code="430602000000").exists()


def test_the_next_page_keeps_the_filters(client: Client) -> None:
    for _ in range(21):
        make_open_slot(title="环保", category=Category.objects.get(code="environment"))
    make_open_slot(title="读书")
    first = text(client.get("/events/?category=environment"))
    assert first.count("<h2>") == 20
    assert 'href="?category=environment&amp;page=2"' in first
    second = text(client.get("/events/?category=environment&page=2"))
    assert "环保" in second and "读书" not in second


def test_bad_filters_are_ignored_not_errors(client: Client) -> None:
    make_open_slot(title="读书")
    response = client.get("/events/?from=2026-13-45&place=%00&category=" + "x" * 500)
    assert response.status_code == 200 and "读书" in text(response)


def test_a_logged_in_volunteer_signs_up_and_sees_it_in_my_activities(
    phone: Callable[[Volunteer], Client],
) -> None:
    slot = make_open_slot(capacity=1)
    person = make_volunteer()
    client = phone(person)
    response = client.post(f"/events/{slot.activity.pk}/signup/", {"slot": slot.pk})
    assert response["Location"] == "/me/activities/"
    mine = text(client.get("/me/activities/"))
    assert "You are signed up. Thank you!" in mine and "周末社区读书会" in mine
    signup = SignUp.objects.get()
    assert (signup.volunteer, signup.status) == (person, SignUpStatus.CONFIRMED)


def test_a_full_slot_puts_the_volunteer_on_the_waiting_list(
    phone: Callable[[Volunteer], Client],
) -> None:
    slot = make_open_slot(capacity=1)
    services.sign_up(slot, make_volunteer())
    client = phone(make_volunteer())
    client.post(f"/events/{slot.activity.pk}/signup/", {"slot": slot.pk})
    assert "you are number 1 on the waiting list" in text(client.get("/me/activities/"))


def test_an_applicant_is_told_to_confirm_first(
    phone: Callable[[Volunteer], Client], registrar: User
) -> None:
    slot = make_open_slot()
    applicant = people.apply(registrar)
    client = phone(applicant)
    response = client.post(f"/events/{slot.activity.pk}/signup/", {"slot": slot.pk}, follow=True)
    assert "Your registration is not confirmed yet: confirm it with the code texted to you" in (
        text(response)
    )
    assert not SignUp.objects.exists()


def test_signing_up_needs_the_session(client: Client) -> None:
    slot = make_open_slot()
    response = client.post(f"/events/{slot.activity.pk}/signup/", {"slot": slot.pk})
    assert response["Location"] == "/me/"
    assert not SignUp.objects.exists()
    assert client.get("/me/activities/")["Location"] == "/me/"


def test_a_phone_signs_up_only_its_own_registrations(
    phone: Callable[[Volunteer], Client],
) -> None:
    slot = make_open_slot()
    mine, someone = make_volunteer(), make_volunteer()
    client = phone(mine)
    client.post(f"/events/{slot.activity.pk}/signup/", {"slot": slot.pk, "volunteer": someone.pk})
    assert not SignUp.objects.filter(volunteer=someone).exists()


def test_a_team_activity_shows_to_its_members_once_logged_in(
    phone: Callable[[Volunteer], Client],
) -> None:
    from tests.activities.test_signups import member

    team = Organization.objects.get(code=TEAM)
    slot = make_open_slot(title="队内培训", visibility=Visibility.TEAM, audience=team)
    client = phone(member(make_volunteer()))
    assert "队内培训" in text(client.get("/events/"))
    assert client.get(f"/events/{slot.activity.pk}/").status_code == 200


def test_cancelling_in_my_activities_frees_the_place_for_the_next(
    phone: Callable[[Volunteer], Client],
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    slot = make_open_slot(capacity=1)
    person = make_volunteer()
    signup = services.sign_up(slot, person)
    waiting = make_volunteer()
    services.sign_up(slot, waiting)
    client = phone(person)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/me/activities/cancel/", {"signup": signup.pk})
    assert dict(SignUp.objects.values_list("volunteer_id", "status")) == {
        person.pk: SignUpStatus.CANCELLED,
        waiting.pk: SignUpStatus.CONFIRMED,
    }
    assert outbox[-1].template == "signup_promoted" and outbox[-1].mobile == waiting.mobile


def test_a_phone_cannot_cancel_anothers_sign_up(phone: Callable[[Volunteer], Client]) -> None:
    slot = make_open_slot()
    other = services.sign_up(slot, make_volunteer())
    client = phone(make_volunteer())
    client.post("/me/activities/cancel/", {"signup": other.pk})
    other.refresh_from_db()
    assert other.status == SignUpStatus.CONFIRMED


def test_the_detail_shows_places_left(client: Client) -> None:
    slot = make_open_slot(capacity=3)
    services.sign_up(slot, make_volunteer())
    page = text(english().get(f"/events/{slot.activity.pk}/"))
    assert "2 places left" in page
    assert Slot.objects.count() == 1


def test_logging_in_to_sign_up_comes_back_to_the_activities(
    outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    slot = make_open_slot()
    person = make_volunteer()
    client = english()
    client.post(f"/events/{slot.activity.pk}/signup/", {"slot": slot.pk})
    with django_capture_on_commit_callbacks(execute=True):
        step = client.post("/me/login/", {"mobile": person.mobile})
    ticket = step.context["form"]["ticket"].value()
    response = client.post("/me/code/", {"ticket": ticket, "code": outbox[-1].params["code"]})
    assert response["Location"] == "/events/"


def test_logging_in_from_my_activities_comes_back_to_them(
    outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    person = make_volunteer()
    client = english()
    assert client.get("/me/activities/")["Location"] == "/me/"
    with django_capture_on_commit_callbacks(execute=True):
        step = client.post("/me/login/", {"mobile": person.mobile})
    ticket = step.context["form"]["ticket"].value()
    response = client.post("/me/code/", {"ticket": ticket, "code": outbox[-1].params["code"]})
    assert response["Location"] == "/me/activities/"
