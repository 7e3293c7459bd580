"""A person registers themself on a phone inside WeChat's browser, confirms with the code from
the SMS, and sees their number; the registrar of that street finds them in the ledger, and the
administrator of another street neither finds them nor opens their page."""

from typing import Any

import pytest
from django.core.cache import cache

from tests.browser.conftest import WECHAT_ANDROID, browser_session, log_in, screenshot
from tests.conftest import PASSWORD
from tests.volunteers.people import synthetic_id, synthetic_mobile
from zhiyuan.common.sms import SmsMessage
from zhiyuan.volunteers.enums import ConfirmationMethod, RegistrationChannel, RegistrationStatus
from zhiyuan.volunteers.models import RegistrationBody, Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_WIDTH = 375
NAME = "欧阳秀兰"


def _fits(page: Any) -> bool:
    """No horizontal scrolling. Measured against the phone's width, not window.innerWidth:
    a mobile browser zooms out to show content wider than the screen, and innerWidth grows."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return bool(width <= PHONE_WIDTH)


def _last_sms(outbox: list[SmsMessage], template: str) -> dict[str, str]:
    messages = [m for m in outbox if m.template == template]
    assert messages, f"no {template} SMS was sent"
    return messages[-1].params


def test_a_person_registers_on_a_phone_and_only_their_street_finds_them(
    live_server, world_tx, chromium, outbox
) -> None:
    cache.clear()
    street = RegistrationBody.objects.get(organization__code="430602001-SC")
    point = f"{street.pk}:{street.organization_id}"
    document_number = synthetic_id("19590312", male=False)  # a woman in her late sixties
    mobile = synthetic_mobile()
    url = live_server.url

    with browser_session(width=PHONE_WIDTH, height=740, user_agent=WECHAT_ANDROID) as page:
        page.goto(f"{url}/join/")
        assert page.locator("#id_point optgroup[label='岳阳楼区']").count() == 1
        assert _fits(page)
        screenshot(page, "join-1-choose-phone")
        page.select_option("#id_point", point)
        page.click("form[action='/join/'] button[type=submit]")
        page.wait_for_url(f"{url}/join/?point={point.replace(':', '%3A')}")
        assert page.inner_text(".place-name") == "岳阳楼街道志愿服务中心"
        assert _fits(page)
        page.click("form[action='/prefs/large-text/'] button")  # large text for older eyes
        page.wait_for_selector("html.large-text")
        assert page.inner_text(".place-name") == "岳阳楼街道志愿服务中心"  # the same place
        assert _fits(page)

        page.fill("#id_name", NAME)
        page.fill("#id_document_number", document_number)
        page.fill("#id_mobile", mobile)
        page.select_option("#id_home_division", "430602001001")  # 郭亮社区
        page.check("input[name=service_intentions][value=empty_nest_elderly]")
        page.check("input[name=available_times][value=weekday_daytime]")
        assert not page.locator("#age-basis").evaluate("el => el.open")  # an adult
        page.click("#join-form button.big")  # the consent box left unticked
        page.wait_for_selector("#f-consent .errorlist")
        assert page.locator("#f-consent .errorlist").is_visible()
        assert page.input_value("#id_name") == NAME
        assert _fits(page)
        screenshot(page, "join-2-no-consent-phone")

        page.check("#id_consent")
        screenshot(page, "join-3-form-large-text-phone")
        page.click("#join-form button.big")
        page.wait_for_url(f"{url}/join/confirm/")
        masked = f"{mobile[:3]}****{mobile[-4:]}"
        assert masked in page.inner_text(".lead")
        assert mobile not in page.content() and document_number not in page.content()
        assert _fits(page)
        screenshot(page, "join-4-code-phone")

        page.fill("#id_code", _last_sms(outbox, "registration_confirm")["code"])
        page.click("form[action='/join/confirm/'] button.big")
        page.wait_for_url(f"{url}/join/done/")
        shown_number = page.inner_text("#registration-number")
        assert shown_number == _last_sms(outbox, "registration_confirmed")["number"]
        assert mobile not in page.content() and document_number not in page.content()
        assert _fits(page)
        screenshot(page, "join-5-done-phone")

        page.click(".done a.btn")
        page.wait_for_url(f"{url}/me/")
        page.fill("#id_mobile", mobile)
        page.click("form[action='/me/login/'] button")
        page.wait_for_url(f"{url}/me/login/")
        page.fill("#id_code", _last_sms(outbox, "volunteer_login_code")["code"])
        page.click("form[action='/me/code/'] button")
        page.wait_for_url(f"{url}/me/")
        card = page.inner_text("section.registration")
        assert shown_number in card
        assert f"{document_number[:2]}{'*' * 14}{document_number[-2:]}" in card
        assert mobile not in page.content() and document_number not in page.content()
        assert _fits(page)
        screenshot(page, "join-6-my-registration-phone")

    volunteer = Volunteer.objects.get(registration_number=shown_number)
    assert (volunteer.name, volunteer.status, volunteer.channel) == (
        NAME,
        RegistrationStatus.ACTIVE,
        RegistrationChannel.SELF,
    )
    assert volunteer.confirmation_method == ConfirmationMethod.SMS_CODE
    assert (volunteer.body, volunteer.home_division_id) == (street, "430602001001")
    detail = f"{url}/volunteers/{volunteer.pk}/"

    with browser_session() as page:
        log_in(page, url, "registrar", PASSWORD)
        page.wait_for_url(f"{url}/reports/dashboard/")
        page.goto(f"{url}/volunteers/?q={NAME}")
        rows = page.inner_text("table tbody")
        assert NAME in rows and shown_number in rows
        screenshot(page, "ledger-registrar-finds-volunteer")
        page.click(f"table tbody a[href='/volunteers/{volunteer.pk}/']")
        page.wait_for_url(detail)
        assert document_number not in page.content() and mobile not in page.content()

    with browser_session() as page:
        log_in(page, url, "outsider", PASSWORD)
        page.wait_for_url(f"{url}/reports/dashboard/")
        page.goto(f"{url}/volunteers/?q={NAME}")
        assert NAME not in page.inner_text("body")
        assert page.locator(f"a[href='/volunteers/{volunteer.pk}/']").count() == 0
        screenshot(page, "ledger-outsider-finds-nothing")
        response = page.goto(detail)
        assert response is not None
        assert response.status == 404
        assert NAME not in page.inner_text("body")
