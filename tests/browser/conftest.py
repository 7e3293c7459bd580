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
    *, width: int = 1280, height: int = 900, locale: str = "zh-CN"
) -> Iterator[Any]:
    """A fresh browser page; yields the Playwright page."""
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "false"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


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
