"""The office pages on a phone inside WeChat's browser, in large-text mode for older users."""

import pytest

from tests.browser.conftest import WECHAT_ANDROID, browser_session, log_in, screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_tree_on_a_phone_in_wechat_with_large_text(live_server, world_tx, chromium) -> None:
    url = live_server.url
    with browser_session(width=375, height=740, user_agent=WECHAT_ANDROID) as page:
        log_in(page, url, "street_admin", PASSWORD)
        page.wait_for_url(f"{url}/reports/dashboard/")  # the landing page fits the phone too
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        page.goto(f"{url}/organizations/")
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert not page.locator(".mainnav").is_visible()  # folded behind the menu button
        page.click("label.nav-button")
        assert page.locator(".mainnav").is_visible()
        page.click("text=大字模式")
        page.wait_for_selector("html.large-text")
        size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert size == 21
        page.locator("#org-tree summary").first.click()
        page.wait_for_selector("#org-tree >> text=郭亮社区志愿服务站")
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        screenshot(page, "phone-wechat-large-text")
        page.click("text=标准字号")
        page.wait_for_selector("html:not(.large-text)")
