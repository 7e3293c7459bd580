"""The work plan on a 375 px phone, in English: the city office uses the plan's steps; a street
administrator reports the first step done with a photo; the district's administrator accepts
it and reads the board. Screenshots of each step."""

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import WECHAT_ANDROID, browser_session, log_in, screenshot
from tests.conftest import PASSWORD
from tests.reports.test_standards import png
from zhiyuan.workplan.models import StepReport, WorkStep

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_WIDTH = 375


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH)


def _in_english(page: Any) -> None:
    page.click("label.nav-button")
    page.click("button[name=language][value=en]")
    page.wait_for_selector("html[lang=en]")


def _phone() -> Any:
    return browser_session(width=PHONE_WIDTH, height=800, user_agent=WECHAT_ANDROID)


def test_the_city_sets_the_steps_a_street_reports_and_the_district_accepts(
    live_server, world_tx, chromium, tmp_path: Path
) -> None:
    url = live_server.url
    photo = tmp_path / "名单.png"
    photo.write_bytes(png(40, 30))
    errors: list[str] = []

    with _phone() as page:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, url, "city_admin", PASSWORD)
        page.wait_for_url(re.compile(rf"{url}/.*"))
        _in_english(page)
        page.goto(f"{url}/workplan/")
        page.fill("#id_year", "2027")
        page.click("#defaults button[type=submit]")
        page.wait_for_selector("#steps tbody tr[data-code=activities]")
        assert "5 of the plan's steps added." in page.inner_text(".messages")
        assert _fits(page)
        screenshot(page, "workplan-1-steps-phone-en")

    with _phone() as page:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, url, "street_admin", PASSWORD)
        page.wait_for_url(re.compile(rf"{url}/.*"))
        _in_english(page)
        page.goto(f"{url}/workplan/")
        assert page.locator("#to-report tbody tr").count() == 5
        assert page.locator("#defaults").count() == 0  # only the city sets the steps
        assert _fits(page)
        screenshot(page, "workplan-2a-index-street-phone-en")
        page.click("#to-report tbody tr:first-child a")
        page.fill("#id_responsible_person", "王街道")
        page.fill("#id_contact_phone", "19900005555")
        page.fill("#id_responsible_department", "团工委")
        page.fill("#id_note", "Named the office and the people in charge.")
        page.set_input_files("#id_evidence", str(photo))
        assert _fits(page)
        screenshot(page, "workplan-2-report-form-phone-en")
        page.click("#report-form button[type=submit]")
        page.wait_for_selector("#report")
        assert "199****5555" in page.inner_text("#report")
        assert "Awaiting review" in page.inner_text("#cell-state")
        assert _fits(page)
        screenshot(page, "workplan-3-reported-phone-en")

    with _phone() as page:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, url, "district_admin", PASSWORD)
        page.wait_for_url(re.compile(rf"{url}/.*"))
        _in_english(page)
        page.goto(f"{url}/workplan/")
        page.click("#awaiting a")
        page.click("details.reveal summary")
        page.fill("#id_reveal-reason", "To call and check")
        page.click("details.reveal button")
        page.wait_for_selector("#contact a[href='tel:19900005555']")
        assert _fits(page)
        screenshot(page, "workplan-4-decide-phone-en")
        page.click("#decide form:first-child button")
        page.wait_for_selector("#cell-state .wp-done")
        page.goto(f"{url}/workplan/board/")
        assert page.locator("#board tbody tr").count() > 4
        assert _fits(page)
        screenshot(page, "workplan-5-board-phone-en")

    assert errors == []
    made = StepReport.objects.get()
    assert (made.status, made.step.code, made.organization.code) == (
        "accepted",
        "preparation",
        "430602001-SC",
    )
    assert WorkStep.objects.count() == 5
