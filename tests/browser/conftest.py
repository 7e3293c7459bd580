"""Browser tests drive Debian's chromium through Playwright's sync API.

Playwright's sync API runs an event loop in the test's thread, so Django's ORM must not be used
inside `with browser_session(...)`: prepare data before, assert on the database after. The live
server runs in its own thread (pytest-django's `live_server`). Where chromium or Playwright is
missing the tests skip with the reason; CI installs chromium, so there nothing skips.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]


def _skip_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright)"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"
    return None


@pytest.fixture
def chromium() -> str:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    return CHROMIUM


@contextmanager
def browser_session(
    *, width: int = 1280, height: int = 900, locale: str = "zh-CN", user_agent: str | None = None
) -> Iterator[Any]:
    """A fresh browser page; yields the Playwright page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        options: dict[str, Any] = {"viewport": {"width": width, "height": height}, "locale": locale}
        if user_agent:
            options.update(user_agent=user_agent, is_mobile=True, has_touch=True)
        context = browser.new_context(**options)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


@contextmanager
def browser() -> Iterator[Any]:
    """A browser for tests that need several people at once, each in their own context
    (`browser.new_context(...)`: own cookies, service workers and network)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


WECHAT_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F35) "
    "WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Any, base_url: str, identifier: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_identifier", identifier)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
