"""Reporting rounds: the city opens one, each street submits its tables (frozen: figures, xlsx
and PDF with their hashes, files encrypted at rest), withdraws and submits again with history,
late submissions are kept and marked, reminders go out once a day, and figures never change
when live data do."""

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.reports.conftest import CITY, STREET_CENTRE, Fixture, targets_for_each_test
from tests.reports.readback import pdf_lines
from tests.reports.statistics import Statistics
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import attachment3, kinds, selectors
from zhiyuan.reports.rounds import selectors as rounds
from zhiyuan.reports.rounds import services
from zhiyuan.reports.rounds.models import (
    ReportingRound,
    RoundReminder,
    Submission,
    SubmissionStatus,
    SubmitterLevel,
)
from zhiyuan.reports.rounds.snapshots import table_data, table_from_data

pytestmark = pytest.mark.django_db


targets = targets_for_each_test()


STREETS = ["430602001-SC", "430602002-SC", "430603001-SC", "430602402-SC"]


def _org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def _open(actor: User | None = None, **options: object) -> ReportingRound:
    today = selectors.local_today()
    values: dict[str, object] = {
        "title": "2026年注册志愿者统计",
        "tables": ["attachment3"],
        "reference_date": today,
        "due_date": today + timedelta(days=10),
        "submitter_level": SubmitterLevel.STREETS,
        "remind_days_before": 3,
    } | options
    actor = actor or User.objects.get(username="city_admin")
    return services.open_round(_org(CITY), actor=actor, **values)  # type: ignore[arg-type]


def _due(opened: ReportingRound, days_from_today: int) -> None:
    """Move the round's due date (and its reference date before it) as time would."""
    today = selectors.local_today()
    ReportingRound.objects.filter(pk=opened.pk).update(
        reference_date=today + timedelta(days=min(days_from_today, 0) - 1),
        due_date=today + timedelta(days=days_from_today),
    )
    opened.refresh_from_db()


# --- opening ---------------------------------------------------------------------------------


def test_the_city_opens_a_round_for_its_streets(city_admin: User) -> None:
    opened = _open(city_admin)
    codes = list(
        opened.members.order_by("organization__path").values_list("organization__code", flat=True)
    )
    assert sorted(codes) == sorted(STREETS)
    entry = AuditEntry.objects.get(action="reports.round.opened")
    assert (entry.actor, entry.organization.code, entry.data) == (
        city_admin,
        CITY,
        {
            "tables": ["attachment3"],
            "reference_date": opened.reference_date.isoformat(),
            "due_date": opened.due_date.isoformat(),
            "submitter_level": "streets",
            "members": 4,
        },
    )


def test_a_round_for_the_districts_asks_the_management_area_too(city_admin: User) -> None:
    opened = _open(city_admin, submitter_level=SubmitterLevel.DISTRICTS)
    codes = set(opened.members.values_list("organization__code", flat=True))
    assert codes == {"430602-GC", "430603-GC", "YYETDZ-GC"}


@pytest.mark.parametrize("username", ["district_admin", "street_admin", "registrar", "nobody"])
def test_only_a_citys_administrators_open_rounds(username: str) -> None:
    with pytest.raises(PermissionDenied):
        _open(User.objects.get(username=username))
    assert not ReportingRound.objects.exists()


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        (
            {"reference_date": "tomorrow"},
            "reference_date",
            "The reference date cannot be in the future.",
        ),
        ({"due_date": "yesterday"}, "due_date", "The due date cannot be in the past."),
        ({"tables": []}, "tables", "Choose at least one table."),
        ({"tables": ["attachment99"]}, "tables", "Unknown table: attachment99."),
        ({"title": "  "}, "title", "Give the round a title."),
        ({"title": "联系13800138000"}, "title", None),
        ({"remind_days_before": 61}, "remind_days_before", "Between 0 and 60 days."),
    ],
)
def test_a_round_with_bad_details_is_refused_and_nothing_written(
    city_admin: User, options: dict[str, object], field: str, message: str | None
) -> None:
    today = selectors.local_today()
    shift = {"tomorrow": today + timedelta(days=1), "yesterday": today - timedelta(days=1)}
    options = {k: shift.get(v, v) if isinstance(v, str) else v for k, v in options.items()}
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _open(city_admin, **options)
    assert list(refused.value.message_dict) == [field]
    if message:
        assert refused.value.message_dict[field] == [message]
    assert not ReportingRound.objects.exists()
    assert not AuditEntry.objects.filter(action="reports.round.opened").exists()


def test_the_due_date_cannot_come_before_the_reference_date(city_admin: User) -> None:
    today = selectors.local_today()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _open(city_admin, reference_date=today, due_date=today - timedelta(days=1))
    assert refused.value.message_dict == {"due_date": ["The due date cannot be in the past."]}


# --- submitting ------------------------------------------------------------------------------


def test_a_street_submits_its_tables_frozen_with_hashes_and_encrypted_files(
    targets: Fixture, street_admin: User
) -> None:
    opened = _open()
    street = _org(STREET_CENTRE)
    with translation.override("en"):  # the submitter reads English; the table is Chinese
        submission = services.submit_tables(opened, street, actor=street_admin)
    assert (submission.sequence, submission.status, submission.late) == (1, "submitted", False)
    (table,) = submission.tables.all()
    with translation.override("zh-hans"):
        expected = attachment3.build(street, opened.reference_date, preparer="王街道")
    assert table.data == table_data(expected)
    assert table.data["preparer"] == "王街道"
    with table.xlsx.open("rb") as file:
        xlsx = file.read()
    with table.pdf.open("rb") as file:
        pdf = file.read()
    assert hashlib.sha256(xlsx).hexdigest() == table.xlsx_sha256
    assert hashlib.sha256(pdf).hexdigest() == table.pdf_sha256
    assert pdf.startswith(b"%PDF") and xlsx.startswith(b"PK")
    # At rest, sealed: neither the bytes nor the hash of the plain file are on disk.
    for field in (table.xlsx, table.pdf):
        raw = field.storage.raw(field.name)
        assert raw.startswith((b"g:", b"s:"))
        assert b"%PDF" not in raw and b"PK\x03\x04" not in raw
    entry = AuditEntry.objects.get(action="reports.submission.submitted")
    assert (entry.actor, entry.organization, entry.object_id) == (
        street_admin,
        street,
        str(submission.pk),
    )
    assert entry.data == {
        "round": opened.pk,
        "tables": ["attachment3"],
        "sequence": 1,
        "late": False,
    }


def test_the_submitted_pdf_and_xlsx_carry_the_submitted_figures(
    targets: Fixture, street_admin: User, tmp_path: Path
) -> None:
    opened = _open()
    submission = services.submit_tables(opened, _org(STREET_CENTRE), actor=street_admin)
    table = submission.tables.get()
    with table.pdf.open("rb") as file:
        text = "\n".join(pdf_lines(file.read(), tmp_path))
    assert "王街道" in text and "岳阳楼街道" in text
    with table.xlsx.open("rb") as file:
        sheet = openpyxl.load_workbook(file).active
    rows = [[c for c in row] for row in sheet.iter_rows(min_row=7, values_only=True)]
    assert rows[0] == ["郭亮社区", "文明村镇（社区）", 1000, 0.15, 150, 2, 1, 148, 0.013]


@pytest.mark.parametrize("username", ["registrar", "district_admin", "outsider", "city_admin"])
def test_only_the_organisations_own_administrators_submit(targets: Fixture, username: str) -> None:
    opened = _open()
    with pytest.raises(PermissionDenied):
        services.submit_tables(
            opened, _org(STREET_CENTRE), actor=User.objects.get(username=username)
        )
    assert not Submission.objects.exists()


def test_an_organisation_not_asked_cannot_submit(targets: Fixture, district_admin: User) -> None:
    opened = _open()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.submit_tables(opened, _org("430602-GC"), actor=district_admin)
    assert refused.value.messages == [
        "岳阳楼区发展志愿服务事业指导委员会 is not asked to submit in this round."
    ]


def test_submitting_twice_is_refused_withdraw_and_submit_again_keeps_the_history(
    targets: Fixture, street_admin: User
) -> None:
    opened = _open()
    street = _org(STREET_CENTRE)
    first = services.submit_tables(opened, street, actor=street_admin)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.submit_tables(opened, street, actor=street_admin)
    assert "Withdraw the submission to submit again." in refused.value.messages[0]
    services.withdraw_submission(first, actor=street_admin, reason="人数填错")
    second = services.submit_tables(opened, street, actor=street_admin)
    history = list(Submission.objects.filter(round=opened).order_by("sequence"))
    assert [(s.sequence, s.status, s.withdrawal_reason) for s in history] == [
        (1, "withdrawn", "人数填错"),
        (2, "submitted", ""),
    ]
    assert history[0].withdrawn_by == street_admin and history[0].tables.count() == 1
    assert second.pk == history[1].pk
    withdrawn = AuditEntry.objects.get(action="reports.submission.withdrawn")
    assert withdrawn.data == {"round": opened.pk, "sequence": 1, "reason": "人数填错"}


def test_a_withdrawn_submission_cannot_be_withdrawn_again(
    targets: Fixture, street_admin: User
) -> None:
    opened = _open()
    first = services.submit_tables(opened, _org(STREET_CENTRE), actor=street_admin)
    services.withdraw_submission(first, actor=street_admin)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.withdraw_submission(first, actor=street_admin)
    assert refused.value.messages == ["This submission has already been withdrawn."]


def test_after_the_due_date_a_submission_is_accepted_late_and_cannot_be_withdrawn(
    targets: Fixture, street_admin: User
) -> None:
    opened = _open()
    _due(opened, -1)
    submission = services.submit_tables(opened, _org(STREET_CENTRE), actor=street_admin)
    assert (submission.status, submission.late) == ("submitted", True)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.withdraw_submission(submission, actor=street_admin)
    assert refused.value.messages[0].startswith("The due date has passed")
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED


def test_on_the_due_date_itself_a_submission_is_on_time(
    targets: Fixture, street_admin: User
) -> None:
    opened = _open()
    _due(opened, 0)
    submission = services.submit_tables(opened, _org(STREET_CENTRE), actor=street_admin)
    assert submission.late is False
    services.withdraw_submission(submission, actor=street_admin)  # still allowed on the day


def test_a_submitted_figure_never_changes_when_live_data_change(
    targets: Fixture, street_admin: User, registrar: User
) -> None:
    opened = _open()
    submission = services.submit_tables(opened, _org(STREET_CENTRE), actor=street_admin)
    before = submission.tables.get().data
    people.registered(registrar, through=people.STATION)  # a third volunteer of 郭亮社区
    table = submission.tables.get()
    assert table.data == before
    frozen = table_from_data(table.data)
    guoliang = next(r for r in frozen.rows if r.cells[0].text == "郭亮社区")
    assert guoliang.cells[5].text == "2"


@pytest.mark.parametrize("kind", kinds.table_kinds(), ids=lambda kind: kind.key)
def test_a_frozen_table_comes_back_as_built_layout_included(
    statistics: Statistics, kind: kinds.TableKind
) -> None:
    """What a submission stores (JSON) rebuilds the very table: cells, widths, and whether it
    is drawn compact (Attachment 5 always is), so a re-rendered PDF lays out as submitted."""
    built = kind.build(_org(STREET_CENTRE), statistics.today, preparer="王街道")
    stored = json.loads(json.dumps(table_data(built)))
    assert table_from_data(stored) == built
    assert table_from_data(stored).compact is (kind.key == "attachment5")


def test_the_city_sees_who_submitted_who_did_not_and_who_was_late(
    targets: Fixture, city_admin: User, street_admin: User, outsider: User
) -> None:
    opened = _open()
    services.submit_tables(opened, _org(STREET_CENTRE), actor=street_admin)
    _due(opened, -1)
    services.submit_tables(opened, _org("430602002-SC"), actor=outsider)
    statuses = rounds.member_statuses(city_admin, opened)
    assert {s.organization.code: s.state for s in statuses} == {
        "430602001-SC": "on-time",
        "430602002-SC": "late",
        "430603001-SC": "missing",
        "430602402-SC": "missing",
    }
    assert rounds.summary(statuses) == rounds.Summary(expected=4, on_time=1, late=1, missing=2)
    # A street sees itself only.
    assert [s.organization.code for s in rounds.member_statuses(street_admin, opened)] == [
        "430602001-SC"
    ]


# --- reminders -------------------------------------------------------------------------------


def test_reminders_go_out_within_the_window_once_a_day(
    targets: Fixture, street_admin: User, outbox: list, django_capture_on_commit_callbacks: Any
) -> None:
    opened = _open(due_date=selectors.local_today() + timedelta(days=5), remind_days_before=3)
    today = selectors.local_today()
    assert services.send_reminders(today=today) == 0  # 5 days before: not yet
    day = today + timedelta(days=2)  # 3 days before the due date
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(today=day) == 4
    assert [(m.mobile, m.template) for m in outbox] == [("13900000003", "report_round_reminder")]
    assert outbox[0].params == {
        "round": "2026年注册志愿者统计",
        "due": opened.due_date.isoformat(),
        "organization": "岳阳楼街道",
        "link": f"http://127.0.0.1:8000/reports/rounds/{opened.pk}/",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(today=day) == 0  # never twice for one day
    assert len(outbox) == 1
    assert RoundReminder.objects.filter(day=day).count() == 4
    assert set(RoundReminder.objects.filter(day=day).values_list("messages", flat=True)) == {0, 1}
    services.submit_tables(opened, _org(STREET_CENTRE), actor=street_admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(today=day + timedelta(days=1)) == 3  # it submitted
    assert len(outbox) == 1
    assert services.send_reminders(today=opened.due_date + timedelta(days=1)) == 0  # past due
    assert AuditEntry.objects.filter(action="reports.round.reminded").count() == 7


def test_the_periodic_job_is_registered() -> None:
    from zhiyuan.common.periodic import registered_jobs

    assert "remind_reporting_rounds" in registered_jobs()


# --- pages -----------------------------------------------------------------------------------


def test_the_round_page_shows_the_city_every_street_and_a_street_its_button(
    targets: Fixture, login_en: Callable[[User], Client], city_admin: User, street_admin: User
) -> None:
    opened = _open()
    page = login_en(street_admin).get(f"/reports/rounds/{opened.pk}/").content.decode()
    assert "Submit the tables" in page
    assert page.count('data-state="missing"') == 1
    response = login_en(street_admin).post(
        f"/reports/rounds/{opened.pk}/submit/", {"organization": _org(STREET_CENTRE).pk}
    )
    submission = Submission.objects.get()
    assert response["Location"] == f"/reports/submissions/{submission.pk}/"
    city = login_en(city_admin).get(f"/reports/rounds/{opened.pk}/").content.decode()
    assert city.count('data-state="missing"') == 3
    assert 'data-code="430602001-SC" data-state="on-time"' in city
    assert "Submit the tables" not in city


def test_the_round_list_page_costs_the_same_queries_however_many_rounds(
    targets: Fixture, login: Callable[[User], Client], city_admin: User, street_admin: User
) -> None:
    services.submit_tables(_open(title="六月"), _org(STREET_CENTRE), actor=street_admin)
    client = login(city_admin)

    def listed() -> tuple[int, list[tuple[str, rounds.Summary]]]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/reports/rounds/")
        assert response.status_code == 200
        return len(captured), [(r.title, s) for r, s in response.context["rounds"]]

    queries, shown = listed()
    assert shown == [("六月", rounds.Summary(expected=4, on_time=1, late=0, missing=3))]
    _open(title="七月")
    _open(title="八月")
    more, shown = listed()
    assert [title for title, _summary in shown] == ["八月", "七月", "六月"]
    assert [summary.on_time for _title, summary in shown] == [0, 0, 1]
    assert more == queries
    # A street sees its own row in each round only.
    shown = [s for _r, s in login(street_admin).get("/reports/rounds/").context["rounds"]]
    assert shown == [rounds.Summary(1, 0, 0, 1)] * 2 + [rounds.Summary(1, 1, 0, 0)]


def test_the_submission_page_shows_the_live_figure_where_it_differs(
    targets: Fixture, login_en: Callable[[User], Client], street_admin: User, registrar: User
) -> None:
    opened = _open()
    submission = services.submit_tables(opened, _org(STREET_CENTRE), actor=street_admin)
    client = login_en(street_admin)
    page = client.get(f"/reports/submissions/{submission.pk}/").content.decode()
    assert "The live data for the same reference date give the same figures." in page
    people.registered(registrar, through=people.STATION)
    page = client.get(f"/reports/submissions/{submission.pk}/").content.decode()
    # 郭亮社区 counted 2 → 3; its completion 1.3% → 2.0%; the street's subtotal... and total
    assert "figures differ from the live data for the same reference date" in page
    assert "live: 3" in page and "live: 2.0%" in page


def test_the_files_download_as_submitted_and_a_changed_file_is_refused(
    targets: Fixture, login_en: Callable[[User], Client], street_admin: User
) -> None:
    opened = _open()
    submission = services.submit_tables(opened, _org(STREET_CENTRE), actor=street_admin)
    table = submission.tables.get()
    client = login_en(street_admin)
    response = client.get(f"/reports/submissions/{submission.pk}/attachment3.pdf")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == table.pdf_sha256
    assert response["Content-Type"] == "application/pdf"
    table.pdf.storage.overwrite(table.pdf.name, b"%PDF-1.4 forged")
    refused = client.get(f"/reports/submissions/{submission.pk}/attachment3.pdf")
    assert refused.status_code == 409
    assert client.get(f"/reports/submissions/{submission.pk}/attachment3.csv").status_code == 404


def test_submissions_outside_the_scope_are_not_found(
    targets: Fixture, login: Callable[[User], Client], street_admin: User, outsider: User
) -> None:
    opened = _open()
    submission = services.submit_tables(opened, _org(STREET_CENTRE), actor=street_admin)
    other = login(outsider)
    assert other.get(f"/reports/submissions/{submission.pk}/").status_code == 404
    assert other.get(f"/reports/submissions/{submission.pk}/attachment3.xlsx").status_code == 404
    assert other.post(f"/reports/submissions/{submission.pk}/withdraw/").status_code == 404
    # The outsider's street is asked too: it sees the round, but only its own row.
    page = other.get(f"/reports/rounds/{opened.pk}/").content.decode()
    assert "430602001-SC" not in page and 'data-code="430602002-SC"' in page
    nobody = login(User.objects.get(username="nobody"))
    assert nobody.get(f"/reports/rounds/{opened.pk}/").status_code == 404
    # Submitting for another organisation than one's own is not found.
    response = other.post(
        f"/reports/rounds/{opened.pk}/submit/", {"organization": _org(STREET_CENTRE).pk}
    )
    assert response.status_code == 404


def test_the_city_opens_a_round_with_the_form_and_a_bad_date_is_shown_on_it(
    targets: Fixture, login_en: Callable[[User], Client], city_admin: User, street_admin: User
) -> None:
    client = login_en(city_admin)
    form = client.get("/reports/rounds/new/").content.decode()
    assert 'value="4306-GC"' in form
    checked = re.findall(r'<input type="checkbox" name="tables" value="(\w+)"[^>]* checked>', form)
    assert checked == ["attachment5", "attachment6", "attachment7"]  # the plan's step 4
    today = selectors.local_today()
    fields = {
        "title": "六月报表",
        "organization": "4306-GC",
        "tables": ["attachment3"],
        "submitter_level": "streets",
        "reference_date": (today + timedelta(days=1)).isoformat(),
        "due_date": (today + timedelta(days=9)).isoformat(),
        "remind_days_before": "3",
    }
    refused = client.post("/reports/rounds/new/", fields)
    assert refused.status_code == 400
    assert "The reference date cannot be in the future." in refused.content.decode()
    assert not ReportingRound.objects.exists()
    fields["reference_date"] = today.isoformat()
    opened = client.post("/reports/rounds/new/", fields)
    made = ReportingRound.objects.get()
    assert opened["Location"] == f"/reports/rounds/{made.pk}/"
    assert (made.title, made.tables, made.due_date) == (
        "六月报表",
        ["attachment3"],
        today + timedelta(days=9),
    )
    assert login_en(street_admin).get("/reports/rounds/new/").status_code == 404
