"""Roster imports against files and requests meant to break them (issue 4): each test here
failed before its fix."""

import io
import zipfile

import openpyxl
import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.volunteers.people import synthetic_id
from tests.volunteers.rosters import TODAY, checked
from zhiyuan.common.spreadsheets import guard_xlsx
from zhiyuan.volunteers.enums import ImportMode, ImportStatus
from zhiyuan.volunteers.imports import reader, workbooks
from zhiyuan.volunteers.imports.messages import shown
from zhiyuan.volunteers.imports.reader import open_roster
from zhiyuan.volunteers.imports.write import import_roster
from zhiyuan.volunteers.models import RosterImport, Volunteer

pytestmark = pytest.mark.django_db
HEADER = "姓名,身份证号,手机号"


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def rows(count: int) -> list[str]:
    names = "甲乙丙丁戊己庚辛壬癸"
    return [
        f"张{names[i // 10 % 10]}{names[i % 10]},{synthetic_id('19900101')},1381111{i:04d}"
        for i in range(count)
    ]


def test_a_csv_cell_beyond_the_csv_field_limit_fails_the_check_instead_of_crashing(
    registrar,
    body,
) -> None:
    # 200,000 characters in one quoted cell: csv.Error "field larger than field limit" used to
    # escape the check, leaving the import "checking" for ever.
    data = csv_bytes(HEADER, *rows(1), '张三,"' + "1" * 200_000 + '",13811112222')
    roster_import = checked(registrar, body, data, filename="名册.csv")
    assert (roster_import.status, roster_import.error) == (
        ImportStatus.FAILED,
        "The file is not a spreadsheet or CSV file. Save it from Excel or WPS as .xlsx.",
    )


def test_a_stale_second_commit_neither_imports_nor_overwrites_the_first(registrar, body) -> None:
    # A double click or an API replay: both requests loaded the import while it was checked.
    roster_import = checked(registrar, body, csv_bytes(HEADER, *rows(2)), filename="名册.csv")
    stale = RosterImport.objects.get(pk=roster_import.pk)
    import_roster(roster_import, actor=registrar, mode=ImportMode.ALL_OR_NOTHING, today=TODAY)
    with pytest.raises(ValidationError) as refusal:
        import_roster(stale, actor=registrar, mode=ImportMode.VALID_ONLY, today=TODAY)
    assert refusal.value.code == "not_checked"
    roster_import.refresh_from_db()
    assert (roster_import.status, roster_import.imported_count, roster_import.mode) == (
        ImportStatus.IMPORTED,
        2,
        ImportMode.ALL_OR_NOTHING,
    )
    assert Volunteer.objects.filter(roster_import=roster_import).count() == 2


def test_a_choice_problem_never_repeats_a_phone_or_id_number(registrar, body) -> None:
    # Columns shifted by one: the ID number and the phone sit under 性别 and 政治面貌.
    number = synthetic_id("19900101")
    data = csv_bytes("姓名,性别,政治面貌,身份证号,手机号", f"张三,{number},13811112222,,")
    roster_import = checked(registrar, body, data, filename="名册.csv")
    messages = {problem["column"]: problem["message"] for problem in roster_import.problems}
    masked = number[:2] + "*" * 14 + number[-2:]
    assert messages["B 性别"] == (
        f"“{masked}” is not one of the choices; use the template's drop-down list."
    )
    assert messages["C 政治面貌"] == (
        "“13*******22” is not one of the choices; use the template's drop-down list."
    )
    assert number not in str(roster_import.problems)
    assert "13811112222" not in str(roster_import.problems)


def test_a_problem_of_a_field_without_a_column_names_the_field_in_words(registrar, body) -> None:
    # A minor without an age basis: the file has no 注册依据 column, and the problem used to be
    # placed in the column "age_basis", the field's key, in the page, the API and the report.
    number = synthetic_id("20100101")
    data = csv_bytes(HEADER, f"张三,{number},13811112222")
    roster_import = checked(registrar, body, data, filename="名册.csv")
    with translation.override("en"):
        assert [shown(problem) for problem in roster_import.problems] == [
            {
                "row": 2,
                "column": "age basis",
                "message": "Under 18: record the guardian's consent, the school's consent, or (16 "
                "and over) a declaration of living on one's own income.",
            }
        ]
    with translation.override("en"):
        report = openpyxl.load_workbook(io.BytesIO(workbooks.error_report_xlsx(roster_import)))
    assert [cell.value for cell in report.active[2]] == [
        2,
        "张三",
        number,
        "13811112222",
        "age basis："
        "Under 18: record the guardian's consent, the school's consent, or (16 and over) a "
        "declaration of living on one's own income.",
    ]


def test_a_tiny_xlsx_with_one_far_away_cell_is_refused_before_it_is_read(registrar, body) -> None:
    # 5 KB: a header and one cell at XFD100001. calamine reads a sheet into a dense grid from
    # A1 to its last cell: it asked for 52 GB and aborted the whole process (web or worker).
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "身份证号", "手机号"])
    sheet.write(100_000, 16_383, "x")
    book.close()
    roster_import = checked(registrar, body, buffer.getvalue(), filename="名册.csv")
    assert (roster_import.status, roster_import.error) == (
        ImportStatus.FAILED,
        "The sheet reaches as far as cell XFD100001: far more rows and columns than a "
        "spreadsheet of this kind holds, so it was not read. Copy only the rows needed into a "
        "new workbook and upload that.",
    )


def test_a_roster_of_many_rows_and_usual_width_is_not_taken_for_a_bomb() -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "身份证号", "手机号"])
    sheet.write(199_999, 49, "x")  # 200,000 rows of 50 columns: 10 million cells
    book.close()
    open_roster(buffer.getvalue())  # no RosterError
    assert guard_xlsx(buffer.getvalue(), reader.ROSTER_LIMITS) == ["xl/worksheets/sheet1.xml"]


def _with_sheet_xml(change) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "身份证号", "手机号"])
    sheet.write_formula(1, 0, "=1+1", None, "x")
    book.close()
    original = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w") as archive:
        for name in original.namelist():
            content = original.read(name)
            if name == "xl/worksheets/sheet1.xml":
                content = change(content)
            archive.writestr(name, content)
    return changed.getvalue()


@pytest.mark.parametrize(
    "change",
    [
        lambda xml: xml.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1),
        lambda xml: xml + b"<c r='Z9'><f>1",
    ],
    ids=["entity declaration", "junk after the sheet"],
)
def test_a_sheet_calamine_reads_but_the_formula_scan_cannot_fails_the_check(
    registrar,
    body,
    change,
) -> None:
    # The scan's EntitiesForbidden or ParseError escaped the check: the import stayed
    # "checking" for ever and its page polled for ever.
    roster_import = checked(registrar, body, _with_sheet_xml(change), filename="名册.csv")
    assert (roster_import.status, roster_import.error) == (
        ImportStatus.FAILED,
        "The file could not be read as an Excel workbook. Save it again as .xlsx.",
    )
