"""Issue 14's browser test (spot checks): the city opens a spot check over the city; a checker
on a phone (375 px) reveals a sampled person's phone, calls, and records that the person denies
having registered; the registration body's administrator sees the case and cancels the
registration; the city's dashboard shows the body's verification rate.

Playwright's sync API runs an event loop in this thread, so the ORM runs in another thread
while the browser is open (`_db`). Each page is also photographed at 375 px
(test-artifacts/checks-*.png).
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from django.db import connections
from django.utils import timezone

from tests.browser.conftest import browser, log_in, screenshot
from tests.conftest import PASSWORD
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.checks.enums import CaseStatus, Decision, Outcome
from zhiyuan.checks.models import Campaign, Case
from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers.enums import RegistrationStatus
from zhiyuan.volunteers.models import Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 375, "height": 740}
T = TypeVar("T")


def _db(read: Callable[[], T]) -> T:
    def run() -> T:
        try:
            return read()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"])


def test_a_spot_check_from_the_sample_to_a_cancelled_registration_and_the_rate(
    live_server, world_tx, chromium
) -> None:
    url = live_server.url
    registrar = User.objects.get(username="registrar")
    outsider = User.objects.get(username="outsider")
    for _ in range(4):
        people.registered(registrar)
    for _ in range(2):
        people.registered(outsider, people.OTHER_STREET)
    today = timezone.localdate()

    with browser() as chromium_browser:
        errors: list[str] = []
        city = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        office = city.new_page()
        office.set_default_timeout(15_000)
        office.on("pageerror", lambda exc: errors.append(str(exc)))

        # The city opens a spot check of the city's registrations this year: 3 of 6.
        log_in(office, url, "city_admin", PASSWORD)
        office.wait_for_url(lambda address: "/accounts/login/" not in address)
        office.goto(f"{url}/checks/new/")
        office.fill("#id_organization", "4306-GC")
        office.fill("#id_title", "第二季度电话抽查")
        office.select_option("#id_subject", "registrations")
        office.fill("#id_period_start", f"{today.year}-01-01")
        office.fill("#id_period_end", today.isoformat())
        office.fill("#id_sample_size", "3")
        office.fill("#id_seed", "42")
        office.click("#campaign-form button[type=submit]")
        office.wait_for_url(lambda address: address.rstrip("/").split("/")[-1].isdigit())
        assert office.inner_text("#seed") == "42"
        assert office.locator("#items tbody tr").count() == 3
        office.select_option("#id_checker", label="吴核查")
        office.click("#assign")
        office.wait_for_selector(".msg")
        screenshot(office, "checks-campaign")

        # A checker, on a phone, calls a sampled person and records the denial.
        phone_context = chromium_browser.new_context(viewport=PHONE, locale="zh-CN")
        phone = phone_context.new_page()
        phone.set_default_timeout(15_000)
        phone.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(phone, url, "checker", PASSWORD)
        phone.wait_for_url(lambda address: "/accounts/login/" not in address)
        phone.goto(f"{url}/checks/mine/")
        screenshot(phone, "checks-mine-375")
        assert _fits(phone)
        phone.click("#assignments li:first-child a")
        masked = phone.inner_text("#phone")
        assert "****" in masked
        phone.click("#reveal-phone")
        phone.wait_for_selector("#phone a[href^='tel:']")
        assert "****" not in phone.inner_text("#phone")
        phone.check(f"input[name=outcome][value={Outcome.DENIES_REGISTRATION}]")
        phone.fill("#id_note", "本人称从未注册，也未授权他人代为注册")
        screenshot(phone, "checks-item-375")
        assert _fits(phone)
        phone.click("#outcome-form button[type=submit]")
        phone.wait_for_url(f"{url}/checks/mine/")

        # The body's administrator sees the case and cancels the registration.
        body_context = chromium_browser.new_context(viewport=PHONE, locale="zh-CN")
        body = body_context.new_page()
        body.set_default_timeout(15_000)
        log_in(body, url, "street_admin", PASSWORD)
        body.wait_for_url(lambda address: "/accounts/login/" not in address)
        body.goto(f"{url}/checks/cases/")
        body.click("#cases tbody tr:first-child a")
        body.check(f"input[name=decision][value={Decision.REGISTRATION_CANCELLED}]")
        body.fill("#id_note", "经核实为代注册，予以注销")
        screenshot(body, "checks-case-375")
        assert _fits(body)
        body.click("#decide-form button[type=submit]")
        body.wait_for_selector("#decision")
        assert "经核实为代注册" in body.inner_text("#decision")

        # The city's dashboard shows the body's verification rate.
        office.goto(f"{url}/reports/dashboard/")
        office.wait_for_selector("#verification-bodies")
        row = office.locator("#verification-bodies tbody tr", has_text="岳阳楼街道")
        assert "100.0%" in row.inner_text()
        screenshot(office, "checks-dashboard")
        assert errors == []

    case = _db(lambda: Case.objects.select_related("volunteer", "decided_by").get())
    assert case.decided_by is not None
    assert (case.status, case.decision, case.decided_by.username) == (
        CaseStatus.CLOSED,
        Decision.REGISTRATION_CANCELLED,
        "street_admin",
    )
    volunteer = _db(lambda: Volunteer.objects.get(pk=case.volunteer_id))
    assert volunteer.status == RegistrationStatus.CANCELLED
    assert volunteer.registration_number  # kept, never reused
    assert _db(lambda: Campaign.objects.get().seed) == 42
    assert (
        _db(
            lambda: AuditEntry.objects.filter(
                action="volunteer.personal_data.viewed", actor__username="checker"
            ).count()
        )
        == 1
    )
