"""Checks and imports whose process died (issue 9, item 1c): a worker killed while it checked a
roster left the import "checking" for ever, and its page polled for ever. A periodic job ends
every check or import without a sign of life for STALLED_AFTER as failed, with a message the
uploader reads on the import's page and in the API; a live one is never touched."""

from datetime import date, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.html import escape

from tests.factories import RosterImportFactory
from tests.volunteers.rosters import person, roster_xlsx, uploaded
from zhiyuan.common.periodic import run_jobs
from zhiyuan.volunteers.enums import ImportStatus
from zhiyuan.volunteers.imports.check import STALLED_AFTER, check_roster
from zhiyuan.volunteers.models import RosterImport

pytestmark = pytest.mark.django_db
CHECK_STOPPED = (
    "The check stopped: the server's background worker ended while it ran (the file may be too "
    "large or damaged). Nothing was imported. Upload the file again."
)
IMPORT_STOPPED = (
    "The import stopped: the server's background worker ended while it ran, and nothing was "
    "imported. Upload the file again."
)


def test_checks_and_imports_without_a_sign_of_life_end_as_failed() -> None:
    now = timezone.now()
    long_ago, lately = now - STALLED_AFTER - timedelta(seconds=1), now - timedelta(minutes=1)
    stalled_check = RosterImportFactory(status=ImportStatus.CHECKING, heartbeat_at=long_ago)
    stalled_import = RosterImportFactory(status=ImportStatus.IMPORTING, heartbeat_at=long_ago)
    # Stalled before heartbeats were recorded: its upload is as old.
    unbeating = RosterImportFactory(
        status=ImportStatus.CHECKING, heartbeat_at=None, uploaded_at=now - timedelta(days=2)
    )
    live_check = RosterImportFactory(status=ImportStatus.CHECKING, heartbeat_at=lately)
    live_import = RosterImportFactory(status=ImportStatus.IMPORTING, heartbeat_at=lately)
    checked = RosterImportFactory(status=ImportStatus.CHECKED, heartbeat_at=long_ago)
    with translation.override("en"):
        assert run_jobs(["fail_stalled_roster_imports"]) == {"fail_stalled_roster_imports": "ok"}
    outcome = {
        ri.pk: (ri.status, ri.error)
        for ri in RosterImport.objects.filter(
            pk__in=[
                stalled_check.pk,
                stalled_import.pk,
                unbeating.pk,
                live_check.pk,
                live_import.pk,
                checked.pk,
            ]
        )
    }
    assert outcome == {
        stalled_check.pk: (ImportStatus.FAILED, CHECK_STOPPED),
        stalled_import.pk: (ImportStatus.FAILED, IMPORT_STOPPED),
        unbeating.pk: (ImportStatus.FAILED, CHECK_STOPPED),
        live_check.pk: (ImportStatus.CHECKING, ""),
        live_import.pk: (ImportStatus.IMPORTING, ""),
        checked.pk: (ImportStatus.CHECKED, ""),
    }


def test_the_uploader_reads_why_on_the_page_and_in_the_api(login, registrar) -> None:
    stalled = RosterImportFactory(
        status=ImportStatus.CHECKING, heartbeat_at=timezone.now() - STALLED_AFTER * 2
    )
    with translation.override("en"):
        run_jobs(["fail_stalled_roster_imports"])
    client = login(registrar)
    client.cookies["django_language"] = "en"
    page = client.get(f"/volunteers/imports/{stalled.pk}/").content.decode()
    assert f"The file could not be read: {escape(CHECK_STOPPED)}" in page
    answer = client.get(f"/api/v1/roster-imports/{stalled.pk}/").json()
    assert (answer["status"], answer["error"]) == ("failed", CHECK_STOPPED)


def test_a_check_shows_a_sign_of_life_as_it_starts_and_ends(registrar, body) -> None:
    roster_import = uploaded(registrar, body, roster_xlsx([person(1, "张三")]))
    started = timezone.now()
    check_roster(roster_import, today=date(2026, 11, 29))
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.CHECKED
    assert roster_import.heartbeat_at >= started
