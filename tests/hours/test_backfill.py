"""Back-filling hours from paper sheets (issue 12, item 5): the dry run and its per-row
problems, all or nothing, never a damaged ID number, records pending until confirmed, rows
outside the importer's area refused."""

import csv
import io
from datetime import datetime, timedelta

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tests.factories import ActivityFactory, SlotFactory
from tests.hours.conftest import days_ago
from tests.volunteers import people
from zhiyuan.activities.models import Activity
from zhiyuan.common.identity import resident_id_check_character
from zhiyuan.common.models import AuditEntry
from zhiyuan.hours import backfill, services
from zhiyuan.hours.enums import HourSource, HourStatus, ImportState
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.models import Organization

TEAM = "430602001001-TM"
HEADER = [
    "活动编号",
    "注册编号",
    "身份证号",
    "姓名",
    "开始时间",
    "结束时间",
    "时长（分钟）",
    "服务内容",
]


def xlsx(rows: list[list]) -> bytes:
    """A workbook as Excel writes one: text cells as text, numbers as numbers, date-times as
    dates."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, ["服务时长补录表"])
    sheet.write_row(1, 0, HEADER)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, timezone.localtime(value).replace(tzinfo=None), when)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


def problems(item) -> list[tuple[int, str, str]]:
    with translation.override("en"):
        return [(p["row"], p["column"], backfill.problem_text(p)) for p in item.problems]


def upload(data: bytes, actor, code: str = TEAM):
    return backfill.upload_sheet(
        data, filename="补录.xlsx", organization=Organization.objects.get(code=code), actor=actor
    )


@pytest.fixture
def two(registrar):
    return people.registered(registrar, name="李一"), people.registered(registrar, name="王二")


def test_a_clean_sheet_is_checked_then_imported_as_pending_records(
    activity, two, team_leader
) -> None:
    first, second = two
    slot = SlotFactory(activity=activity, starts_at=days_ago(5, 8), ends_at=days_ago(5, 12))
    data = xlsx(
        [
            [
                activity.pk,
                first.registration_number,
                None,
                "李一",
                days_ago(5, 9),
                days_ago(5, 11),
                None,
                "整理图书",
            ],
            [activity.pk, None, second.document_number, "王二", days_ago(5, 9), None, 90, ""],
            [
                activity.pk,
                first.registration_number,
                None,
                None,
                days_ago(4, 22),
                "01:30",
                None,
                "夜间值守",
            ],
        ]
    )
    item = upload(data, team_leader)
    assert (item.state, item.rows_total, item.rows_valid, problems(item)) == (
        ImportState.CHECKED,
        3,
        3,
        [],
    )
    assert not HourRecord.objects.exists()  # a dry run
    assert backfill.import_sheet(item, actor=team_leader) == 3
    stored = list(HourRecord.objects.order_by("volunteer_id", "start"))
    assert [(r.volunteer, r.minutes, r.status, r.source, r.content) for r in stored] == [
        (first, 120, HourStatus.PENDING, HourSource.BACKFILL, "整理图书"),
        (first, 210, HourStatus.PENDING, HourSource.BACKFILL, "夜间值守"),
        (second, 90, HourStatus.PENDING, HourSource.BACKFILL, ""),
    ]
    assert stored[0].slot == slot and stored[1].slot is None
    assert stored[2].hours_import == item
    item.refresh_from_db()
    assert (item.state, item.imported_count) == (ImportState.IMPORTED, 3)
    assert AuditEntry.objects.filter(action="hours.record.created").count() == 3
    assert item.content == ""  # the file (it names people by ID number) is gone, its hash stays
    assert len(item.file_sha256) == 64
    with pytest.raises(ValidationError):
        backfill.import_sheet(item, actor=team_leader)  # once only


def test_a_sheet_never_imported_loses_its_file_after_the_retention_period(
    activity, two, team_leader, settings
) -> None:
    first, _ = two
    row = [activity.pk, first.registration_number, None, "李一", days_ago(5, 9), days_ago(5, 11)]
    item = upload(xlsx([row]), team_leader)
    later = item.uploaded_at + timedelta(days=settings.ROSTER_RETENTION_DAYS)
    assert backfill.purge_expired_sheets(now=later - timedelta(minutes=1)) == 0
    assert backfill.purge_expired_sheets(now=later + timedelta(minutes=1)) == 1
    item.refresh_from_db()
    assert (item.content, item.state) == ("", ImportState.CHECKED)
    with pytest.raises(ValidationError) as refused:
        backfill.import_sheet(item, actor=team_leader)
    assert refused.value.code == "purged"
    assert not HourRecord.objects.exists()


def test_an_id_number_stored_as_a_number_is_refused_never_repaired(
    activity, two, team_leader
) -> None:
    first, _second = two
    number = int(first.document_number) if first.document_number.isdigit() else 430602199001011234
    item = upload(
        xlsx([[activity.pk, None, number, None, days_ago(5, 9), days_ago(5, 10), None, ""]]),
        team_leader,
    )
    assert problems(item) == [
        (
            3,
            "C 身份证号",
            "This ID number is stored as a number, so Excel has already changed its last digits. "
            "Format the column as text and type the number again.",
        )
    ]
    with pytest.raises(ValidationError):
        backfill.import_sheet(item, actor=team_leader)
    assert not HourRecord.objects.exists()


def test_a_row_naming_an_activity_outside_the_area_is_refused(two, team_leader, outsider) -> None:
    first, _second = two
    elsewhere = ActivityFactory(organizer=Organization.objects.get(code="430602002-SC"))
    row = [
        elsewhere.pk,
        first.registration_number,
        None,
        None,
        days_ago(5, 9),
        days_ago(5, 10),
        None,
        "",
    ]
    item = upload(xlsx([row]), team_leader)
    assert problems(item) == [
        (
            3,
            "A 活动编号",
            f"{elsewhere.pk} is not an activity of 郭亮社区志愿服务队 or below it; hours are back-filled by the organiser.",
        )
    ]
    missing = upload(xlsx([[99999999, *row[1:]]]), team_leader)
    assert problems(missing)[0][2].startswith("99999999 is not an activity of")


def digits_only_id_number() -> str:
    """A resident ID number of 18 digits (its check character a digit, not X)."""
    for sequence in range(100, 1000):
        first17 = f"43060219900101{sequence}"
        check = resident_id_check_character(first17)
        if check.isdigit():
            return first17 + check
    raise AssertionError("no ID number of digits only")


def test_a_problem_never_quotes_an_id_or_mobile_number_from_a_shifted_column(
    activity, two, team_leader
) -> None:
    first, _second = two
    document = digits_only_id_number()
    end = days_ago(5, 10)
    item = upload(
        xlsx(
            [
                [document, first.registration_number, None, None, days_ago(5, 9), end, None, ""],
                [activity.pk, first.registration_number, None, None, "13800138000", end, None, ""],
                [activity.pk, first.registration_number, None, None, "1980年", end, None, ""],
            ]
        ),
        team_leader,
    )
    found = problems(item)
    masked = f"{document[:2]}{'*' * 14}{document[-2:]}"
    assert found == [
        (
            3,
            "A 活动编号",
            f"{masked} is not an activity of 郭亮社区志愿服务队 or below it; hours are "
            "back-filled by the organiser.",
        ),
        (4, "E 开始时间", "Write a date and time such as 2026-03-01 09:30 (13*******00)."),
        (5, "E 开始时间", "Write a date and time such as 2026-03-01 09:30 (1980年)."),
    ]
    assert "13800138000" not in str(item.problems) and document not in str(item.problems)


def test_a_sheet_reads_each_activity_once(activity, two, team_leader) -> None:
    rows = [
        [activity.pk, person.registration_number, None, None, days_ago(day, 9), None, 60, ""]
        for day in range(3, 6)
        for person in two
    ]
    with CaptureQueriesContext(connection) as queries:
        item = upload(xlsx(rows), team_leader)
    assert (item.rows_valid, item.problems) == (6, [])
    table = connection.ops.quote_name(Activity._meta.db_table)
    assert len([q for q in queries.captured_queries if f"FROM {table}" in q["sql"]]) == 1


def test_each_row_gets_its_own_problems(activity, two, team_leader) -> None:
    first, second = two
    data = xlsx(
        [
            [
                activity.pk,
                first.registration_number,
                None,
                "李一",
                days_ago(5, 9),
                days_ago(5, 11),
                None,
                "",
            ],
            [
                activity.pk,
                first.registration_number,
                None,
                None,
                days_ago(5, 10),
                days_ago(5, 12),
                None,
                "",
            ],
            [
                activity.pk,
                second.registration_number,
                None,
                "张三",
                days_ago(5, 9),
                days_ago(5, 10),
                None,
                "",
            ],
            [
                activity.pk,
                second.registration_number,
                None,
                None,
                days_ago(6, 9),
                days_ago(6, 10),
                30,
                "",
            ],
            [activity.pk, second.registration_number, None, None, days_ago(6, 9), None, None, ""],
            [activity.pk, "430600399000001", None, None, days_ago(6, 9), None, 30, ""],
            [activity.pk, second.registration_number, None, None, "昨天上午", None, 30, ""],
            [
                activity.pk,
                second.registration_number,
                None,
                None,
                days_ago(7, 9),
                days_ago(7, 8),
                None,
                "",
            ],
        ]
    )
    item = upload(data, team_leader)
    assert item.rows_valid == 1
    assert problems(item) == [
        (4, "E 开始时间", "This overlaps row 3 of the same volunteer."),
        (5, "D 姓名", "The name does not match the volunteer's registration."),
        (6, "G 时长（分钟）", "The minutes do not match the start and the end."),
        (7, "F 结束时间", "Give the end or the minutes."),
        (8, "B 注册编号", "No registered volunteer has this number."),
        (9, "E 开始时间", "Write a date and time such as 2026-03-01 09:30 (昨天上午)."),
        (10, "F 结束时间", "The end must be after the start."),
    ]


def test_an_overlap_with_the_ledger_is_a_problem(activity, two, team_leader) -> None:
    first, _second = two
    services.record_hours(
        first, activity=activity, start=days_ago(5, 10), end=days_ago(5, 11), actor=team_leader
    )
    item = upload(
        xlsx(
            [
                [
                    activity.pk,
                    first.registration_number,
                    None,
                    None,
                    days_ago(5, 9),
                    days_ago(5, 12),
                    None,
                    "",
                ]
            ]
        ),
        team_leader,
    )
    assert [p[2].split(":")[0] for p in problems(item)] == [
        "This overlaps a record already in the ledger"
    ]


def test_the_import_is_all_or_nothing_when_the_ledger_changed(activity, two, team_leader) -> None:
    first, second = two
    data = xlsx(
        [
            [
                activity.pk,
                first.registration_number,
                None,
                None,
                days_ago(5, 9),
                days_ago(5, 10),
                None,
                "",
            ],
            [
                activity.pk,
                second.registration_number,
                None,
                None,
                days_ago(5, 9),
                days_ago(5, 10),
                None,
                "",
            ],
        ]
    )
    item = upload(data, team_leader)
    assert item.problems == []
    services.record_hours(
        second,
        activity=activity,
        start=days_ago(5, 9),
        end=days_ago(5, 9) + timedelta(minutes=30),
        actor=team_leader,
    )
    with pytest.raises(ValidationError) as refused:
        backfill.import_sheet(item, actor=team_leader)
    assert refused.value.code == "problems"
    assert HourRecord.objects.filter(source=HourSource.BACKFILL).count() == 0
    item.refresh_from_db()
    assert (item.state, [p["row"] for p in item.problems]) == (ImportState.CHECKED, [4])


def test_a_csv_sheet_in_gbk_is_read(activity, two, team_leader) -> None:
    first, _second = two
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    start = timezone.localtime(days_ago(5, 9)).strftime("%Y/%m/%d %H:%M")
    writer.writerow([activity.pk, first.registration_number, "", "李一", start, "", "45", "清扫"])
    item = upload(text.getvalue().encode("gbk"), team_leader)
    assert (item.rows_valid, item.problems) == (1, [])


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "legacy_xls"),
        ("姓名,电话\n张三,1\n".encode(), "no_header"),
        (
            "活动编号,开始时间,结束时间\n1,2026-01-01 09:00,2026-01-01 10:00\n".encode(),
            "missing_columns",
        ),
        (b"PK\x03\x04 not a zip", "unreadable"),
    ],
)
def test_a_file_that_is_no_sheet_fails_with_a_message(team_leader, data: bytes, code: str) -> None:
    item = upload(data, team_leader)
    assert item.state == ImportState.FAILED
    assert item.error and item.error[0]["template"]
    with pytest.raises(ValidationError):
        backfill.import_sheet(item, actor=team_leader)


def test_only_the_organisers_leaders_back_fill(team_leader, outsider, registrar) -> None:
    for actor in (outsider, registrar):
        with pytest.raises(PermissionDenied):
            upload(xlsx([]), actor)
