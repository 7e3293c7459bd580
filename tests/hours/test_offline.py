"""The roster offline: the service worker's script is served under /hours/ (its scope must
cover the rosters), the roster page hands its checks to it, and the API answers the worker as
the worker expects: a check sent again with its key is recorded once, at the time of the click;
a stale CSRF token (the worker keeps the check and asks for a fresh page) and an ended log-in
(it keeps the check and asks for a log-in) are told apart from a refusal (it shows the
server's message). The worker itself runs in tests/browser/test_activities_hours.py."""

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import SignUpFactory, SlotFactory
from zhiyuan.hours.models import Attendance

pytestmark = pytest.mark.django_db
CHECK_INS = "/api/v1/check-ins/"


@pytest.fixture
def slot(activity):
    now = timezone.now().replace(microsecond=0)
    return SlotFactory(
        activity=activity, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2)
    )


@pytest.fixture
def signed_up(slot, volunteer):
    SignUpFactory(slot=slot, volunteer=volunteer)
    return volunteer


def test_the_worker_is_served_under_hours_so_that_it_controls_the_rosters(client) -> None:
    response = client.get("/hours/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    script = response.content.decode()
    assert 'self.addEventListener("fetch"' in script and "idempotency_key" in script
    assert client.post("/hours/sw.js").status_code == 405


def test_the_roster_hands_its_checks_to_the_worker(login, team_leader, slot, signed_up) -> None:
    page = login(team_leader).get(f"/hours/slots/{slot.pk}/").content.decode()
    box = re.search(r'<div id="roster-sync"[^>]*>', page, re.S)
    assert box is not None
    assert 'data-worker="/hours/sw.js?api=/api/v1/check-ins/&amp;static=/static/"' in box.group()
    assert 'data-scope="/hours/"' in box.group()
    assert f'data-slot="{slot.pk}"' in box.group()
    assert 'data-time-zone="Asia/Shanghai"' in box.group()
    row = re.search(rf'<tr id="v{signed_up.pk}"[^>]*>', page)
    assert row is not None
    assert f'data-volunteer="{signed_up.pk}"' in row.group()
    assert 'data-checked-in="0"' in row.group()
    assert 'class="inline roster-check"' in page
    assert '<script src="/static/zhiyuan/hours-roster.js" defer></script>' in page


def _leader_client(team_leader, slot) -> tuple[Client, str]:
    """A leader's browser with CSRF checks on, and the token its roster page carries."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(team_leader)
    page = browser.get(f"/hours/slots/{slot.pk}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    return browser, token.group(1)


def _send(browser: Client, token: str, body: dict) -> object:
    return browser.post(
        CHECK_INS,
        json.dumps(body),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_a_check_queued_offline_is_recorded_once_at_the_time_of_the_click(
    team_leader, slot, signed_up
) -> None:
    browser, token = _leader_client(team_leader, slot)
    clicked = timezone.now().replace(microsecond=0) - timedelta(minutes=12)
    check = {
        "slot": slot.pk,
        "volunteer": signed_up.pk,
        "direction": "in",
        "idempotency_key": str(uuid.uuid4()),
        "at": clicked.isoformat(),
    }
    first = _send(browser, token, check)
    again = _send(browser, token, check)  # its answer was lost: the worker sends it again
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    (interval,) = Attendance.objects.filter(slot=slot, volunteer=signed_up)
    assert (interval.checked_in_at, interval.in_key, interval.in_by) == (
        clicked,
        check["idempotency_key"],
        team_leader,
    )


def test_the_worker_tells_a_stale_token_an_ended_log_in_and_a_refusal_apart(
    team_leader, slot, signed_up, volunteer
) -> None:
    browser, _token = _leader_client(team_leader, slot)
    check = {"slot": slot.pk, "volunteer": signed_up.pk, "direction": "in"}
    stale = _send(browser, "x" * 64, check)
    assert stale.status_code == 403 and "CSRF" in stale.json()["detail"]
    ended = Client(enforce_csrf_checks=True).post(
        CHECK_INS, json.dumps(check), content_type="application/json"
    )
    assert ended.status_code == 401
    browser, token = _leader_client(team_leader, slot)
    stranger = SignUpFactory(slot=SlotFactory()).volunteer  # signed up for another slot
    refused = _send(browser, token, {**check, "volunteer": stranger.pk})
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": [f"{stranger.name} has no confirmed sign-up for this slot."]
    }
    assert not Attendance.objects.exists()


def test_the_slots_page_of_the_activity_leads_to_its_check_in_roster(
    login, team_leader, viewer, slot
) -> None:
    link = f'href="/hours/slots/{slot.pk}/"'
    assert link in login(team_leader).get(f"/activities/slots/{slot.pk}/").content.decode()
    assert link not in login(viewer).get(f"/activities/slots/{slot.pk}/").content.decode()
