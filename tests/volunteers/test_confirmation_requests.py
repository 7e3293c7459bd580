"""The bulk "please confirm" message: a page (and the API) first shows how many messages would
go out and to which units, and sends only when the office confirms that very number; each
registering unit sends at most CONFIRMATION_REQUESTS_PER_UNIT_PER_DAY of them a day."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from knox.models import AuthToken

from zhiyuan.accounts.models import SmsCode, User
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.sms import SmsMessage
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import selectors, services

pytestmark = pytest.mark.django_db

STATION = "430602001001-ST"
PREVIEW = "/volunteers/progress/send/"


@pytest.fixture
def awaiting(registrar: User, apply: Callable[..., Any], registered: Callable[..., Any]) -> None:
    """Awaiting confirmation: 2 through 岳阳楼街道's centre, 1 through 郭亮社区's station;
    one more is confirmed already."""
    apply(registrar)
    apply(registrar)
    apply(registrar, through=STATION)
    registered(registrar)


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _units(page: Any) -> list[tuple[str, int, int, int]]:
    return [
        (unit.organization.code, unit.awaiting, unit.to_send, unit.held)
        for unit in page.context["units"]
    ]


def test_the_preview_counts_the_messages_per_unit_and_sends_nothing(
    awaiting: None, registrar: User, login: Callable[[User], Client], outbox: list[SmsMessage]
) -> None:
    page = english(login(registrar)).get(PREVIEW, {"org": "430602001-SC"})
    assert page.status_code == 200
    assert _units(page) == [("430602001-SC", 2, 2, 0), (STATION, 1, 1, 0)]
    html = page.content.decode()
    assert "3 messages will go out" in html
    assert 'name="expected" value="3"' in html
    assert (outbox, SmsCode.objects.count()) == ([], 0)


def test_the_progress_page_leads_to_the_preview_not_to_a_send(
    awaiting: None, registrar: User, login: Callable[[User], Client], outbox: list[SmsMessage]
) -> None:
    client = login(registrar)
    html = client.get("/volunteers/progress/").content.decode()
    assert f'action="{PREVIEW}"' in html
    assert 'method="post"' not in html.split('id="main"')[1].split("<table")[0]
    response = client.post("/volunteers/progress/")
    assert (response.status_code, response["Location"]) == (302, PREVIEW)
    assert outbox == []


def test_sending_the_number_shown_sends_it(
    awaiting: None,
    registrar: User,
    login: Callable[[User], Client],
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = english(login(registrar))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PREVIEW, {"org": "430602001-SC", "expected": "3"}, follow=True)
    assert [m.template for m in outbox] == ["registration_confirm"] * 3
    assert [str(m) for m in response.context["messages"]] == [
        "Messages sent: 3; skipped (texted too recently): 0; held back by the daily limit: 0."
    ]
    assert response.redirect_chain == [("/volunteers/progress/?org=430602001-SC", 302)]


def test_a_number_that_changed_since_the_preview_sends_nothing(
    awaiting: None,
    registrar: User,
    login: Callable[[User], Client],
    outbox: list[SmsMessage],
    apply: Callable[..., Any],
) -> None:
    apply(registrar)  # a fourth application arrived after the office looked
    page = english(login(registrar)).post(PREVIEW, {"org": "430602001-SC", "expected": "3"})
    assert page.status_code == 400
    assert (
        "4 messages would go out now, not 3 as shown. Look at the list again."
        in page.content.decode()
    )
    assert 'name="expected" value="4"' in page.content.decode()
    assert outbox == []


def test_each_unit_sends_at_most_its_daily_limit_and_says_so(
    awaiting: None,
    registrar: User,
    login: Callable[[User], Client],
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.CONFIRMATION_REQUESTS_PER_UNIT_PER_DAY = 1
    client = english(login(registrar))
    page = client.get(PREVIEW, {"org": "430602001-SC"})
    assert _units(page) == [("430602001-SC", 2, 1, 1), (STATION, 1, 1, 0)]
    assert (
        "Daily limit reached: 1 message a day for this unit. The other 1 can be sent tomorrow."
        in page.content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(PREVIEW, {"org": "430602001-SC", "expected": "2"}, follow=True)
    assert len(outbox) == 2
    assert [str(m) for m in done.context["messages"]] == [
        "Messages sent: 2; skipped (texted too recently): 0; held back by the daily limit: 1."
    ]
    again = client.get(PREVIEW, {"org": "430602001-SC"})
    assert _units(again) == [("430602001-SC", 2, 0, 2), (STATION, 1, 0, 1)]
    assert "No message can go out now." in again.content.decode()
    assert 'name="expected"' not in again.content.decode()


def test_the_plan_counts_only_staff_messages_of_today_per_unit(
    awaiting: None, registrar: User, org: Callable[[str], Organization], settings: Any
) -> None:
    settings.CONFIRMATION_REQUESTS_PER_UNIT_PER_DAY = 5
    plan = selectors.confirmation_request_plan(registrar, org("430602001-SC"))
    assert [(u.organization.code, u.sent_today, u.limit) for u in plan] == [
        ("430602001-SC", 0, 5),
        (STATION, 0, 5),
    ]
    services.send_confirmation_requests(org(STATION), actor=registrar, expected=1)
    plan = selectors.confirmation_request_plan(registrar, org("430602001-SC"))
    assert [(u.organization.code, u.sent_today) for u in plan] == [
        ("430602001-SC", 0),
        (STATION, 1),
    ]
    assert AuditEntry.objects.filter(action="volunteer.confirmation.requested").count() == 1


def test_viewers_and_outsiders_see_no_send(
    awaiting: None, viewer: User, outsider: User, login: Callable[[User], Client]
) -> None:
    assert login(viewer).get(PREVIEW, {"org": "430602001-SC"}).status_code == 403
    assert login(outsider).get(PREVIEW, {"org": "430602001-SC"}).status_code == 404
    assert login(outsider).post(PREVIEW, {"org": "430602001-SC", "expected": "3"}).status_code == (
        404
    )


def _api(user: User) -> Client:
    _, token = AuthToken.objects.create(user=user)
    return english(Client(HTTP_AUTHORIZATION=f"Token {token}"))


def test_the_api_previews_and_sends_only_the_number_confirmed(
    awaiting: None,
    registrar: User,
    org: Callable[[str], Organization],
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = "/api/v1/volunteers/send-confirmations/"
    street = org("430602001-SC").pk
    client = _api(registrar)
    preview = client.get(url, {"organization": street})
    assert preview.json() == {
        "to_send": 3,
        "held": 0,
        "daily_limit": 500,
        "units": [
            {"code": "430602001-SC", "name": "岳阳楼街道志愿服务中心", "awaiting": 2}
            | {"to_send": 2, "held": 0, "sent_today": 0},
            {"code": STATION, "name": "郭亮社区志愿服务站", "awaiting": 1}
            | {"to_send": 1, "held": 0, "sent_today": 0},
        ],
    }

    def post(data: dict[str, Any]) -> Any:
        return client.post(url, json.dumps(data), content_type="application/json")

    missing = post({"organization": street})
    assert (missing.status_code, missing.json()) == (
        400,
        {"expected": ["This field is required."]},
    )
    wrong = post({"organization": street, "expected": 2})
    assert (wrong.status_code, wrong.json()) == (
        400,
        {"expected": ["3 messages would go out now, not 2 as shown. Look at the list again."]},
    )
    assert outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        sent = post({"organization": street, "expected": 3})
    assert sent.json() == {"sent": 3, "skipped": 0, "held": 0}
    assert len(outbox) == 3
