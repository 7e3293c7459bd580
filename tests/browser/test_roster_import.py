"""A registrar uploads a roster with errors, sees the problems, downloads the error report,
corrects the bad cells in it, uploads the corrected file, imports it and finds the people in
the ledger. Before that, the import's page follows a check that a background worker runs, and
reloads itself with the report when the check is done."""

import re
import threading
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import connection

from tests.browser.conftest import browser_session, log_in, screenshot
from tests.conftest import PASSWORD
from tests.volunteers.rosters import person, roster_xlsx
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers.enums import ImportStatus, RegistrationChannel, RegistrationStatus
from zhiyuan.volunteers.imports.check import check_roster
from zhiyuan.volunteers.imports.upload import upload_roster
from zhiyuan.volunteers.models import RegistrationBody, RosterImport, Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NAMES = ["欧阳明远", "司马兰芳", "上官卫东"]
GOOD_MOBILE = "13912345678"


def _flawed_roster() -> tuple[bytes, str]:
    """Three people: the second with a short mobile, the third with a wrong check character.
    Returns the file and the right ID number of the third."""
    first = person(1, NAMES[0])
    second = person(2, NAMES[1], birth="19880808", male=False)
    second[4] = "1391234"
    third = person(3, NAMES[2], birth="19720202")
    right = str(third[3])
    third[3] = right[:-1] + ("1" if right[-1] != "1" else "2")
    return roster_xlsx([first, second, third]), right


def _in_a_worker(work: Any) -> None:
    """Run `work` in another thread, as the background worker would: the ORM may not run in
    the thread that drives the browser."""

    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def _pick(page: Any, point: str, path: Path) -> None:
    page.select_option("#id_point", point)
    page.set_input_files("#id_file", str(path))
    page.check("#id_consent_affirmed")


def test_a_registrar_corrects_a_roster_from_its_error_report_and_imports_it(
    live_server, world_tx, chromium, outbox, tmp_path
) -> None:
    street = RegistrationBody.objects.get(organization__code="430602001-SC")
    registrar = User.objects.get(username="registrar")
    point = f"{street.pk}:{street.organization_id}"
    data, right_id = _flawed_roster()
    original = tmp_path / "名册.xlsx"
    original.write_bytes(data)
    # A roster a background worker has not checked yet, part-way as a worker leaves it.
    waiting = upload_roster(
        roster_xlsx([person(1, "诸葛青")]),
        filename="第二批.xlsx",
        body=street,
        organization=street.organization,
        actor=registrar,
        consent_affirmed=True,
        check=False,
    )
    RosterImport.objects.filter(pk=waiting.pk).update(
        status=ImportStatus.CHECKING, rows_done=1500, rows_total=6000
    )
    url = live_server.url

    with browser_session() as page:
        log_in(page, url, "registrar", PASSWORD)
        page.wait_for_url(f"{url}/reports/dashboard/")

        # The worker's check: the page polls, then reloads itself with the report.
        page.goto(f"{url}/volunteers/imports/{waiting.pk}/")
        assert page.get_attribute("#import-status", "class") == "badge import-checking"
        assert page.get_attribute("#import-progress progress", "value") == "25"
        screenshot(page, "roster-import-1-progress")
        _in_a_worker(lambda: check_roster(RosterImport.objects.get(pk=waiting.pk)))
        page.wait_for_selector("#import-report", timeout=10_000)
        assert page.locator("#import-progress progress").count() == 0

        # The flawed roster: upload, see the problems, download the report.
        page.goto(f"{url}/volunteers/")
        page.click(".actions a[href='/volunteers/imports/']")
        page.wait_for_url(f"{url}/volunteers/imports/")
        page.click(".actions a[href='/volunteers/imports/new/']")
        page.wait_for_url(f"{url}/volunteers/imports/new/")
        _pick(page, point, original)
        screenshot(page, "roster-import-2-upload")
        page.click("#upload-form button[type=submit]")
        page.wait_for_url(re.compile(rf"{url}/volunteers/imports/\d+/$"))
        problems = page.locator("#import-problems tbody tr")
        assert problems.count() == 2
        assert [problems.nth(i).locator("td").nth(0).inner_text() for i in range(2)] == ["5", "6"]
        assert [problems.nth(i).locator("td").nth(1).inner_text() for i in range(2)] == [
            "E 手机号",
            "D 身份证号",
        ]
        assert page.locator("#import-commit button[value=all]").is_disabled()
        assert right_id not in page.content()
        screenshot(page, "roster-import-3-report")
        page.click("#download-report")  # the report holds full numbers: it asks why first
        page.fill("textarea[name=reason]", "核对并改正名册")
        with page.expect_download() as info:
            page.click("main form button[type=submit]")
        download = info.value
        assert download.suggested_filename.startswith("名册") and (
            download.suggested_filename.endswith(".xlsx")
        )
        report = tmp_path / "report.xlsx"
        download.save_as(report)

        # Correct the two cells in the report, as an office would, and upload it.
        book = openpyxl.load_workbook(report)
        sheet = book.active
        columns = {cell.value: cell.column for cell in sheet[1]}
        rows = {sheet.cell(row, 1).value: row for row in range(2, sheet.max_row + 1)}
        assert sorted(rows) == [4, 5, 6]
        assert "手机号" in sheet.cell(rows[5], columns["问题"]).value
        sheet.cell(rows[5], columns["手机号"]).value = GOOD_MOBILE
        sheet.cell(rows[6], columns["身份证号"]).value = right_id
        corrected = tmp_path / "名册（改）.xlsx"
        book.save(corrected)

        page.goto(f"{url}/volunteers/imports/new/")
        _pick(page, point, corrected)
        page.click("#upload-form button[type=submit]")
        page.wait_for_url(re.compile(rf"{url}/volunteers/imports/\d+/$"))
        assert page.locator("#import-problems").count() == 0
        counts = page.inner_text("#import-counts")
        assert re.search(r"3\D+3\D+0\D+0", counts), counts
        page.click("#import-commit button[value=all]")
        page.wait_for_selector("#import-result")
        screenshot(page, "roster-import-4-imported")
        page.click("#import-report form button[type=submit]")  # "please confirm" to them all
        page.wait_for_url(re.compile(rf"{url}/volunteers/progress/send/\?org=430602001-SC$"))
        assert "3" in page.inner_text(".confirm-send .lead")
        screenshot(page, "roster-import-5-confirm-send")
        page.click(".confirm-send button[type=submit]")
        page.wait_for_url(re.compile(rf"{url}/volunteers/progress/\?org=430602001-SC$"))

        for name in NAMES:
            page.goto(f"{url}/volunteers/?q={name}")
            assert name in page.inner_text("table tbody")
        screenshot(page, "roster-import-6-ledger")

    imported = Volunteer.objects.filter(name__in=NAMES).order_by("pk")
    assert [(v.name, v.status, v.channel) for v in imported] == [
        (name, RegistrationStatus.APPLIED, RegistrationChannel.IMPORT) for name in NAMES
    ]
    assert imported.get(name=NAMES[1]).mobile == GOOD_MOBILE
    assert imported.get(name=NAMES[2]).document_number == right_id
    assert {v.roster_import.filename for v in imported} == {"名册（改）.xlsx"}
    assert {message.template for message in outbox} == {"registration_confirm"}
    assert len(outbox) == 3
    assert (
        AuditEntry.objects.filter(action="volunteer.roster.downloaded", actor=registrar).count()
        == 1
    )
