"""Issue 13's browser test of certificates: a volunteer with confirmed hours asks for a
service-record certificate on a phone (375 px, WeChat), downloads the PDF (the font embedded),
and a second, anonymous browser opens the URL the PDF's QR code carries and sees the
certificate as genuine. The office's pages (the list, the certificate, the settings) and the
public check are screenshotted at 375 px in Chinese and in English (`test-artifacts/cert-*.png`).

The hours are recorded and confirmed through the services before the browser opens;
Playwright's sync API runs an event loop in this thread, so the database is read after.
"""

import re
import shutil
import subprocess
from datetime import timedelta
from io import BytesIO
from typing import Any

import pdfplumber
import pytest
from django.utils import timezone

from tests.browser.conftest import ARTIFACTS, WECHAT_ANDROID, browser, log_in, screenshot
from tests.conftest import PASSWORD
from tests.factories import ActivityFactory
from tests.volunteers import people
from tests.volunteers.people import synthetic_mobile
from zhiyuan.accounts.models import User
from zhiyuan.certificates.enums import CertificateStatus
from zhiyuan.certificates.models import Certificate
from zhiyuan.common.sms import SmsMessage
from zhiyuan.hours import services
from zhiyuan.hours.enums import HourSource

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 375, "height": 740}
CHECK_URL = re.compile(r"https?://\S+/verify/ZY\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/")


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"])


def _last_code(outbox: list[SmsMessage], mobile: str) -> str:
    sent = [m for m in outbox if m.template == "volunteer_login_code" and m.mobile == mobile]
    assert sent, "no log-in code was texted"
    return sent[-1].params["code"]


def _confirmed_hours(volunteer: Any, leader: User) -> None:
    """Three hours of 社区读书会 and two of 敬老院陪伴, served last week and confirmed."""
    start = timezone.localtime() - timedelta(days=7)
    for title, hours, day in (("社区读书会", 3, 0), ("敬老院陪伴", 2, 1)):
        begin = (start + timedelta(days=day)).replace(hour=9, minute=0, second=0, microsecond=0)
        record = services.record_hours(
            volunteer,
            activity=ActivityFactory(title=title),
            start=begin,
            end=begin + timedelta(hours=hours),
            actor=leader,
            source=HourSource.LEADER,
        )
        services.confirm_records([record], actor=leader)


def _pdf_fonts(content: bytes) -> list[tuple[str, str]]:
    path = ARTIFACTS / "cert-downloaded.pdf"
    path.write_bytes(content)
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts is missing (apt-get install poppler-utils)")
    listed = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [(line.split()[0], line.split()[-5]) for line in listed]


def test_a_volunteer_asks_for_a_certificate_and_a_stranger_checks_it(
    live_server, world_tx, chromium, outbox: list[SmsMessage]
) -> None:
    url = live_server.url
    leader = User.objects.get(username="team_leader")
    registrar = User.objects.get(username="registrar")
    mobile = synthetic_mobile()
    volunteer = people.registered(registrar, name="欧阳秀兰", mobile=mobile)
    _confirmed_hours(volunteer, leader)
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []

    with browser() as chromium_browser:
        # The volunteer, on a phone inside WeChat, logs in with a texted code ...
        context = chromium_browser.new_context(
            viewport=PHONE,
            locale="zh-CN",
            user_agent=WECHAT_ANDROID,
            is_mobile=True,
            has_touch=True,
            accept_downloads=True,
        )
        phone = context.new_page()
        phone.set_default_timeout(15_000)
        phone.on("pageerror", lambda exc: errors.append(str(exc)))
        phone.goto(f"{url}/me/")
        phone.fill("#id_mobile", mobile)
        phone.click("form[action='/me/login/'] button")
        phone.wait_for_url(f"{url}/me/login/")
        phone.fill("#id_code", _last_code(outbox, mobile))
        phone.click("form[action='/me/code/'] button")
        phone.wait_for_url(f"{url}/me/")
        # ... finds "my certificates" on their page and asks for one, per activity.
        phone.click("a[href='/me/certificates/']")
        phone.wait_for_url(f"{url}/me/certificates/")
        assert _fits(phone)
        screenshot(phone, "cert-1-request-phone")
        phone.select_option("#id_issuer", label="郭亮社区志愿服务队")
        phone.check("#id_per_activity")
        phone.click("form[action='/me/certificates/request/'] button[type=submit]")
        phone.wait_for_selector(".badge.certificate-valid")
        assert _fits(phone)
        screenshot(phone, "cert-2-issued-phone")
        with phone.expect_download() as info:
            phone.click("a[href$='.pdf']")
        content = info.value.path().read_bytes()
        assert content.startswith(b"%PDF-")
        with pdfplumber.open(BytesIO(content)) as document:
            text = "".join(page.extract_text() or "" for page in document.pages)
        found = CHECK_URL.search(text.replace("\n", ""))
        assert found, text
        check_url = found.group(0)
        assert check_url.startswith(url)

        # A stranger (an employer) opens the QR code's URL in a browser of their own.
        stranger_context = chromium_browser.new_context(viewport=PHONE, locale="zh-CN")
        stranger = stranger_context.new_page()
        stranger.set_default_timeout(15_000)
        stranger.on("pageerror", lambda exc: errors.append(str(exc)))
        stranger.goto(check_url)
        verdict = stranger.wait_for_selector(".verdict-valid")
        shown = verdict.inner_text()
        assert "郭亮社区志愿服务队" in shown
        assert "欧**兰" in shown
        assert "5.00" in shown
        assert "欧阳秀兰" not in stranger.content()
        assert _fits(stranger)
        screenshot(stranger, "cert-3-genuine-phone")
        stranger.click("button[name=language][value=en]")
        stranger.goto(check_url)
        stranger.wait_for_selector(".verdict-valid")
        assert "Genuine and valid" in stranger.inner_text(".verdict-valid")
        screenshot(stranger, "cert-4-genuine-phone-en")
        stranger.fill("#id_number", "ZY2026-2222-2222-2222")
        stranger.click("form[action='/verify/'] button[type=submit]")
        stranger.wait_for_selector(".verdict-not_found")
        screenshot(stranger, "cert-5-not-found-phone-en")

        # The volunteer's page in English.
        phone.click("button[name=language][value=en]")
        phone.goto(f"{url}/me/certificates/")
        phone.wait_for_selector(".badge.certificate-valid")
        assert _fits(phone)
        screenshot(phone, "cert-6-mine-phone-en")

        # The street's administrator sees the certificate in the office, on a phone, in English.
        office_context = chromium_browser.new_context(viewport=PHONE, locale="zh-CN")
        office = office_context.new_page()
        office.set_default_timeout(15_000)
        office.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(office, url, "street_admin", PASSWORD)
        office.wait_for_url(re.compile(".*/dashboard/.*|.*/reports/.*"))
        office.click("button[name=language][value=en]")
        office.goto(f"{url}/certificates/")
        office.wait_for_selector("table.stack")
        assert _fits(office)
        screenshot(office, "cert-7-office-list-phone-en")
        office.click("table.stack tbody a")
        office.wait_for_selector("dl.facts")
        assert _fits(office)
        screenshot(office, "cert-8-office-detail-phone-en")
        office.click("a[href^='/certificates/settings/']")
        office.wait_for_selector("input[type=file]")
        assert _fits(office)
        screenshot(office, "cert-9-office-settings-phone-en")
        office.goto(f"{url}/certificates/issue/")
        assert _fits(office)
        screenshot(office, "cert-10-office-issue-phone-en")

        stranger_context.close()
        office_context.close()
        context.close()

    assert errors == []
    fonts = _pdf_fonts(content)
    assert fonts and all(embedded == "yes" for _name, embedded in fonts), fonts
    certificate = Certificate.objects.get()
    assert certificate.volunteer == volunteer
    assert certificate.status == CertificateStatus.VALID
    assert certificate.requested_by_volunteer
    assert certificate.minutes == 300
    assert check_url.endswith(f"/verify/{certificate.number}/")
