"""Roster imports: the one path from a spreadsheet into a registration body."""

import io

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from tests.volunteers.people import synthetic_id
from tests.volunteers.rosters import TODAY, checked
from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers.enums import ImportMode, ImportStatus, RegistrationChannel
from zhiyuan.volunteers.imports import workbooks
from zhiyuan.volunteers.imports.files import file_bytes, purge_expired_files
from zhiyuan.volunteers.imports.reader import open_roster
from zhiyuan.volunteers.imports.upload import upload_roster
from zhiyuan.volunteers.imports.write import import_roster
from zhiyuan.volunteers.models import RosterImport, Volunteer

pytestmark = pytest.mark.django_db
HEADER = ["序号", "姓名", "性别", "身份证号（必填）", "手机号", "政治面貌", "技能特长"]


def xlsx(rows: list[list[object]], *, title: str | None = "岳阳楼街道志愿者登记表") -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    text = book.add_format({"num_format": "@"})
    offset = 0
    if title:
        sheet.merge_range(0, 0, 0, len(HEADER) - 1, title)
        offset = 2  # a title row and an empty row above the header
    sheet.write_row(offset, 0, HEADER)
    for number, row in enumerate(rows, start=offset + 1):
        for column, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(number, column, value, text)
            else:
                sheet.write(number, column, value)
    book.close()
    return buffer.getvalue()


def upload(registrar, body, data: bytes) -> RosterImport:
    return checked(registrar, body, data, language=None)


def test_a_clean_roster_is_checked_then_imported_as_applied(registrar, body) -> None:
    ids = [synthetic_id("19900101"), synthetic_id("19850505", male=False)]
    data = xlsx(
        [
            [1, "张三", "男", ids[0], "13811112222", "中共党员", "急救、法律咨询"],
            [2, "李四", "女", ids[1].lower(), "13811113333", "群众", ""],
        ]
    )
    checked = upload(registrar, body, data)
    assert (checked.status, checked.header_row, checked.rows_total, checked.rows_valid) == (
        ImportStatus.CHECKED,
        3,
        2,
        2,
    )
    assert checked.problems == [] and checked.unknown_headers == []
    assert not Volunteer.objects.filter(roster_import=checked).exists()  # a dry run writes nothing
    done = import_roster(checked, actor=registrar, mode=ImportMode.ALL_OR_NOTHING, today=TODAY)
    people = list(Volunteer.objects.filter(roster_import=done).order_by("name"))
    assert [(v.name, v.status, v.channel, v.registered_by) for v in people] == [
        ("张三", "applied", RegistrationChannel.IMPORT, registrar),
        ("李四", "applied", RegistrationChannel.IMPORT, registrar),
    ]
    assert people[0].political_status == "party_member"
    assert people[0].skills == ["first_aid", "legal"]
    assert people[1].document_number == ids[1]  # lower-case x stored as X
    assert done.imported_count == 2
    assert (
        AuditEntry.objects.filter(
            action="volunteer.registration.applied", data__import=done.pk
        ).count()
        == 2
    )


def test_importing_the_same_file_again_creates_nothing_and_says_present(registrar, body) -> None:
    data = xlsx([[1, "王五", "男", synthetic_id("19700101"), "13811114444", "群众", ""]])
    import_roster(upload(registrar, body, data), actor=registrar, mode="all", today=TODAY)
    again = upload(registrar, body, data)
    assert (again.rows_valid, again.rows_present, again.rows_invalid) == (0, 1, 0)
    again = import_roster(again, actor=registrar, mode="all", today=TODAY)
    assert again.imported_count == 0
    assert Volunteer.objects.filter(name="王五").count() == 1


def test_all_or_nothing_refuses_a_roster_with_a_bad_row_valid_only_takes_the_rest(
    registrar, body
) -> None:
    good = synthetic_id("19800808")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    data = xlsx(
        [
            [1, "赵六", "男", good, "13811115555", "群众", ""],
            [2, "钱七", "男", bad, "13811116666", "群众", ""],
        ]
    )
    checked = upload(registrar, body, data)
    assert [(p["row"], p["column"]) for p in checked.problems] == [(5, "D 身份证号（必填）")]
    assert bad not in str(checked.problems)
    with pytest.raises(ValidationError) as raised:
        import_roster(checked, actor=registrar, mode="all", today=TODAY)
    assert raised.value.code == "has_problems"
    assert not Volunteer.objects.filter(name__in=["赵六", "钱七"]).exists()
    checked.refresh_from_db()
    done = import_roster(checked, actor=registrar, mode="valid_only", today=TODAY)
    assert list(Volunteer.objects.filter(roster_import=done).values_list("name", flat=True)) == [
        "赵六"
    ]


def test_only_registering_roles_for_the_point_may_upload(viewer, outsider, body) -> None:
    point = body("430602001-SC")
    for user in (viewer, outsider):
        with pytest.raises(PermissionDenied):
            upload_roster(
                b"x",
                filename="a.csv",
                body=point,
                organization=point.organization,
                actor=user,
                consent_affirmed=True,
            )


def test_files_are_encrypted_and_purged_after_the_retention_period(
    registrar, body, settings
) -> None:
    from django.db import connection
    from django.utils import timezone

    data = xlsx([[1, "孙八", "男", synthetic_id("19660606"), "13811117777", "群众", ""]])
    checked = upload(registrar, body, data)
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM volunteers_rosterimport WHERE id = %s", [checked.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith(("g:", "s:")) and "孙八" not in stored
    later = timezone.now() + timezone.timedelta(days=settings.ROSTER_RETENTION_DAYS + 1)
    assert purge_expired_files(now=later) == 1
    checked.refresh_from_db()
    assert (checked.content, checked.file_sha256 != "") == ("", True)
    with pytest.raises(ValidationError):
        file_bytes(checked)


def test_the_template_reads_back_with_every_column_recognised() -> None:
    sheet = open_roster(workbooks.template_xlsx())
    assert sheet.header_row == 1
    assert sheet.unknown_headers == []
    assert sorted(sheet.columns.values()) == sorted(f for _t, f in workbooks.TEMPLATE_COLUMNS)


def test_the_error_report_marks_the_row_and_can_be_uploaded_again(registrar, body) -> None:
    import openpyxl

    good = synthetic_id("19790909")
    data = xlsx(
        [
            [1, "周九", "男", good, "13811118888", "群众", ""],
            [2, "吴十", "男", good, "1381111", "群众", ""],
        ]
    )
    with translation.override("en"):
        checked = upload(registrar, body, data)
    with translation.override("en"):  # the report is in the reader's language
        report = workbooks.error_report_xlsx(checked)
    rows = list(openpyxl.load_workbook(io.BytesIO(report)).active.iter_rows(values_only=True))
    assert rows[0] == ("原行号", *HEADER, "问题")
    assert rows[1][:2] == (4, "1") and rows[1][-1] in ("", None)
    assert rows[2][0] == 5
    assert rows[2][-1] == (
        "身份证号（必填）：The same person as row 4 of this file.；"
        "手机号：Enter an 11-digit mainland mobile number, such as 13800138000."
    )
    chinese = workbooks.error_report_xlsx(checked)  # checked in English, read in Chinese
    rows = list(openpyxl.load_workbook(io.BytesIO(chinese)).active.iter_rows(values_only=True))
    assert rows[2][-1] == (
        "身份证号（必填）：与本文件第 4 行是同一人。；手机号：请输入11位大陆手机号码，例如 13800138000。"
    )
    again = upload(registrar, body, report)
    assert (again.header_row, again.unknown_headers, again.rows_total) == (1, [], 2)


def test_the_command_imports_valid_rows_and_sends_please_confirm(
    registrar, body, tmp_path, outbox, capsys, django_capture_on_commit_callbacks
) -> None:
    from django.core.management import CommandError, call_command

    good = synthetic_id("19820202")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    path = tmp_path / "名册.xlsx"
    path.write_bytes(
        xlsx(
            [
                [1, "郑一", "男", good, "13811119999", "群众", ""],
                [2, "郑二", "男", bad, "13811110000", "群众", ""],
            ]
        )
    )
    code = body("430602001-SC").code
    with translation.override("en"), pytest.raises(CommandError, match="--valid-only"):
        call_command("import_roster", str(path), body=code, actor="registrar")
    assert not Volunteer.objects.filter(name__startswith="郑").exists()
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        call_command(
            "import_roster",
            str(path),
            body=code,
            actor="registrar",
            valid_only=True,
            send_confirmations=True,
        )
    out = capsys.readouterr()
    assert "2 rows: 1 valid, 1 with problems, 0 already present." in out.out
    assert "Imported 1 people as applied" in out.out
    assert "row 5, column D 身份证号（必填）" in out.err
    assert list(Volunteer.objects.filter(name__startswith="郑").values_list("name", flat=True)) == [
        "郑一"
    ]
    assert [m.template for m in outbox] == ["registration_confirm"]


def test_an_id_number_in_the_file_name_is_masked_before_it_is_kept(registrar, body) -> None:
    number = synthetic_id("19880101")
    point = body("430602001-SC")
    roster_import = upload_roster(
        b"x",
        filename=f"张三{number}.xlsx",
        body=point,
        organization=point.organization,
        actor=registrar,
        consent_affirmed=True,
        check=False,
    )
    assert roster_import.filename == f"张三{number[:2]}{'*' * 14}{number[-2:]}.xlsx"
    separated = upload_roster(
        b"x",
        filename="李四 138-0013-8000.xlsx",
        body=point,
        organization=point.organization,
        actor=registrar,
        consent_affirmed=True,
        check=False,
    )
    assert separated.filename == "李四 13*******00.xlsx"
    entry = AuditEntry.objects.filter(action="volunteer.roster.uploaded").latest("pk")
    assert number not in str(entry.data) and number not in entry.object_repr


@pytest.mark.parametrize(
    ("filename", "kept"),
    [
        ("李四 +86 137 1234 5558.xlsx", "李四 +86*********58.xlsx"),
        ("李四 137.1234.5559.xlsx", "李四 13*******59.xlsx"),
        ("李四（137）1234-5560.csv", "李四(13*******60.csv"),
        ("李四１３７１２３４５５６１.xlsx", "李四13*******61.xlsx"),
        ("李四一三七一二三四五五六二.xlsx", "roster.xlsx"),
        ("2025年 第3批 名册.xlsx", "2025年 第3批 名册.xlsx"),
        ("名册（改）.xlsx", "名册（改）.xlsx"),  # kept as typed: no number in it
    ],
)
def test_a_mobile_in_the_file_name_is_masked_however_it_is_spelled(
    registrar, body, filename: str, kept: str
) -> None:
    point = body("430602001-SC")
    roster_import = upload_roster(
        b"x",
        filename=filename,
        body=point,
        organization=point.organization,
        actor=registrar,
        consent_affirmed=True,
        check=False,
    )
    assert roster_import.filename == kept


def test_a_check_that_breaks_off_ends_as_failed_not_checking_for_ever(
    registrar, body, monkeypatch
) -> None:
    from zhiyuan.volunteers.imports import tasks

    data = xlsx([[1, "卫一", "男", synthetic_id("19750505"), "13811112223", "群众", ""]])
    point = body("430602001-SC")
    roster_import = upload_roster(
        data,
        filename="a.xlsx",
        body=point,
        organization=point.organization,
        actor=registrar,
        consent_affirmed=True,
        check=False,
    )

    def broken(*args, **kwargs):
        RosterImport.objects.filter(pk=roster_import.pk).update(status=ImportStatus.CHECKING)
        raise RuntimeError("the database went away")

    monkeypatch.setattr("zhiyuan.volunteers.imports.check.evaluate", broken)
    with pytest.raises(RuntimeError):
        tasks.check_roster_task.call(roster_import.pk)
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.FAILED
