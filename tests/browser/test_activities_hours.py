"""Issue 12's browser test: a team leader publishes an activity; a volunteer on a phone signs
up, checks in through the QR code's URL and checks out; the leader confirms the record; the
volunteer sees the hours and the progress toward the yearly 20 hours. Meanwhile the leader's
roster, on a phone at the venue, checks a team member in while offline: the check waits on the
phone, and once the network is back it is recorded once, even though the answer to its first
sending is lost on the way and it is sent again.

Time: a slot must start in the future to be published and to take sign-ups, but a check-out
records only the time inside the slot. The services read the real clock (`timezone.now()`, no
`now=` parameter) and no service moves a slot with sign-ups into the present, so the test
really waits: the leader's slot starts at the next whole minute at least 20 seconds after it is
entered (the form takes minutes; the volunteer has logged in before, so what must happen before
the start, publishing and both sign-ups, takes a second or two), check-in opens an hour before a
slot, and the volunteer checks out a minute after the start: a record of one minute. The
database is written behind the services' backs nowhere; the volunteers and their earlier
confirmed record are made through the services before the browser opens.

Playwright's sync API runs an event loop in this thread, so the ORM runs in another thread
while the browser is open (`_db`).
"""

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest
from django.db import connections
from django.utils import timezone

from tests.browser.conftest import WECHAT_ANDROID, browser, log_in, screenshot
from tests.conftest import PASSWORD
from tests.factories import TEAM, ActivityFactory, MembershipFactory, culture
from tests.volunteers import people
from tests.volunteers.people import synthetic_mobile
from zhiyuan.accounts.models import User
from zhiyuan.activities.enums import ActivityStatus, SignUpSource, SignUpStatus
from zhiyuan.activities.models import Activity, SignUp
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.sms import SmsMessage
from zhiyuan.hours import rules, selectors, services
from zhiyuan.hours.enums import HourSource, HourStatus
from zhiyuan.hours.models import Attendance, HourRecord
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import MembershipStatus
from zhiyuan.volunteers.models import Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 375, "height": 740}
TITLE = "郭亮社区敬老院陪伴"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
T = TypeVar("T")


def _db(read: Callable[[], T]) -> T:
    """Run `read` with the ORM in a thread of its own (its connection closed after)."""

    def run() -> T:
        try:
            return read()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"])


def _last_code(outbox: list[SmsMessage], mobile: str) -> str:
    sent = [m for m in outbox if m.template == "volunteer_login_code" and m.mobile == mobile]
    assert sent, "no log-in code was texted"
    return sent[-1].params["code"]


def _earlier_confirmed_record(volunteer: Volunteer, leader: User) -> HourRecord:
    """Six hours served earlier this year (or since the year began, if it began today), made
    and confirmed by the leader of another activity of the team."""
    now = timezone.localtime()
    year_start = now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    start = max(year_start, (now - timedelta(days=7)).replace(hour=9, minute=0, second=0))
    end = min(start + timedelta(hours=6), now - timedelta(minutes=10))
    record = services.record_hours(
        volunteer,
        activity=ActivityFactory(title="社区读书会"),
        start=start,
        end=end,
        actor=leader,
        source=HourSource.LEADER,
    )
    return services.confirm_records([record], actor=leader)[0]


def _slot_start() -> datetime:
    """The next whole local minute at least 20 seconds ahead (the leader's and the volunteer's
    steps from entering the slot to signing up for it take a second or two)."""
    ahead = timezone.localtime() + timedelta(seconds=20)
    return ahead.replace(second=0, microsecond=0) + timedelta(minutes=1)


def _wait_until(moment: datetime, page: Any) -> None:
    """Let the clock pass `moment`, keeping the browser's event loop running meanwhile."""
    left = (moment - timezone.now()).total_seconds()
    if left > 0:
        page.wait_for_timeout(left * 1000 + 500)


def test_an_activity_from_publication_to_confirmed_hours_with_the_roster_offline(
    live_server, world_tx, chromium, outbox: list[SmsMessage]
) -> None:
    url = live_server.url
    leader = User.objects.get(username="team_leader")
    registrar = User.objects.get(username="registrar")
    category = culture()  # the category table, emptied by the transactional test's flush
    mobile = synthetic_mobile()
    phone_volunteer = people.registered(registrar, name="欧阳秀兰", mobile=mobile)
    earlier = _earlier_confirmed_record(phone_volunteer, leader)
    member = people.registered(registrar, name="石磊")
    MembershipFactory(
        volunteer=member,
        team=Organization.objects.get(code=TEAM),
        status=MembershipStatus.APPROVED,
    )

    with browser() as chromium_browser:
        leader_context = chromium_browser.new_context(viewport=PHONE, locale="zh-CN")
        office = leader_context.new_page()
        office.set_default_timeout(15_000)
        errors: list[str] = []
        office.on("pageerror", lambda exc: errors.append(str(exc)))

        # The leader drafts the activity.
        log_in(office, url, "team_leader", PASSWORD)
        office.wait_for_url(lambda address: "/accounts/login/" not in address)
        office.goto(f"{url}/activities/new/")
        office.fill("#id_title", TITLE)
        office.select_option("#id_category", value=str(category.pk))
        office.select_option("#id_division", index=1)
        office.fill("#id_address", "郭亮社区敬老院")
        office.check("input[name=visibility][value=public]")
        office.click("form.stacked button[type=submit]")
        office.wait_for_url(re.compile(r"/activities/\d+/$"))
        activity_id = int(office.url.rstrip("/").rsplit("/", 1)[1])

        # The volunteer, on a phone inside WeChat, logs in with a texted code.
        volunteer_context = chromium_browser.new_context(
            viewport=PHONE,
            locale="zh-CN",
            user_agent=WECHAT_ANDROID,
            is_mobile=True,
            has_touch=True,
        )
        phone = volunteer_context.new_page()
        phone.set_default_timeout(15_000)
        phone.on("pageerror", lambda exc: errors.append(str(exc)))
        phone.goto(f"{url}/me/")
        phone.fill("#id_mobile", mobile)
        phone.click("form[action='/me/login/'] button")
        phone.wait_for_url(f"{url}/me/login/")
        phone.fill("#id_code", _last_code(outbox, mobile))
        phone.click("form[action='/me/code/'] button")
        phone.wait_for_url(f"{url}/me/")

        # The leader adds the slot and publishes the activity...
        starts = _slot_start()
        ends = starts + timedelta(hours=2)
        office.click(f"details:has(form[action='/activities/{activity_id}/slots/add/']) > summary")
        office.fill("#id_day", f"{starts:%Y-%m-%d}")
        office.fill("#id_start", f"{starts:%H:%M}")
        office.fill("#id_end", f"{ends:%H:%M}")
        office.fill("#id_capacity", "5")
        office.click(f"form[action='/activities/{activity_id}/slots/add/'] button")
        office.wait_for_selector("a[href^='/activities/slots/']")
        slot_id = int(
            office.get_attribute("a[href^='/activities/slots/']", "href").strip("/").split("/")[-1]
        )
        office.click(f"form[action='/activities/{activity_id}/publish/'] button")
        office.wait_for_selector(f"form[action='/activities/{activity_id}/finish/']")
        # ... and signs up a member of the team for it.
        office.goto(f"{url}/activities/slots/{slot_id}/group/")
        office.check(f"input[name=volunteer][value='{member.pk}']")
        office.click("form.stacked button[type=submit]")
        office.wait_for_url(f"{url}/activities/slots/{slot_id}/")

        # The volunteer signs up on the phone.
        phone.goto(f"{url}/events/{activity_id}/")
        phone.click(f"form[action='/events/{activity_id}/signup/'] button")
        phone.wait_for_selector(".badge.signup-confirmed")
        assert _fits(phone)
        screenshot(phone, "activity-1-signed-up-phone")

        # The leader opens the roster at the venue; the service worker takes it over.
        roster = f"{url}/hours/slots/{slot_id}/"
        office.goto(roster)
        office.wait_for_selector("#roster-sync[data-ready='1']", state="attached")
        office.wait_for_function("navigator.serviceWorker.controller !== null")
        # Opened once more through the worker, the roster is kept (on a slow machine the first
        # visit can end before the worker took the page over, and then nothing is kept yet).
        office.reload()
        office.wait_for_selector("#roster-sync[data-ready='1']", state="attached")
        office.wait_for_function("() => caches.match(location.pathname).then(Boolean)")
        assert _fits(office)
        screenshot(office, "roster-1-online-phone")

        # The volunteer scans the slot's code: the URL it carries opens the check-in page.
        code = office.request.get(f"{url}/api/v1/check-in-codes/{slot_id}/").json()
        assert code["url"].startswith(f"{url}/checkin/")
        phone.goto(code["url"])
        phone.wait_for_url(f"{url}/checkin/")
        phone.click("button.check-button[value=in]")
        phone.wait_for_selector("button.check-button[value=out]")
        assert _fits(phone)
        screenshot(phone, "checkin-1-checked-in-phone")

        # The network drops at the venue: the leader checks the member in all the same.
        leader_context.set_offline(True)
        row = f"tr#v{member.pk}"
        office.click(f"{row} button[name=direction][value=in]")
        office.wait_for_selector(f"{row} .badge.queued")
        assert office.get_attribute(f"{row} button[name=direction]", "value") == "out"
        assert office.locator("#roster-sync").is_visible()
        assert _fits(office)
        screenshot(office, "roster-2-offline-queued-phone")
        assert _db(lambda: Attendance.objects.filter(volunteer=member).count()) == 0
        # Opened again offline, the roster is the saved copy, with the check still waiting.
        office.reload()
        office.wait_for_selector("html[data-saved-copy]", state="attached")
        office.wait_for_selector(f"{row} .badge.queued")
        screenshot(office, "roster-3-offline-saved-copy-phone")

        # The network returns, but the answer to the first sending is lost on the way back.
        sent: list[int] = []

        def lose_the_first_answer(route: Any) -> None:
            answer = route.fetch()  # the server has it...
            sent.append(answer.status)
            if len(sent) == 1:
                route.abort("connectionreset")  # ...the phone never hears
            else:
                route.fulfill(response=answer)

        leader_context.route("**/api/v1/check-ins/", lose_the_first_answer)
        leader_context.set_offline(False)
        # The worker sends it again with its key (Background Sync, or the page's retry): the
        # server answers that it has it, the queue empties and the page loads itself again,
        # now the server's roster with the member checked in.
        office.wait_for_selector(f"{row}[data-checked-in='1']", timeout=45_000)
        office.wait_for_selector("#roster-sync[data-ready='1']", state="attached")
        assert office.locator(f"{row} .badge.queued").count() == 0
        assert office.get_attribute(f"{row} button[name=direction]", "value") == "out"
        assert sent == [201, 200]
        assert _fits(office)
        screenshot(office, "roster-4-back-online-phone")
        intervals = _db(lambda: list(Attendance.objects.filter(volunteer=member)))
        assert len(intervals) == 1
        assert UUID.fullmatch(intervals[0].in_key or "")
        assert intervals[0].in_by_id == leader.pk
        assert (
            _db(
                lambda: AuditEntry.objects.filter(
                    action="hours.attendance.checked_in", object_id=str(intervals[0].pk)
                ).count()
            )
            == 1
        )

        # A minute into the slot the volunteer checks out: a pending record of that minute.
        _wait_until(starts + timedelta(seconds=62), phone)
        phone.reload()
        phone.click("button.check-button[value=out]")
        phone.wait_for_selector("button.check-button[value=in]")
        screenshot(phone, "checkin-2-checked-out-phone")

        # The leader confirms it on the roster.
        office.goto(roster)
        record = _db(lambda: HourRecord.objects.get(volunteer=phone_volunteer, slot_id=slot_id))
        office.check(f"#tick{record.pk}")
        office.click("button[form=confirm-form]")
        office.wait_for_selector(f"#tick{record.pk}", state="detached")

        # The volunteer sees the hours and the progress toward the year's 20 hours.
        phone.goto(f"{url}/me/hours/")
        card = phone.locator(f"#record-{record.pk}")
        assert "hours-confirmed" in card.locator(".badge").first.get_attribute("class")
        total = earlier.minutes + record.minutes
        figures = re.findall(r"\d+(?:\.\d+)?", phone.inner_text(".big-total"))
        assert sorted(figures) == sorted([rules.hours(total).to_eng_string(), "20"])
        percent = total * 100 // selectors.yearly_target_minutes()
        assert phone.get_attribute(".hours-progress progress", "value") == str(percent)
        assert _fits(phone)
        screenshot(phone, "my-hours-phone")

        # The same pages in English (the switch in the page's header).
        office.click("button[name=language][value=en]")
        office.wait_for_selector("html[lang=en]")
        office.goto(roster)
        office.wait_for_selector("#roster-sync[data-ready='1']", state="attached")
        screenshot(office, "roster-5-online-phone-en")
        leader_context.set_offline(True)
        office.reload()
        office.wait_for_selector("html[data-saved-copy]", state="attached")
        assert office.locator("#roster-sync").is_visible()
        screenshot(office, "roster-6-offline-saved-copy-phone-en")
        leader_context.set_offline(False)
        phone.click("button[name=language][value=en]")
        phone.wait_for_selector("html[lang=en]")
        phone.goto(f"{url}/checkin/")
        screenshot(phone, "checkin-3-phone-en")
        phone.goto(f"{url}/me/hours/")
        screenshot(phone, "my-hours-phone-en")
        assert errors == []

    activity = Activity.objects.get(pk=activity_id)
    assert (activity.title, activity.status, activity.organizer.code) == (
        TITLE,
        ActivityStatus.PUBLISHED,
        TEAM,
    )
    signups = SignUp.objects.filter(slot_id=slot_id).order_by("volunteer_id")
    assert [(s.volunteer_id, s.status, s.source) for s in signups] == sorted(
        [
            (member.pk, SignUpStatus.CONFIRMED, SignUpSource.LEADER),
            (phone_volunteer.pk, SignUpStatus.CONFIRMED, SignUpSource.SELF),
        ]
    )
    record.refresh_from_db()
    assert (record.status, record.source, record.minutes, record.decided_by) == (
        HourStatus.CONFIRMED,
        HourSource.CHECK_IN,
        1,
        leader,
    )
    assert record.start == starts
    assert Attendance.objects.filter(volunteer=member).count() == 1
