"""Award campaigns on a 375 px phone in English: the city's office opens a campaign, gives a
quota and sees its campaigns; a street nominates; the office reads a nomination, the ranking and
the campaign under review; the public reads a shortlist on notice (names masked), objects to an
entry, and reads published results. Screenshots of each page in `test-artifacts/awards-*.png`."""

from datetime import timedelta
from typing import Any

import pytest

from tests.awards.conftest import (
    TODAY,
    campaign_days_ago,
    give_quota,
    open_city_campaign,
    user,
    volunteer,
)
from tests.browser.conftest import WECHAT_ANDROID, browser_session, log_in, screenshot
from tests.conftest import PASSWORD
from zhiyuan.awards import services
from zhiyuan.awards.models import Campaign, Nomination, Objection

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


def test_award_pages_on_a_phone(live_server, world_tx, chromium) -> None:
    nominating = open_city_campaign()
    give_quota(nominating, "430602001-SC", 2)
    candidate = volunteer(name="欧阳志愿", hours=6)
    reviewing, rows = campaign_days_ago(7, nominees=3)
    services.score_nomination(
        rows[0], actor=user("city_admin"), score="92.5", today=TODAY - timedelta(days=1)
    )
    on_notice, (first, second) = campaign_days_ago(11)
    day = TODAY - timedelta(days=2)
    services.score_nomination(first, actor=user("city_admin"), score="95", today=day)
    services.score_nomination(second, actor=user("city_admin"), score="90", today=day)
    services.publish_shortlist(on_notice, actor=user("city_admin"))
    # Published 14 days ago: its notice of 7 working days has ended whatever today's weekday.
    fixed, (winner, _runner) = campaign_days_ago(25)
    services.score_nomination(
        winner, actor=user("city_admin"), score="96", today=TODAY - timedelta(days=16)
    )
    services.publish_shortlist(fixed, actor=user("city_admin"), today=TODAY - timedelta(days=14))
    services.fix_results(fixed, actor=user("city_admin"))
    url = live_server.url
    errors: list[str] = []
    widths: dict[str, bool] = {}

    with _phone() as page:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, url, "city_admin", PASSWORD)
        page.wait_for_url(f"{url}/reports/dashboard/")
        _in_english(page)
        for name, path in (
            ("awards-1-list", "/awards/"),
            ("awards-2-new", "/awards/new/"),
            ("awards-3-campaign-nominating", f"/awards/{nominating.pk}/"),
            ("awards-4-campaign-reviewing", f"/awards/{reviewing.pk}/"),
            ("awards-5-nomination-score", f"/awards/nominations/{rows[1].pk}/"),
            ("awards-6-ranking", f"/awards/{reviewing.pk}/ranking/"),
            ("awards-7-campaign-notice", f"/awards/{on_notice.pk}/"),
        ):
            page.goto(f"{url}{path}")
            widths[name] = _fits(page)
            screenshot(page, name)

    with _phone() as page:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, url, "street_admin", PASSWORD)
        page.wait_for_url(f"{url}/reports/dashboard/")
        _in_english(page)
        page.goto(f"{url}/awards/{nominating.pk}/nominate/")
        page.fill("#id_registration_number", candidate.registration_number)
        page.fill("#id_citation", "Serves the elderly of 郭亮社区 every week.")
        widths["awards-8-nominate"] = _fits(page)
        screenshot(page, "awards-8-nominate")
        page.click("form.stacked button[type=submit]")
        page.wait_for_selector("#status")
        screenshot(page, "awards-9-nominated")

    with _phone() as page:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{url}/honours/")
        page.click("button[name=language][value=en]")
        page.wait_for_selector("html[lang=en]")
        page.goto(f"{url}/honours/")
        screenshot(page, "awards-10-public-list")
        page.goto(f"{url}/honours/{on_notice.pk}/")
        widths["awards-11-public-notice"] = _fits(page)
        screenshot(page, "awards-11-public-notice")
        entry = page.locator(f"#entry-{second.pk}")
        entry.locator("summary").click()
        entry.locator("textarea").fill("The hours of this entry look too high to me.")
        entry.locator("button[type=submit]").click()
        page.wait_for_selector("#lodged")
        screenshot(page, "awards-12-objection-lodged")
        page.goto(f"{url}/honours/{fixed.pk}/")
        widths["awards-13-public-results"] = _fits(page)
        screenshot(page, "awards-13-public-results")

    assert errors == []
    assert widths == dict.fromkeys(widths, True)
    assert Nomination.objects.filter(campaign=nominating, volunteer=candidate).count() == 1
    assert Objection.objects.filter(nomination=second).count() == 1
    assert Campaign.objects.get(pk=fixed.pk).status == "fixed"
