"""The help pages: the volunteer asks on the portal, the office enters a call, a leader takes and
records the outcome; other areas see nothing (absent from lists, 404 on details, nothing written
by denied writes); lists read in a bounded number of queries."""

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.assistance.conftest import GUOLIANG, STATION, TEAM, texts
from tests.hours.conftest import days_ago
from zhiyuan.accounts.models import User
from zhiyuan.assistance.enums import HelpStatus
from zhiyuan.assistance.models import HelpRequest
from zhiyuan.common.models import AuditEntry
from zhiyuan.hours.enums import HourStatus
from zhiyuan.hours.models import HourRecord
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def portal_client(volunteer: Volunteer) -> Client:
    """A client whose portal session is the volunteer's (as after the SMS log-in)."""
    client = english(Client())
    state = client.session
    state["volunteers.me"] = {"digest": volunteer.mobile_digest, "at": time.time()}
    state.save()
    return client


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _form(**overrides: str) -> dict[str, str]:
    return {
        "kind": "daily_living",
        "description": "腿脚不便，需要买菜",
        "division": GUOLIANG,
        "address": "郭亮社区3栋2单元401",
        "needed_at": "",
        "urgency": "2",
        "asked_by_name": "",
        "asked_by_relation": "",
        **overrides,
    }


# --- the portal ------------------------------------------------------------------------------


def test_the_volunteer_asks_on_the_portal_and_sees_the_request(volunteer: Volunteer) -> None:
    client = portal_client(volunteer)
    page = client.get("/me/help/new/")
    assert page.status_code == 200
    assert f'value="{GUOLIANG}"' in page.content.decode()
    answer = client.post("/me/help/new/", {**_form(), "volunteer": str(volunteer.pk)})
    assert answer.status_code == 302 and answer["Location"] == "/me/help/"
    request = HelpRequest.objects.get()
    assert (request.volunteer, request.channel, request.priority) == (volunteer, "portal", True)
    assert (request.urgency, request.organization.code) == (2, STATION)
    listed = client.get("/me/help/").content.decode()
    assert f"Request number</dt><dd>{request.pk}" in listed
    assert "Waiting for a taker" in listed


def test_a_relative_asks_on_the_portal_with_name_and_relation(volunteer: Volunteer) -> None:
    client = portal_client(volunteer)
    form = _form(relative="on", asked_by_name="张小红", asked_by_relation="女儿")
    client.post("/me/help/new/", {**form, "volunteer": str(volunteer.pk)})
    request = HelpRequest.objects.get()
    assert (request.asked_by_name, request.asked_by_relation) == ("张小红", "女儿")


def test_the_portal_shows_each_problem_beside_its_field(volunteer: Volunteer) -> None:
    client = portal_client(volunteer)
    form = _form(address="", division="", relative="on", asked_by_name="张小红")
    answer = client.post("/me/help/new/", {**form, "volunteer": str(volunteer.pk)})
    assert answer.status_code == 400
    body = answer.content.decode()
    assert 'id="f-address"' in body and "This field is required." in body
    assert "A relative asking gives both their name and their relation." not in body  # not yet
    assert HelpRequest.objects.count() == 0
    answer = client.post(
        "/me/help/new/",
        {**_form(relative="on", asked_by_name="张小红"), "volunteer": str(volunteer.pk)},
    )
    assert "A relative asking gives both their name and their relation." in answer.content.decode()
    assert HelpRequest.objects.count() == 0


def test_the_portal_needs_a_log_in_and_never_serves_anothers_registration(
    volunteer: Volunteer, registered: Callable[..., Volunteer], registrar: User
) -> None:
    anonymous = Client()
    assert anonymous.get("/me/help/new/")["Location"] == "/me/"
    assert anonymous.session["volunteers.me.after-login"] == "public:me-help-new"
    other = registered(registrar)
    client = portal_client(volunteer)
    answer = client.post("/me/help/new/", {**_form(), "volunteer": str(other.pk)})
    assert answer.status_code == 400
    assert HelpRequest.objects.count() == 0


def test_the_volunteer_withdraws_an_open_request_of_their_own_only(
    volunteer: Volunteer,
    registered: Callable[..., Volunteer],
    registrar: User,
    ask: Callable[..., HelpRequest],
) -> None:
    mine = ask(volunteer)
    others = ask(registered(registrar))
    client = portal_client(volunteer)
    assert client.post("/me/help/withdraw/", {"request": str(others.pk)}).status_code == 404
    assert client.post("/me/help/withdraw/", {"request": str(mine.pk)}).status_code == 302
    assert HelpRequest.objects.get(pk=mine.pk).status == HelpStatus.WITHDRAWN
    assert HelpRequest.objects.get(pk=others.pk).status == HelpStatus.OPEN


# --- the office ------------------------------------------------------------------------------


def test_an_office_enters_a_call_by_registration_number(
    volunteer: Volunteer, registrar: User, login: Callable[[User], Client]
) -> None:
    client = login(registrar)
    assert client.get("/assistance/new/").status_code == 200
    form = _form(registration_number=volunteer.registration_number, urgency="3")
    answer = client.post("/assistance/new/", form)
    request = HelpRequest.objects.get()
    assert answer["Location"] == f"/assistance/{request.pk}/"
    assert (request.channel, request.entered_by, request.urgency) == ("phone", registrar, 3)


def test_an_office_cannot_enter_a_call_for_a_volunteer_outside_its_ledger(
    volunteer: Volunteer, outsider: User, login: Callable[[User], Client]
) -> None:
    client = english(login(outsider))
    form = _form(registration_number=volunteer.registration_number)
    answer = client.post("/assistance/new/", form)
    assert answer.status_code == 400
    assert "No volunteer of the ledger you keep has this registration number." in (
        answer.content.decode()
    )
    assert HelpRequest.objects.count() == 0


def test_the_leader_takes_a_request_and_records_the_outcome_with_the_helpers_hours(
    volunteer: Volunteer,
    team_leader: User,
    helpers: list[Volunteer],
    help_activity,
    ask: Callable[..., HelpRequest],
    login: Callable[[User], Client],
) -> None:
    request = ask(volunteer)
    client = login(team_leader)
    queue = client.get("/assistance/").content.decode()
    assert f'href="/assistance/{request.pk}/"' in queue
    detail = client.get(f"/assistance/{request.pk}/").content.decode()
    assert "郭亮社区3栋2单元401" in detail and volunteer.mobile not in detail
    team = request.routes.get(organization__code=TEAM).organization
    assert (
        client.post(f"/assistance/{request.pk}/take/", {"organization": team.pk}).status_code == 302
    )
    request.refresh_from_db()
    assert (request.status, request.taken_for, request.taken_by) == ("taken", team, team_leader)
    start = timezone.localtime(days_ago(1, 14))
    answer = client.post(
        f"/assistance/{request.pk}/outcome/",
        {
            "outcome": "陪同就医并取药",
            "helpers": [str(h.pk) for h in helpers],
            "activity": str(help_activity.pk),
            "start": f"{start:%Y-%m-%dT%H:%M}",
            "end": f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M}",
        },
    )
    assert answer.status_code == 302
    records = HourRecord.objects.filter(help_link__request=request)
    assert sorted((r.volunteer_id, r.status, r.minutes) for r in records) == sorted(
        (h.pk, HourStatus.PENDING, 120) for h in helpers
    )
    assert [t for _m, t, _p in texts()] == ["help_taken", "help_done"]


def test_the_taker_sees_the_full_number_once_asked_and_it_is_audited(
    volunteer: Volunteer,
    team_leader: User,
    ask: Callable[..., HelpRequest],
    login: Callable[[User], Client],
) -> None:
    request = ask(volunteer)
    client = login(team_leader)
    client.post(f"/assistance/{request.pk}/take/")
    shown = client.post(f"/assistance/{request.pk}/phone/").content.decode()
    assert volunteer.mobile in shown
    entry = AuditEntry.objects.get(action="assistance.request.phone_viewed")
    assert entry.actor == team_leader


def test_an_outcome_form_with_bad_input_says_so_and_writes_nothing(
    volunteer: Volunteer,
    team_leader: User,
    helpers: list[Volunteer],
    ask: Callable[..., HelpRequest],
    login: Callable[[User], Client],
) -> None:
    request = ask(volunteer)
    client = english(login(team_leader))
    client.post(f"/assistance/{request.pk}/take/")
    answer = client.post(
        f"/assistance/{request.pk}/outcome/",
        {"outcome": "买菜", "helpers": [str(helpers[0].pk)]},
    )
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "Choose the activity the helpers&#x27; hours count under." in body
    assert "Give when the help began and ended." in body
    assert HelpRequest.objects.get(pk=request.pk).status == HelpStatus.TAKEN
    assert HourRecord.objects.count() == 0


def test_other_areas_see_nothing_and_take_nothing(
    volunteer: Volunteer,
    outsider: User,
    etdz_admin: User,
    ask: Callable[..., HelpRequest],
    login: Callable[[User], Client],
) -> None:
    request = ask(volunteer)
    for user in (outsider, etdz_admin):
        client = login(user)
        assert f"/assistance/{request.pk}/" not in client.get("/assistance/").content.decode()
        assert client.get(f"/assistance/{request.pk}/").status_code == 404
        assert client.post(f"/assistance/{request.pk}/take/").status_code == 404
        assert (
            client.post(f"/assistance/{request.pk}/outcome/", {"outcome": "x"}).status_code == 404
        )
        assert "郭亮" not in client.get("/assistance/times/").content.decode()
    assert HelpRequest.objects.get(pk=request.pk).status == HelpStatus.OPEN


def test_the_queue_reads_in_a_bounded_number_of_queries(
    registered: Callable[..., Volunteer],
    registrar: User,
    district_admin: User,
    ask: Callable[..., HelpRequest],
    login: Callable[[User], Client],
    django_assert_max_num_queries,
) -> None:
    for _ in range(6):
        ask(registered(registrar))
    client = login(district_admin)
    with django_assert_max_num_queries(16):
        page = client.get("/assistance/")
    assert page.content.decode().count('href="/assistance/') >= 6
