"""Issue 13, item 6's browser test: a registered volunteer on a phone (375 px, in WeChat) logs in
with the texted code and asks for help; the team leader of the community's team, on a phone
too, finds it first in the queue, takes it (the volunteer is texted), records what was done
with two members of the team as helpers under the team's standing priority-help activity; the
helpers' hours enter the ledger awaiting confirmation, and the volunteer's page shows the help
as done. The leader reads the pages in English, the volunteer in Chinese; every page fits the
phone's width and is kept as a screenshot in test-artifacts/.

Playwright's sync API runs an event loop in this thread, so the data is made before the browser
opens and the database is read after it closes.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.conftest import WECHAT_ANDROID, browser, log_in, screenshot
from tests.conftest import PASSWORD
from tests.factories import ActivityFactory, MembershipFactory, culture
from tests.volunteers import people
from tests.volunteers.people import synthetic_mobile
from zhiyuan.accounts.models import User
from zhiyuan.assistance.enums import HelpStatus
from zhiyuan.assistance.models import HelpRequest
from zhiyuan.common.sms import SmsMessage
from zhiyuan.hours.enums import HourStatus
from zhiyuan.hours.models import HourRecord
from zhiyuan.volunteers.enums import MembershipStatus

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 375, "height": 740}
GUOLIANG = "430602001001"


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"])


def _last_code(outbox: list[SmsMessage], mobile: str) -> str:
    sent = [m for m in outbox if m.template == "volunteer_login_code" and m.mobile == mobile]
    assert sent, "no log-in code was texted"
    return sent[-1].params["code"]


def test_a_volunteer_asks_on_a_phone_and_a_leader_takes_it_and_records_the_help(
    live_server, world_tx, chromium, outbox: list[SmsMessage]
) -> None:
    url = live_server.url
    registrar = User.objects.get(username="registrar")
    culture()  # the category table, emptied by the transactional test's flush
    mobile = synthetic_mobile()
    volunteer = people.registered(registrar, name="赵桂兰", mobile=mobile)
    helpers = [MembershipFactory(status=MembershipStatus.APPROVED).volunteer for _ in range(2)]
    activity = ActivityFactory(title="注册志愿者优先帮扶")
    start = timezone.localtime(timezone.now() - timedelta(hours=3)).replace(second=0, microsecond=0)
    end = start + timedelta(hours=1, minutes=30)
    errors: list[str] = []

    with browser() as chromium_browser:
        # The volunteer, on a phone inside WeChat, logs in with a texted code and asks.
        phone_context = chromium_browser.new_context(
            viewport=PHONE,
            locale="zh-CN",
            user_agent=WECHAT_ANDROID,
            is_mobile=True,
            has_touch=True,
        )
        phone = phone_context.new_page()
        phone.set_default_timeout(15_000)
        phone.on("pageerror", lambda exc: errors.append(str(exc)))
        phone.goto(f"{url}/me/")
        phone.fill("#id_mobile", mobile)
        phone.click("form[action='/me/login/'] button")
        phone.wait_for_url(f"{url}/me/login/")
        phone.fill("#id_code", _last_code(outbox, mobile))
        phone.click("form[action='/me/code/'] button")
        phone.wait_for_url(f"{url}/me/")
        phone.click("a[href='/me/help/']")
        phone.click("a[href='/me/help/new/']")
        phone.wait_for_url(f"{url}/me/help/new/")
        phone.select_option("#id_kind", "escort")
        phone.fill("#id_description", "腿脚不便，需要陪同去医院复查")
        phone.select_option("#id_division", GUOLIANG)
        phone.fill("#id_address", "郭亮社区3栋2单元401")
        phone.check("input[name=urgency][value='3']")
        assert _fits(phone)
        screenshot(phone, "assistance-ask-zh-375")
        phone.click("form.card button[type=submit]")
        phone.wait_for_url(f"{url}/me/help/")
        phone.wait_for_selector(".badge.help-open")
        assert _fits(phone)
        screenshot(phone, "assistance-my-help-open-zh-375")

        # The team's leader, on a phone, in English: the queue, the request, take, outcome.
        leader_context = chromium_browser.new_context(viewport=PHONE, locale="en-US")
        office = leader_context.new_page()
        office.set_default_timeout(15_000)
        office.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(office, url, "team_leader", PASSWORD)
        office.wait_for_url(lambda u: "/accounts/login/" not in u)
        office.goto(f"{url}/assistance/")
        office.click("button[name=language][value=en]")
        office.wait_for_selector("html[lang=en]")
        office.goto(f"{url}/assistance/")
        assert office.locator(".badge.help-priority").count() == 1
        assert _fits(office)
        screenshot(office, "assistance-queue-en-375")
        office.click("table a[href^='/assistance/']")
        office.wait_for_selector("form[action$='/take/']")
        screenshot(office, "assistance-request-open-en-375")
        office.click("form[action$='/take/'] button[type=submit]")
        office.wait_for_selector("#outcome")
        assert "Taken" in office.inner_text(".badge.help-taken")
        office.fill("#id_outcome", "陪同去医院复查并取药")
        for helper in helpers:
            office.check(f"input[name=helpers][value='{helper.pk}']")
        office.select_option("#id_activity", str(activity.pk))
        office.fill("#id_start", f"{start:%Y-%m-%dT%H:%M}")
        office.fill("#id_end", f"{end:%Y-%m-%dT%H:%M}")
        assert _fits(office)
        screenshot(office, "assistance-outcome-form-en-375")
        office.click("#outcome button[type=submit]")
        office.wait_for_selector(".badge.help-done")
        assert office.locator("a[href^='/hours/records/']").count() == 2
        assert _fits(office)
        screenshot(office, "assistance-request-done-en-375")
        office.goto(f"{url}/assistance/times/")
        assert _fits(office)
        screenshot(office, "assistance-times-en-375")
        office.goto(f"{url}/assistance/new/")
        assert _fits(office)
        screenshot(office, "assistance-new-call-en-375")

        # The volunteer sees the help done.
        phone.reload()
        phone.wait_for_selector(".badge.help-done")
        assert "陪同去医院复查并取药" in phone.inner_text("main")
        screenshot(phone, "assistance-my-help-done-zh-375")
        phone.click("button[name=language][value=en]")
        phone.wait_for_selector("html[lang=en]")
        phone.goto(f"{url}/me/help/")
        assert "Done" in phone.inner_text(".badge.help-done")
        assert _fits(phone)
        screenshot(phone, "assistance-my-help-done-en-375")
        phone.goto(f"{url}/me/help/new/")
        assert _fits(phone)
        screenshot(phone, "assistance-ask-en-375")

    assert errors == []
    request = HelpRequest.objects.get()
    assert (request.volunteer_id, request.priority, request.urgency) == (volunteer.pk, True, 3)
    assert (request.status, request.taken_by.username) == (HelpStatus.DONE, "team_leader")
    records = HourRecord.objects.filter(help_link__request=request).order_by("volunteer_id")
    assert [(r.volunteer_id, r.status, r.minutes, r.activity_id) for r in records] == [
        (helper.pk, HourStatus.PENDING, 90, activity.pk)
        for helper in sorted(helpers, key=lambda v: v.pk)
    ]
    texted = [(m.mobile, m.template) for m in outbox if m.template.startswith("help_")]
    assert texted == [(mobile, "help_taken"), (mobile, "help_done")]
