"""The public volunteer pages: self-registration at /join/, confirmation by code or link, and
"my registration" at /me/ (log-in by SMS code, teams, requests). Pages are read in English
(the msgids), so that the assertions hold before and after translation."""

import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.volunteers.people import person_data, synthetic_id, synthetic_mobile
from zhiyuan.accounts.models import SmsCode, User
from zhiyuan.common.models import AuditEntry, OutboundSms
from zhiyuan.common.sms import SmsMessage
from zhiyuan.organizations.access import scope
from zhiyuan.organizations.models import Organization
from zhiyuan.portal.session import IDLE_SECONDS
from zhiyuan.volunteers import services
from zhiyuan.volunteers.enums import (
    ConfirmationMethod,
    MembershipStatus,
    RegistrationChannel,
    RegistrationStatus,
    RequestKind,
)
from zhiyuan.volunteers.models import Membership, RegistrationBody, Volunteer, VolunteerRequest
from zhiyuan.volunteers.report_links import report_link
from zhiyuan.volunteers.throttles import RegistrationThrottle

pytestmark = pytest.mark.django_db

STREET = "430602001-SC"  # 岳阳楼街道志愿服务中心
OTHER_STREET = "430602002-SC"  # 三眼桥街道志愿服务中心
STATION = "430602001001-ST"  # 郭亮社区志愿服务站, delegated by STREET
WRONG = "Please correct the entries marked in red below."


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    """The per-address throttles count in the cache, which outlives a test's transaction."""
    cache.clear()
    yield
    cache.clear()


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def web() -> Client:
    """An anonymous phone reading English pages (the msgids, stable before translation)."""
    return english(Client())


def key(body: RegistrationBody, organization: Organization | None = None) -> str:
    return f"{body.pk}:{(organization or body.organization).pk}"


def form(point: str, consent: bool = True, **overrides: Any) -> dict[str, Any]:
    data = {key: value for key, value in person_data(**overrides).items() if value is not None}
    data["point"] = point
    if consent:
        data["consent"] = "on"
    return data


def sent(capture: Any, call: Callable[[], Any]) -> Any:
    with capture(execute=True):
        return call()


def errors(response: Any) -> dict[str, list[str]]:
    return {name: list(messages) for name, messages in response.context["form"].errors.items()}


def page_messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def join(web: Client, capture: Any, point: str, **overrides: Any) -> tuple[Any, dict[str, Any]]:
    data = form(point, **overrides)
    with capture(execute=True):
        response = web.post("/join/", data)
    return response, data


@pytest.fixture
def joined(
    web: Client, body: Any, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> tuple[Volunteer, dict[str, Any]]:
    """A person who registered at 岳阳楼街道 and confirmed with the code: (volunteer, data)."""
    _response, data = join(web, django_capture_on_commit_callbacks, key(body(STREET)))
    web.post("/join/confirm/", {"code": outbox[-1].params["code"]})
    return Volunteer.objects.get(status=RegistrationStatus.ACTIVE), data


def log_in(web: Client, mobile: str, outbox: list[SmsMessage], capture: Any) -> Any:
    with capture(execute=True):
        step = web.post("/me/login/", {"mobile": mobile})
    ticket = step.context["form"]["ticket"].value()
    return web.post("/me/code/", {"ticket": ticket, "code": outbox[-1].params["code"]})


def no_personal_data(content: bytes, *values: str) -> bool:
    text = content.decode()
    return all(value not in text for value in values)


# --- where to register ------------------------------------------------------------------------


def test_join_lists_active_bodies_and_delegations_grouped_by_district(
    web: Client, body: Any, org: Any
) -> None:
    response = web.get("/join/")
    assert response.status_code == 200
    html = response.content.decode()
    groups = re.findall(r'<optgroup label="([^"]+)">', html)
    assert groups == [
        "岳阳市",
        "岳阳楼区",
        "云溪区",
        "岳阳经济技术开发区发展志愿服务事业指导委员会",
    ]
    options = re.findall(r'<option value="(\d+:\d+)">([^<]+)</option>', html)
    street, station = body(STREET), org(STATION)
    assert (key(street), "岳阳楼街道志愿服务中心") in options
    assert (key(street, station), "郭亮社区志愿服务站 (岳阳楼街道志愿服务中心)") in options
    assert [label for _key, label in options] == [
        "岳阳市志愿者协会",
        "岳阳楼区志愿者协会",
        "岳阳楼街道志愿服务中心",
        "郭亮社区志愿服务站 (岳阳楼街道志愿服务中心)",
        "三眼桥街道志愿服务中心",
        "云溪区志愿者协会",
        "长岭街道志愿服务中心",
        "岳阳经济技术开发区志愿者协会",
        "经济技术开发区通海路管理处志愿服务中心",
    ]


@pytest.mark.parametrize("point", ["999999:1", "abc", "1:2:3", "１:２"])
def test_an_unknown_point_asks_where_to_register_again(web: Client, point: str) -> None:
    response = web.get("/join/", {"point": point})
    assert response.status_code == 200
    assert "That registration place does not take registrations now." in response.content.decode()
    assert "form" not in response.context


def test_a_revoked_delegation_takes_no_registrations(
    web: Client, body: Any, org: Any, street_admin: User
) -> None:
    street = body(STREET)
    services.revoke_delegation(street.delegations.get(), actor=street_admin)
    response = web.post("/join/", form(key(street, org(STATION))))
    assert "That registration place does not take registrations now." in response.content.decode()
    assert Volunteer.objects.count() == 0


def test_the_form_names_the_place_and_offers_the_districts_communities(
    web: Client, body: Any
) -> None:
    response = web.get("/join/", {"point": key(body(STREET))})
    assert response.status_code == 200
    html = response.content.decode()
    assert "岳阳楼街道志愿服务中心" in html
    select = re.search(r'<select name="home_division".*?</select>', html, re.S)
    assert select is not None
    options = re.findall(r'<option value="(\d*)"', select.group(0))
    assert options == [
        "",
        "430602001000",
        "430602001001",
        "430602001002",
        "430602002000",
        "430602002001",
        "430602002002",
        "430602402000",
        "430602402001",
        "430602402002",
    ]
    assert "Privacy notice (version 2026-1)" in html
    assert 'name="consent"' in html


# --- self-registration --------------------------------------------------------------------


def test_self_registration_records_an_application_and_texts_a_code(
    web: Client, body: Any, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    street = body(STREET)
    response, data = join(
        web,
        django_capture_on_commit_callbacks,
        key(street),
        document_number=synthetic_id("19600815", male=False),
        name="李秀英",
        home_division="430602001002",
        skills=["first_aid", "elderly_care"],
    )
    assert (response.status_code, response["Location"]) == (302, "/join/confirm/")
    volunteer = Volunteer.objects.get()
    assert (volunteer.status, volunteer.channel, volunteer.registered_by) == (
        RegistrationStatus.APPLIED,
        RegistrationChannel.SELF,
        None,
    )
    assert (volunteer.body, volunteer.organization) == (street, street.organization)
    assert (volunteer.name, volunteer.gender, str(volunteer.birth_date)) == (
        "李秀英",
        "female",
        "1960-08-15",
    )
    assert volunteer.home_division_id == "430602001002"
    assert volunteer.skills == ["first_aid", "elderly_care"]
    assert volunteer.privacy_notice_version == "2026-1"
    assert volunteer.id_consent_at is not None
    assert volunteer.registration_number is None
    assert [(m.mobile, m.template) for m in outbox] == [(data["mobile"], "registration_confirm")]
    assert web.session["volunteers.join.pending"] == volunteer.pk
    entry = AuditEntry.objects.get(action="volunteer.registration.applied")
    assert (entry.actor, entry.data) == (None, {"channel": "self", "body": street.code})

    page = web.get("/join/confirm/")
    text = page.content.decode()
    masked = f"{data['mobile'][:3]}****{data['mobile'][-4:]}"
    assert f"We sent a 6-digit code to {masked} by SMS." in text
    assert no_personal_data(page.content, data["mobile"], data["document_number"])


def test_registering_through_a_delegation_records_the_station(
    web: Client, body: Any, org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    street, station = body(STREET), org(STATION)
    response, _data = join(web, django_capture_on_commit_callbacks, key(street, station))
    assert response.status_code == 302
    volunteer = Volunteer.objects.get()
    assert (volunteer.body, volunteer.organization) == (street, station)


def test_without_consent_nothing_is_written(
    web: Client, body: Any, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    data = form(key(body(STREET)), consent=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post("/join/", data)
    assert response.status_code == 200
    assert errors(response) == {
        "consent": ["Tick the box to give your consent: without it you cannot be registered."]
    }
    assert WRONG in response.content.decode()
    assert (Volunteer.objects.count(), OutboundSms.objects.count(), len(outbox)) == (0, 0, 0)
    assert not AuditEntry.objects.filter(action__startswith="volunteer.").exists()


def test_without_consent_the_other_mistakes_show_in_the_same_round(web: Client, body: Any) -> None:
    response = web.post("/join/", form(key(body(STREET)), consent=False, mobile="12"))
    assert errors(response) == {
        "consent": ["Tick the box to give your consent: without it you cannot be registered."],
        "mobile": ["Enter an 11-digit mainland mobile number, such as 13800138000."],
    }
    assert Volunteer.objects.count() == 0


def test_bad_input_gets_field_messages_and_writes_nothing(web: Client, body: Any) -> None:
    number = synthetic_id()
    broken = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = web.post(
        "/join/",
        form(
            key(body(STREET)),
            name="张3",
            document_number=broken,
            mobile="1234",
            email="nope",
            birth_date="1990-02-30",
        ),
    )
    assert response.status_code == 200
    assert sorted(errors(response)) == ["birth_date", "document_number", "email", "mobile", "name"]
    assert errors(response)["mobile"] == [
        "Enter an 11-digit mainland mobile number, such as 13800138000."
    ]
    assert errors(response)["email"] == [
        "Enter an email address such as name@example.com, or leave it empty."
    ]
    assert Volunteer.objects.count() == 0


def test_a_division_outside_the_list_is_refused(web: Client, body: Any) -> None:
    response = web.post("/join/", form(key(body(STREET)), home_division="430603001002"))
    assert errors(response) == {
        "home_division": [
            "Select a valid choice. 430603001002 is not one of the available choices."
        ]
    }
    assert Volunteer.objects.count() == 0


def test_a_minor_needs_a_basis_and_the_block_opens(
    web: Client, body: Any, django_capture_on_commit_callbacks: Any
) -> None:
    birth = (timezone.localdate() - timedelta(days=15 * 366)).strftime("%Y%m%d")
    number = synthetic_id(birth)
    response = web.post("/join/", form(key(body(STREET)), document_number=number))
    assert errors(response) == {
        "age_basis": [
            "Under 18: record the guardian's consent, the school's consent, or (16 and over) "
            "a declaration of living on one's own income."
        ]
    }
    assert re.search(
        r'<details class="card minors" id="age-basis"[^>]* open>', response.content.decode()
    )
    response, _data = join(
        web,
        django_capture_on_commit_callbacks,
        key(body(STREET)),
        document_number=number,
        age_basis="guardian_consent",
        guardian_name="王桂兰",
        guardian_relation="母亲",
        guardian_mobile=synthetic_mobile(),
    )
    assert response.status_code == 302
    assert Volunteer.objects.get().age_basis == "guardian_consent"


# One person, one registration, without telling a stranger whether an ID number is known:
# tests/portal/test_existence.py.


def test_registrations_from_one_address_are_limited(
    web: Client, body: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(RegistrationThrottle, "rate", "1/hour")
    first, _data = join(web, django_capture_on_commit_callbacks, key(body(STREET)))
    assert first.status_code == 302
    second, _data = join(web, django_capture_on_commit_callbacks, key(body(STREET)))
    assert second.status_code == 429
    assert errors(second) == {
        "__all__": ["Too many registrations from your network. Try again in an hour."]
    }
    assert Volunteer.objects.count() == 1


# --- confirmation -------------------------------------------------------------------------


def test_the_code_confirms_and_the_number_is_shown(
    web: Client, body: Any, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    _response, data = join(web, django_capture_on_commit_callbacks, key(body(STREET)))
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post("/join/confirm/", {"code": outbox[-1].params["code"]})
    assert (response.status_code, response["Location"]) == (302, "/join/done/")
    volunteer = Volunteer.objects.get()
    assert volunteer.status == RegistrationStatus.ACTIVE
    assert volunteer.confirmation_method == ConfirmationMethod.SMS_CODE
    assert "volunteers.join.pending" not in web.session
    done = web.get("/join/done/")
    assert done.status_code == 200
    assert (
        f'<div class="number" id="registration-number">{volunteer.registration_number}</div>'
        in done.content.decode()
    )
    assert "张*愿, you are now a registered volunteer of 岳阳楼街道志愿服务中心." in (
        done.content.decode()
    )
    assert no_personal_data(done.content, data["mobile"], data["document_number"], "张志愿")
    assert outbox[-1] == SmsMessage(
        data["mobile"],
        "registration_confirmed",
        {
            "number": volunteer.registration_number,
            "body": "岳阳楼街道志愿服务中心",
            "report": report_link(volunteer.pk),
        },
    )


def test_a_wrong_code_confirms_nothing(
    web: Client, body: Any, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    join(web, django_capture_on_commit_callbacks, key(body(STREET)))
    right = outbox[-1].params["code"]
    response = web.post("/join/confirm/", {"code": "000000" if right != "000000" else "111111"})
    assert response.status_code == 200
    assert errors(response) == {
        "code": ["The code is wrong or has expired. Check it, or ask for a new one."]
    }
    assert Volunteer.objects.get().status == RegistrationStatus.APPLIED
    response = web.post("/join/confirm/", {"code": "12ab"})
    assert errors(response) == {"code": ["The code has 6 digits."]}


def test_another_browser_confirms_with_mobile_and_code(
    web: Client, body: Any, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    _response, data = join(web, django_capture_on_commit_callbacks, key(body(STREET)))
    other = english(Client())
    page = other.get("/join/confirm/")
    assert sorted(page.context["form"].fields) == ["code", "mobile"]
    bad = other.post("/join/confirm/", {"mobile": "12345", "code": "123456"})
    assert errors(bad) == {
        "mobile": ["Enter an 11-digit mainland mobile number, such as 13800138000."]
    }
    response = other.post(
        "/join/confirm/", {"mobile": data["mobile"], "code": outbox[-1].params["code"]}
    )
    assert response["Location"] == "/join/done/"
    assert Volunteer.objects.get().status == RegistrationStatus.ACTIVE


def test_resending_the_code_is_rate_limited(
    web: Client, body: Any, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    _response, data = join(web, django_capture_on_commit_callbacks, key(body(STREET)))
    SmsCode.objects.update(created_at=timezone.now() - timedelta(seconds=30))
    response = web.post("/join/confirm/resend/", follow=True)
    assert page_messages(response) == [
        "A code was sent less than a minute ago. Wait 30 seconds and try again."
    ]
    assert len(outbox) == 1
    SmsCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post("/join/confirm/resend/", follow=True)
    masked = f"{data['mobile'][:3]}****{data['mobile'][-4:]}"
    assert page_messages(response) == [f"A new code was sent to {masked}."]
    assert [m.template for m in outbox] == ["registration_confirm", "registration_confirm"]
    assert web.post("/join/confirm/", {"code": outbox[-1].params["code"]}).status_code == 302


def test_an_application_closed_meanwhile_is_not_asked_for_a_code(
    web: Client,
    body: Any,
    registrar: User,
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
    apply,
) -> None:
    _response, data = join(web, django_capture_on_commit_callbacks, key(body(OTHER_STREET)))
    # A minute later: one mobile gets one confirmation message a minute, whatever the application.
    SmsCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    person = {k: v for k, v in data.items() if k not in ("point", "consent")}
    elsewhere = sent(
        django_capture_on_commit_callbacks,
        lambda: apply(registrar, send_confirmation=True, **person),
    )
    services.confirm_with_code(elsewhere, outbox[-1].params["code"])
    response = web.get("/join/confirm/", follow=True)
    assert page_messages(response) == [
        "This application can no longer be confirmed (status: Closed)."
    ]
    assert "volunteers.join.pending" not in web.session


def test_resend_without_a_registration_in_the_browser(web: Client) -> None:
    response = web.post("/join/confirm/resend/", follow=True)
    assert page_messages(response) == [
        "This browser holds no registration awaiting a code. Enter your mobile and code."
    ]


def test_the_link_shows_body_and_masked_name_and_confirms_on_the_button(
    web: Client, body: Any, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    _response, data = join(web, django_capture_on_commit_callbacks, key(body(STREET)))
    path = outbox[-1].params["link"].split("://", 1)[1].split("/", 1)[1]
    phone = english(Client())
    page = phone.get(f"/{path}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "岳阳楼街道志愿服务中心" in html and "张*愿" in html
    assert 'id="confirm-button"' in html
    assert no_personal_data(page.content, "张志愿", data["mobile"], data["document_number"])
    assert Volunteer.objects.get().status == RegistrationStatus.APPLIED  # a GET confirms nothing
    response = phone.post(f"/{path}")
    assert response["Location"] == "/join/done/"
    volunteer = Volunteer.objects.get()
    assert volunteer.confirmation_method == ConfirmationMethod.SMS_LINK
    again = phone.post(f"/{path}")
    assert again.status_code == 400
    assert (
        "This link was already used or has expired. Ask for a new confirmation message."
        in again.content.decode()
    )


def test_a_forged_link_is_refused(web: Client) -> None:
    response = web.get("/join/confirm/not-a-token/")
    assert response.status_code == 400
    assert (
        "This link is not valid or has expired. Ask for a new confirmation message."
        in response.content.decode()
    )


def test_done_without_a_confirmation_goes_back_to_join(web: Client) -> None:
    assert web.get("/join/done/")["Location"] == "/join/"


# --- my registration ------------------------------------------------------------------------


def test_log_in_by_code_shows_my_registration_masked(
    web: Client,
    joined: tuple[Volunteer, dict[str, Any]],
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    volunteer, data = joined
    phone = english(Client())
    with django_capture_on_commit_callbacks(execute=True):
        step = phone.post("/me/login/", {"mobile": data["mobile"]})
    masked = f"{data['mobile'][:3]}****{data['mobile'][-4:]}"
    assert f"If a registration uses {masked}, a 6-digit code was sent to it by SMS." in (
        step.content.decode()
    )
    assert no_personal_data(step.content, data["mobile"])
    assert (outbox[-1].mobile, outbox[-1].template) == (data["mobile"], "volunteer_login_code")
    ticket = step.context["form"]["ticket"].value()
    response = phone.post("/me/code/", {"ticket": ticket, "code": outbox[-1].params["code"]})
    assert response["Location"] == "/me/"
    with django_assert_max_num_queries(12):
        page = phone.get("/me/")
    html = page.content.decode()
    number = data["document_number"]
    assert f"{number[:2]}{'*' * 14}{number[-2:]}" in html
    assert volunteer.registration_number in html
    assert "岳阳楼街道志愿服务中心" in html and "Active" in html
    assert timezone.localdate().strftime("%Y-%m-%d") in html
    assert no_personal_data(page.content, data["mobile"], number)
    # the code works once
    again = english(Client()).post(
        "/me/code/", {"ticket": ticket, "code": outbox[-1].params["code"]}
    )
    assert errors(again) == {
        "code": ["The code is wrong or has expired. Check it, or ask for a new one."]
    }


def test_an_unknown_number_gets_the_same_answer_and_no_sms(
    web: Client, outbox: list[SmsMessage]
) -> None:
    step = web.post("/me/login/", {"mobile": "19912345678"})
    assert step.status_code == 200
    assert "If a registration uses 199****5678, a 6-digit code was sent to it by SMS." in (
        step.content.decode()
    )
    assert outbox == []
    assert SmsCode.objects.filter(purpose="volunteer_login").count() == 1
    ticket = step.context["form"]["ticket"].value()
    response = web.post("/me/code/", {"ticket": ticket, "code": "123456"})
    assert errors(response) == {
        "code": ["The code is wrong or has expired. Check it, or ask for a new one."]
    }
    assert "volunteers.me" not in web.session


def test_log_in_codes_are_rate_limited(web: Client) -> None:
    web.post("/me/login/", {"mobile": "19912340000"})
    again = web.post("/me/login/", {"mobile": "19912340000"})
    assert errors(again)["mobile"][0].startswith("A code was sent less than a minute ago.")
    for n in range(1, 9):
        web.post("/me/login/", {"mobile": f"1991234000{n}"})
    refused = web.post("/me/login/", {"mobile": "19912340009"})
    assert refused.status_code == 429
    assert errors(refused) == {
        "__all__": ["Too many codes were asked for from your network. Try again in an hour."]
    }


def test_a_forged_ticket_asks_for_a_new_code(web: Client) -> None:
    response = web.post("/me/code/", {"ticket": "g:t1:AAAA", "code": "123456"}, follow=True)
    assert page_messages(response) == ["Please ask for a code again."]


def test_the_log_in_expires_after_idle_minutes(
    web: Client,
    joined: tuple[Volunteer, dict[str, Any]],
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    _volunteer, data = joined
    log_in(web, data["mobile"], outbox, django_capture_on_commit_callbacks)
    assert web.get("/me/").templates[0].name == "portal/me.html"
    session = web.session
    session["volunteers.me"] = {**session["volunteers.me"], "at": time.time() - IDLE_SECONDS - 1}
    session.save()
    assert web.get("/me/").templates[0].name == "portal/me_login.html"
    refused = web.post("/me/requests/", {"correction-kind": "correction"}, follow=True)
    assert page_messages(refused) == ["Your log-in has expired. Log in again."]
    assert VolunteerRequest.objects.count() == 0


def test_log_out(
    web: Client,
    joined: tuple[Volunteer, dict[str, Any]],
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    _volunteer, data = joined
    log_in(web, data["mobile"], outbox, django_capture_on_commit_callbacks)
    response = web.post("/me/logout/", follow=True)
    assert page_messages(response) == ["You are logged out."]
    assert response.templates[0].name == "portal/me_login.html"


def test_join_a_team_of_the_area_and_leave_it(
    web: Client,
    joined: tuple[Volunteer, dict[str, Any]],
    org: Any,
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    volunteer, data = joined
    log_in(web, data["mobile"], outbox, django_capture_on_commit_callbacks)
    page = web.get("/me/")
    choices = page.context["cards"][0]["join_form"].fields["team"].choices
    offered = [(group, [name for _pk, name in teams]) for group, teams in choices[1:]]
    assert offered == [
        (
            "岳阳楼街道",
            [
                "岳阳楼街道志愿服务队",
                "郭亮社区志愿服务站",
                "郭亮社区志愿服务队",
                "汴河社区志愿服务站",
                "汴河社区志愿服务队",
            ],
        ),
        ("岳阳楼区志愿者协会", ["岳阳楼区志愿服务总队"]),
        (
            "三眼桥街道",
            [
                "三眼桥街道志愿服务队",
                "桃花山社区志愿服务站",
                "桃花山社区志愿服务队",
                "朝阳社区志愿服务站",
                "朝阳社区志愿服务队",
            ],
        ),
    ]
    team = org("430602001001-TM")
    response = web.post(
        "/me/teams/join/", {"volunteer": volunteer.pk, "team": team.pk}, follow=True
    )
    assert page_messages(response) == [
        "You applied to join 郭亮社区志愿服务队. Its leader will decide."
    ]
    membership = Membership.objects.get()
    assert (membership.volunteer, membership.team, membership.status) == (
        volunteer,
        team,
        MembershipStatus.APPLIED,
    )
    assert AuditEntry.objects.filter(action="volunteer.membership.applied", actor=None).count() == 1
    assert "郭亮社区志愿服务队" in response.content.decode()
    response = web.post("/me/teams/leave/", {"membership": membership.pk}, follow=True)
    assert page_messages(response) == ["You left 郭亮社区志愿服务队."]
    membership.refresh_from_db()
    assert (membership.status, membership.left_on) == (MembershipStatus.LEFT, timezone.localdate())


def test_a_team_outside_the_area_is_refused(
    web: Client,
    joined: tuple[Volunteer, dict[str, Any]],
    org: Any,
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    volunteer, data = joined
    log_in(web, data["mobile"], outbox, django_capture_on_commit_callbacks)
    far = org("430603001-TM")
    response = web.post("/me/teams/join/", {"volunteer": volunteer.pk, "team": far.pk})
    assert response.status_code == 400
    join_form = response.context["cards"][0]["join_form"]
    assert dict(join_form.errors) == {
        "team": [f"Select a valid choice. {far.pk} is not one of the available choices."]
    }
    assert Membership.objects.count() == 0


def test_correction_and_cancellation_requests_reach_the_bodys_registrars(
    web: Client,
    joined: tuple[Volunteer, dict[str, Any]],
    registrar: User,
    outsider: User,
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    volunteer, data = joined
    log_in(web, data["mobile"], outbox, django_capture_on_commit_callbacks)
    empty = web.post(
        "/me/requests/",
        {
            "correction-volunteer": volunteer.pk,
            "correction-kind": "correction",
            "correction-message": " ",
        },
    )
    assert empty.status_code == 400
    assert dict(empty.context["cards"][0]["correction_form"].errors) == {
        "message": ["Say what is wrong and what is right."]
    }
    assert VolunteerRequest.objects.count() == 0
    response = web.post(
        "/me/requests/",
        {
            "correction-volunteer": volunteer.pk,
            "correction-kind": "correction",
            "correction-message": "学历应为研究生",
        },
        follow=True,
    )
    assert page_messages(response) == [
        "Your request was sent to the registrars of 岳阳楼街道志愿服务中心."
    ]
    response = web.post(
        "/me/requests/",
        {"cancellation-volunteer": volunteer.pk, "cancellation-kind": "cancellation"},
        follow=True,
    )
    requests = list(VolunteerRequest.objects.order_by("pk").values_list("kind", "message"))
    assert requests == [(RequestKind.CORRECTION, "学历应为研究生"), (RequestKind.CANCELLATION, "")]
    card = response.context["cards"][0]
    assert (card["correction_form"], card["cancellation_form"]) == (None, None)
    assert len(card["open_requests"]) == 2
    assert scope(registrar, VolunteerRequest.objects.all()).count() == 2
    assert scope(outsider, VolunteerRequest.objects.all()).count() == 0


def test_another_persons_registration_is_404(
    web: Client,
    joined: tuple[Volunteer, dict[str, Any]],
    org: Any,
    registrar: User,
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
    apply,
) -> None:
    _volunteer, data = joined
    stranger = sent(
        django_capture_on_commit_callbacks,
        lambda: apply(registrar, send_confirmation=True),
    )
    stranger = services.confirm_with_code(stranger, outbox[-1].params["code"])
    membership = services.apply_for_team(stranger, org("430602001001-TM"))
    log_in(web, data["mobile"], outbox, django_capture_on_commit_callbacks)
    team = org("430602001-TM").pk
    assert web.post("/me/teams/join/", {"volunteer": stranger.pk, "team": team}).status_code == 404
    assert web.post("/me/teams/leave/", {"membership": membership.pk}).status_code == 404
    assert web.post("/me/teams/leave/", {"membership": "x"}).status_code == 404
    stranger_request = {"correction-volunteer": stranger.pk, "correction-kind": "correction"}
    assert (
        web.post("/me/requests/", {**stranger_request, "correction-message": "x"}).status_code
        == 404
    )
    assert web.post("/me/requests/", {"nothing": "1"}).status_code == 404
    assert Membership.objects.get().status == MembershipStatus.APPLIED
    assert VolunteerRequest.objects.count() == 0
    page = web.get("/me/")
    assert [card["volunteer"].pk for card in page.context["cards"]] == [_volunteer.pk]


def test_actions_are_post_only_and_need_csrf(
    joined: tuple[Volunteer, dict[str, Any]],
) -> None:
    """A GET of an action shows the page with its form (tests/test_urls.py) and does nothing."""
    client = Client(enforce_csrf_checks=True)
    for path in (
        "/join/confirm/resend/",
        "/me/login/",
        "/me/code/",
        "/me/logout/",
        "/me/teams/join/",
        "/me/teams/leave/",
        "/me/requests/",
    ):
        assert client.get(path).status_code == 302, path
        assert client.post(path, {}).status_code == 403, path
    assert client.post("/join/", {}).status_code == 403
