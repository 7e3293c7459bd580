"""The organisation chart draws from live data, scoped, without script errors."""

import pytest

from tests.browser.conftest import browser_session, log_in, screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_street_admin_chart_draws_their_street_only(live_server, world_tx, chromium) -> None:
    url = live_server.url
    errors: list[str] = []
    with browser_session() as page:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        log_in(page, url, "street_admin", PASSWORD)
        page.wait_for_url(f"{url}/reports/dashboard/")
        with page.expect_response(lambda r: "/organizations/chart/data" in r.url) as data:
            page.goto(f"{url}/organizations/chart/")
        payload = data.value.json()
        page.wait_for_selector("#org-chart canvas")
        page.wait_for_function("document.querySelector('#org-chart canvas').width > 0")
        page.wait_for_timeout(1500)  # let the drawing animation finish before the picture
        screenshot(page, "street-admin-chart")
        text = str(payload)
        with page.expect_download() as download:
            page.click("a[href$='/chart/pdf/']")
        pdf_name = download.value.suggested_filename
    assert errors == []
    assert "岳阳楼街道志愿服务中心" in text
    assert "三眼桥" not in text
    assert pdf_name.startswith("组织体系图-") and pdf_name.endswith(".pdf")
