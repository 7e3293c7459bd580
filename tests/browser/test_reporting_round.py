"""The city administrator opens a reporting round; a street administrator sees it on the
dashboard (their landing page), submits Attachment 5 and downloads the PDF as submitted; the city
administrator sees the street as submitted and the other streets as not. On a 375 px phone, in
English, with screenshots of each step."""

import hashlib
import re
from typing import Any

import pytest

from tests.browser.conftest import WECHAT_ANDROID, browser_session, log_in, screenshot
from tests.conftest import PASSWORD
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.divisions.models import Division
from zhiyuan.reports import selectors
from zhiyuan.reports.rounds.models import Submission
from zhiyuan.reports.services import record_population

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_WIDTH = 375
#: The table the round asks for: Attachment 5, the registered-volunteer statistics table.
TABLE = "attachment5"


def _fits(page: Any) -> bool:
    """No horizontal scrolling at the phone's width."""
    return bool(page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH)


def _in_english(page: Any) -> None:
    page.click("label.nav-button")  # the tools sit under the folded menu on a phone
    page.click("button[name=language][value=en]")
    page.wait_for_selector("html[lang=en]")


def _phone() -> Any:
    return browser_session(width=PHONE_WIDTH, height=800, user_agent=WECHAT_ANDROID)


def test_a_street_submits_in_the_citys_round_and_the_city_sees_who_has(
    live_server, world_tx, chromium, tmp_path
) -> None:
    for code, population in (("430602001001", 1000), ("430602001002", 99)):
        record_population(
            Division.objects.get(code=code),
            actor=None,
            population=population,
            valid_from=selectors.local_today(),
        )
    registrar = User.objects.get(username="registrar")
    people.registered(registrar, through=people.STATION)
    people.registered(registrar, male=False, birth="19600505", political_status="party_member")
    people.apply(registrar, through=people.STATION)
    url = live_server.url
    errors: list[str] = []

    with _phone() as page:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, url, "city_admin", PASSWORD)
        page.wait_for_url(f"{url}/reports/dashboard/")
        _in_english(page)
        page.goto(f"{url}/reports/rounds/new/")
        page.fill("#id_title", "June statistics")
        for box in page.locator("input[name=tables]").all():
            box.set_checked(box.get_attribute("value") == TABLE)
        page.select_option("#id_submitter_level", "streets")
        assert _fits(page)
        screenshot(page, "round-1-open-phone-en")
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(rf"{url}/reports/rounds/\d+/$"))
        round_url = page.url
        assert page.locator("#round-members tbody tr").count() == 4
        assert "Not submitted" in page.inner_text("#round-members")

    with _phone() as page:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, url, "street_admin", PASSWORD)
        page.wait_for_url(f"{url}/reports/dashboard/")
        _in_english(page)
        todo = page.locator(".todo-round a")
        assert "June statistics" in todo.inner_text()
        page.wait_for_selector("[data-chart=progress] canvas")
        page.wait_for_selector("[data-chart=gender] canvas")
        assert page.inner_text("#counted") == "2"
        assert page.inner_text("#pending") == "1"
        assert _fits(page)
        screenshot(page, "round-2-dashboard-phone-en")
        todo.click()
        page.wait_for_url(round_url)
        page.click(".mine form button[type=submit]")
        page.wait_for_url(re.compile(rf"{url}/reports/submissions/\d+/$"))
        assert "Submitted." in page.inner_text(".messages")
        assert _fits(page)
        screenshot(page, "round-3-submitted-phone-en")
        with page.expect_download() as info:
            page.click(f"#table-{TABLE} a[href$='.pdf']")
        download = info.value
        pdf = tmp_path / "submitted.pdf"
        download.save_as(pdf)
        assert download.suggested_filename.endswith("-v1.pdf")

    with _phone() as page:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, url, "city_admin", PASSWORD)
        page.wait_for_url(f"{url}/reports/dashboard/")
        _in_english(page)
        assert "1 of 4 submitted" in page.inner_text(".todo")
        page.goto(round_url)
        states = {
            row.get_attribute("data-code"): row.get_attribute("data-state")
            for row in page.locator("#round-members tbody tr").all()
        }
        assert states == {
            "430602001-SC": "on-time",
            "430602002-SC": "missing",
            "430603001-SC": "missing",
            "430602402-SC": "missing",
        }
        assert _fits(page)
        screenshot(page, "round-4-city-sees-phone-en")

    assert errors == []
    submission = Submission.objects.get()
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == submission.tables.get(kind=TABLE).pdf_sha256
