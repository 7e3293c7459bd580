"""A street administrator logs in and sees that street's subtree and nothing outside it."""

import pytest

from tests.browser.conftest import browser_session, log_in, screenshot
from tests.conftest import PASSWORD
from zhiyuan.organizations.models import Organization

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_street_admin_sees_their_street_and_nothing_outside(
    live_server, world_tx, chromium
) -> None:
    other_street = Organization.objects.get(code="430602002-SC").pk
    district = Organization.objects.get(code="430602-GC").pk
    url = live_server.url
    with browser_session() as page:
        log_in(page, url, "13900000003", PASSWORD)  # street_admin's mobile number
        page.wait_for_url(f"{url}/reports/dashboard/")  # the landing page
        page.goto(f"{url}/organizations/")
        tree = page.locator("#org-tree")
        assert tree.locator("summary").first.inner_text().startswith("岳阳楼街道志愿服务中心")
        tree.locator("summary").first.click()
        page.wait_for_selector("#org-tree >> text=郭亮社区志愿服务站")
        shown = tree.inner_text()
        assert "汴河社区志愿服务站" in shown
        assert "岳阳楼街道志愿服务队" in shown
        screenshot(page, "street-admin-tree")
        body = page.inner_text("body")
        assert "三眼桥" not in body
        assert "岳阳楼区发展志愿服务事业指导委员会" not in body

        page.fill("input[name=q]", "志愿服务站")
        page.click("form[role=search] button")
        page.wait_for_selector("text=2 个结果")
        results = page.inner_text("table")
        assert "郭亮社区志愿服务站" in results
        assert "汴河社区志愿服务站" in results
        assert "桃花山社区志愿服务站" not in results
        assert "亮山志愿服务站" not in results

        for pk in (other_street, district):
            response = page.goto(f"{url}/organizations/{pk}/")
            assert response is not None
            assert response.status == 404
