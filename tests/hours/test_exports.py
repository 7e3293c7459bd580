"""Exports of service records (issue 12, item 7): an activity's records or a subtree's for a
period, as xlsx and PDF, answered at once up to EXPORT_IMMEDIATE_ROWS records and written in the
background above it, for the requester alone. The files are read back: openpyxl for the
workbooks, pdftotext (where installed) for the PDFs."""

import io
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone, translation

from tests.factories import ActivityFactory
from tests.hours.conftest import days_ago
from tests.hours.test_views import confirmed_record
from tests.volunteers import people
from zhiyuan.accounts.models import Role, User
from zhiyuan.common import exports as common_exports
from zhiyuan.common.enums import ExportStatus, Origin
from zhiyuan.common.models import AuditEntry, Export
from zhiyuan.hours import exports, services
from zhiyuan.hours.export_requests import request_records_export
from zhiyuan.hours.exports import RecordFilter
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.models import Organization

EXPORTED = "hours.records.exported"
HEADER = (
    "Name",
    "Registration number",
    "Activity",
    "Organiser",
    "Start",
    "End",
    "Hours",
    "Status",
    "Source",
    "Service content",
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Iterator[Path]:
    settings.MEDIA_ROOT = tmp_path
    yield tmp_path


@pytest.fixture
def english(login) -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = login(user)
        client.cookies["django_language"] = "en"
        return client

    return make


@pytest.fixture
def served(registrar, team_leader, activity) -> list[HourRecord]:
    """Three records of `activity` (郭亮社区's team): two confirmed of 王芳 (2 h and 1 h), one
    pending of 李雷 (30 min) whose content a spreadsheet would read as a formula; and a
    confirmed one of another street's activity, which must not leak."""
    wang = people.registered(registrar, name="王芳")
    li = people.registered(registrar, name="李雷")
    confirmed_record(wang, activity, team_leader, day=3, hours=2)
    confirmed_record(wang, activity, team_leader, day=2, hours=1)
    services.record_hours(
        li,
        activity=activity,
        start=days_ago(1, 9),
        end=days_ago(1, 9) + timezone.timedelta(minutes=30),
        content="=HYPERLINK(1)",
        actor=team_leader,
    )
    elsewhere = ActivityFactory(organizer=Organization.objects.get(code="430602002-SC"))
    outsider = User.objects.get(username="outsider")
    confirmed_record(people.registered(registrar, name="赵外街"), elsewhere, outsider, day=2)
    return list(HourRecord.objects.filter(activity=activity).order_by("start", "pk"))


def read(content: bytes) -> list[tuple[object, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return list(workbook.active.iter_rows(values_only=True))


def local(instant) -> str:
    return timezone.localtime(instant).strftime("%Y-%m-%d %H:%M")


def expected_rows(records: list[HourRecord]) -> list[tuple[object, ...]]:
    statuses = {"confirmed": "Confirmed", "pending": "Awaiting confirmation"}
    content = {"": None, "=HYPERLINK(1)": "'=HYPERLINK(1)"}
    return [
        (
            record.volunteer.name,
            record.volunteer.registration_number,
            record.activity.title,
            "郭亮社区志愿服务队",
            local(record.start),
            local(record.end),
            f"{record.minutes / 60:.2f}",
            statuses[record.status],
            "Entered by a leader",
            content[record.content],
        )
        for record in records
    ]


def test_an_activitys_records_are_exported_at_once_with_their_total(
    english, team_leader, activity, served
) -> None:
    response = english(team_leader).get("/hours/export.xlsx", {"activity": activity.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX
    name = f"Service records-{timezone.localdate():%Y%m%d}.xlsx"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    rows = read(response.content)
    assert rows[0][0] == "Service records of your area"
    assert rows[1] == (None,) * 10
    assert rows[2] == HEADER
    assert rows[3:6] == expected_rows(served)
    assert rows[6] == (None,) * 10
    assert rows[7] == ("Confirmed hours", None, None, None, None, None, "3.00", None, None, None)
    assert len(rows) == 8
    assert not Export.objects.exists()
    [entry] = AuditEntry.objects.filter(action=EXPORTED)
    assert (entry.actor, entry.data, entry.origin) == (
        team_leader,
        {"format": "xlsx", "rows": 3},
        Origin.WEB,
    )


def test_the_switch_to_the_background_is_above_the_threshold(
    english, team_leader, activity, served, settings
) -> None:
    client = english(team_leader)
    settings.EXPORT_IMMEDIATE_ROWS = 3
    at_once = client.get("/hours/export.xlsx", {"activity": activity.pk})
    assert at_once["Content-Type"] == exports.XLSX
    settings.EXPORT_IMMEDIATE_ROWS = 2
    asked = client.get("/hours/export.xlsx", {"activity": activity.pk})
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "You chose 3 records." in html
    assert f'action="/hours/export.xlsx?activity={activity.pk}"' in html
    assert not Export.objects.exists()
    logged = AuditEntry.objects.filter(action=EXPORTED)
    assert [entry.data for entry in logged] == [{"format": "xlsx", "rows": 3}]  # the file only


def test_a_large_export_is_queued_written_and_downloaded_by_its_requester_alone(
    english,
    team_leader,
    city_admin,
    activity,
    served,
    settings,
    django_capture_on_commit_callbacks,
) -> None:
    settings.EXPORT_IMMEDIATE_ROWS = 2
    client = english(team_leader)
    with translation.override("en"):
        made = exports.export_records(team_leader, RecordFilter(activity=activity.pk), kind="xlsx")
    immediate = read(made.content)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/hours/export.xlsx?activity={activity.pk}")
    assert response.status_code == 302
    assert response["Location"] == "/exports/"
    [export] = Export.objects.all()
    assert (export.requested_by, export.kind, export.status, export.rows_total) == (
        team_leader,
        exports.RECORDS,
        ExportStatus.DONE,
        3,
    )
    listing = client.get("/exports/").content.decode()
    assert f'<a href="/exports/{export.pk}/download/">' in listing
    # A city administrator sees these records, but not this export: it is the leader's.
    assert english(city_admin).get(f"/exports/{export.pk}/download/").status_code == 404
    assert english(city_admin).get("/exports/").content.decode().count("/download/") == 0
    download = client.get(f"/exports/{export.pk}/download/")
    assert download.status_code == 200
    rows = read(download.content)
    assert rows == immediate
    assert rows[3:6] == expected_rows(served)
    written = AuditEntry.objects.filter(action=EXPORTED, origin=Origin.TASK)
    assert [(e.actor, e.data) for e in written] == [(team_leader, {"format": "xlsx", "rows": 3})]


def test_a_background_pdf_prints_the_records_in_chinese(
    team_leader, activity, served, tmp_path
) -> None:
    with translation.override("en"):
        export = request_records_export(
            team_leader, RecordFilter(activity=activity.pk), kind="pdf", rows=3, in_process=True
        )
        assert export.status == ExportStatus.DONE, export.error
        made = common_exports.download_export(export, actor=team_leader)
    assert made.content.startswith(b"%PDF")
    assert made.content_type == "application/pdf"
    assert made.name == f"Service records-{timezone.localdate():%Y%m%d}.pdf"
    if shutil.which("pdftotext"):
        path = tmp_path / "records.pdf"
        path.write_bytes(made.content)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert text.count("王芳") == 2 and "李雷" in text and "赵外街" not in text
        assert activity.title in text and "3.00" in text


def test_a_long_pdf_holds_every_row_across_its_tables(tmp_path) -> None:
    count = exports.TABLE_ROWS * 2 + 7
    rows = (
        [
            f"志愿者{n:04d}",
            "",
            "活动",
            "组织",
            "2026-01-01 09:00",
            "2026-01-01 10:00",
            "1.00",
            "",
            "",
            "",
        ]
        for n in range(count)
    )
    content = exports.records_pdf(rows, title="服务记录", counted_minutes=count * 60)
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed")
    path = tmp_path / "long.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = "".join(text.split())  # a name wrapped in its narrow column, joined again
    assert [f"志愿者{n:04d}" in text for n in range(count)] == [True] * count
    assert f"{count:.2f}" in text


def test_a_role_lost_before_the_file_is_written_fails_the_export(
    activity, served, django_capture_on_commit_callbacks
) -> None:
    team = Organization.objects.get(code="430602001001-TM")
    user = User.objects.create_user("temp_leader", None, name="临时队长")
    role = Role.objects.create(user=user, organization=team, kind="team_leader")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        export = request_records_export(user, RecordFilter(organization=team), kind="xlsx", rows=3)
    assert export.status == ExportStatus.QUEUED
    role.delete()
    for callback in queued:
        callback()
    export.refresh_from_db()
    assert (export.status, export.error) == (ExportStatus.FAILED, common_exports.REFUSED)
    assert not export.file
    assert not AuditEntry.objects.filter(action=EXPORTED, actor=user).exists()


def test_an_organisation_outside_the_scope_cannot_be_queued(team_leader, served) -> None:
    other = Organization.objects.get(code="430602002-SC")
    with pytest.raises(PermissionDenied):
        request_records_export(team_leader, RecordFilter(organization=other), kind="xlsx", rows=1)
    assert not Export.objects.exists()


def test_too_many_records_for_a_pdf_are_refused_with_a_reason(
    english, team_leader, activity, served, monkeypatch
) -> None:
    monkeypatch.setitem(exports.MAX_ROWS, "pdf", 2)
    response = english(team_leader).get("/hours/export.pdf", {"activity": activity.pk}, follow=True)
    assert "More than 2 records: choose a shorter period or a smaller area." in (
        response.content.decode()
    )
    assert not Export.objects.exists()
