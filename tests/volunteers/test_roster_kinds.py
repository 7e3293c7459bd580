"""Each kind of roster offices hand in, read exactly: encodings, headers, cells, duplicates,
formulas, dates, refused files, row numbers, and exports safe against formula injection.

Every test writes its own small file (XlsxWriter, openpyxl or encoded CSV text) and asserts
the exact outcome. Messages are asserted in English (`translation.override("en")`).
"""

import csv
import io
import zipfile
from datetime import date
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.volunteers.people import OTHER_STREET, STREET, synthetic_id
from zhiyuan.accounts.models import mobile_digest
from zhiyuan.common import crypto
from zhiyuan.common.identity import resident_id_check_character
from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers import exports, selectors
from zhiyuan.volunteers.enums import ImportStatus
from zhiyuan.volunteers.imports import helper, workbooks
from zhiyuan.volunteers.imports.cells import RowReader
from zhiyuan.volunteers.imports.check import check_roster
from zhiyuan.volunteers.imports.reader import RosterError, column_letter, open_roster
from zhiyuan.volunteers.imports.upload import upload_roster
from zhiyuan.volunteers.imports.write import import_roster
from zhiyuan.volunteers.models import RosterImport, Volunteer, document_digest

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 29)
NUMBER_CELL = (
    "This ID number is stored as a number, so Excel has already changed its last digits. "
    "Format the column as text and type the number again."
)
NO_SAVED_RESULT = (
    "This cell holds a formula without a saved result. Open the file in Excel or WPS and save "
    "it again, or type the value."
)
SAME_PERSON = "The same person as row %s of this file."


# --- files -----------------------------------------------------------------------------------


def csv_text(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def xlsx(
    rows: list[list[Any]],
    *,
    first_row: int = 0,
    first_column: int = 0,
    above: Any = None,
) -> bytes:
    """A workbook whose first sheet holds `rows` from (`first_row`, `first_column`), 0-based:
    str as text cells, int and float as number cells, date as date cells, ("=", formula,
    value) as a formula with that cached value; `above(book, sheet)` writes rows above."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("名册")
    text = book.add_format({"num_format": "@"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    if above:
        above(book, sheet)
    for r, row in enumerate(rows, start=first_row):
        for c, value in enumerate(row, start=first_column):
            if isinstance(value, tuple):
                sheet.write_formula(r, c, value[1], None, value[2])
            elif isinstance(value, str):
                sheet.write_string(r, c, value, text)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, value, day)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
    book.close()
    return buffer.getvalue()


def check(
    registrar, body, data: bytes, *, filename: str = "名册.xlsx", workers: int | None = None
) -> RosterImport:
    """Upload `data` to the street's body and run the dry run (in English), by `workers`
    processes (None: as many as the roster's size asks for)."""
    point = body(STREET)
    with translation.override("en"):
        roster_import = upload_roster(
            data,
            filename=filename,
            body=point,
            organization=point.organization,
            actor=registrar,
            consent_affirmed=True,
            check=False,
        )
        return check_roster(roster_import, today=TODAY, workers=workers)


def commit(
    registrar, roster_import: RosterImport, mode: str = "all", *, workers: int | None = None
) -> list[Volunteer]:
    import_roster(roster_import, actor=registrar, mode=mode, today=TODAY, workers=workers)
    return list(Volunteer.objects.filter(roster_import=roster_import).order_by("pk"))


def outcome(roster_import: RosterImport) -> tuple[Any, ...]:
    return (
        roster_import.status,
        roster_import.header_row,
        roster_import.rows_total,
        roster_import.rows_valid,
        roster_import.rows_invalid,
        roster_import.rows_present,
    )


def problems(roster_import: RosterImport) -> list[tuple[int, str, str]]:
    return [(p["row"], p["column"], p["message"]) for p in roster_import.problems]


# --- encodings -------------------------------------------------------------------------------


def test_a_gbk_csv_as_excel_and_wps_save_it(registrar, body) -> None:
    number = synthetic_id("19900101")
    text = csv_text(
        [["姓名", "身份证号", "手机号", "民族"], ["欧阳娜娜", number, "13800138000", "汉族"]]
    )
    checked = check(registrar, body, text.encode("gbk"), filename="名册.csv")
    assert outcome(checked) == (ImportStatus.CHECKED, 1, 1, 1, 0, 0)
    [person] = commit(registrar, checked)
    assert (person.name, person.document_number, person.mobile, person.ethnicity) == (
        "欧阳娜娜",
        number,
        "13800138000",
        "01",
    )


def test_names_only_gb18030_holds_come_through_unmangled(registrar, body) -> None:
    names = ["王𠮷", "刘䶮"]  # U+20BB7 and U+4DAE: four-byte GB18030, not in GBK
    for name in names:
        with pytest.raises(UnicodeEncodeError):
            name.encode("gbk")
    ids = [synthetic_id("19900101"), synthetic_id("19910202", male=False)]
    rows = [["姓名", "身份证号", "手机号"]] + [
        [name, number, f"1380013800{i}"]
        for i, (name, number) in enumerate(zip(names, ids, strict=True))
    ]
    checked = check(registrar, body, csv_text(rows).encode("gb18030"), filename="名册.csv")
    assert outcome(checked) == (ImportStatus.CHECKED, 1, 2, 2, 0, 0)
    assert [v.name for v in commit(registrar, checked)] == names


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-8"), id="utf-8"),
        pytest.param(lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), id="utf-8 with BOM"),
    ],
)
def test_utf8_with_and_without_bom(registrar, body, encode) -> None:
    text = csv_text(
        [["姓名", "身份证号", "手机号"], ["阿依古丽·买买提", synthetic_id(), "13800138000"]]
    )
    checked = check(registrar, body, encode(text), filename="roster.txt")  # not told by the name
    assert (outcome(checked), checked.unknown_headers) == (
        (ImportStatus.CHECKED, 1, 1, 1, 0, 0),
        [],
    )
    assert [v.name for v in commit(registrar, checked)] == ["阿依古丽·买买提"]


# --- headers ---------------------------------------------------------------------------------


def test_a_title_row_and_a_merged_two_row_header_above_the_header_line(registrar, body) -> None:
    def above(book, sheet):
        centred = book.add_format({"align": "center", "bold": True})
        sheet.merge_range(0, 0, 0, 4, "岳阳楼街道2026年志愿者注册登记表", centred)
        sheet.merge_range(1, 0, 2, 0, "序号", centred)  # a vertical merge over two rows
        sheet.merge_range(1, 1, 1, 2, "基本信息", centred)
        sheet.merge_range(1, 3, 1, 4, "联系方式", centred)
        sheet.write_row(2, 1, ["填表说明：带*为必填", ""])

    rows = [
        ["", "姓名*", "身份证号*", "手机号*", "电子邮箱"],
        [1, "张三", synthetic_id("19900101"), "13800138000", ""],
        [2, "李四", synthetic_id("19850505", male=False), "1380013", ""],
    ]
    checked = check(registrar, body, xlsx(rows, first_row=3, above=above))
    assert outcome(checked) == (ImportStatus.CHECKED, 4, 2, 1, 1, 0)
    assert checked.unknown_headers == []
    assert problems(checked) == [
        (6, "D 手机号*", "Enter an 11-digit mainland mobile number, such as 13800138000.")
    ]


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        (
            ["姓名（必填）", "身份证号（必填）", "手机号（必填）"],
            {0: "name", 1: "document_number", 2: "mobile"},
        ),
        (
            ["姓名(必填)", "身份证号码(必填)", "手机(必填)"],
            {0: "name", 1: "document_number", 2: "mobile"},
        ),
        (["姓 名", " 公民身份号码 ", "联系电话"], {0: "name", 1: "document_number", 2: "mobile"}),
        (["姓\u3000名", "身份证号码", "手 机 号"], {0: "name", 1: "document_number", 2: "mobile"}),
        (
            ["*姓名:", "【必填】身份证号", "手机号："],
            {0: "name", 1: "document_number", 2: "mobile"},
        ),
        (
            ["Name", "ID number", "Mobile", "Gender", "Date of birth", "E-mail"],
            {
                0: "name",
                1: "document_number",
                2: "mobile",
                3: "gender",
                4: "birth_date",
                5: "email",
            },
        ),
        (["序号", "手机号", "姓名", "身份证号"], {1: "mobile", 2: "name", 3: "document_number"}),
    ],
)
def test_header_variants_name_the_same_columns(header: list[str], columns: dict[int, str]) -> None:
    sheet = open_roster(csv_text([header]).encode())
    assert (sheet.header_row, sheet.columns, sheet.unknown_headers) == (1, columns, [])


def test_unknown_columns_are_reported_and_ignored(registrar, body) -> None:
    rows = [
        ["序号", "姓名", "所属小组", "身份证号", "手机号", "爱好", "备注"],
        [1, "王五", "第三组", synthetic_id("19700101"), "13800138000", "=1+1", "已核对"],
    ]
    checked = check(registrar, body, xlsx(rows))
    assert (outcome(checked), checked.unknown_headers) == (
        (ImportStatus.CHECKED, 1, 1, 1, 0, 0),
        ["所属小组", "爱好"],
    )
    [person] = commit(registrar, checked)
    assert (person.name, person.occupation, person.work_unit_name) == ("王五", "", "")


def test_missing_required_columns_are_reported_before_any_row_is_read(registrar, body) -> None:
    bad_rows = [["姓名", "性别", "电话号码"], ["张三", "火星人", "12"]]
    with pytest.raises(RosterError) as raised:
        open_roster(xlsx(bad_rows))  # raised on opening: no row is handed out
    assert raised.value.code == "missing_columns"
    checked = check(registrar, body, xlsx(bad_rows))
    assert (checked.status, checked.rows_total, checked.problems) == (ImportStatus.FAILED, 0, [])
    assert checked.error == (
        "Required columns are missing: ID number、mobile. Add them to the header row."
    )


def test_a_file_without_a_header_row_says_where_to_find_the_columns(registrar, body) -> None:
    checked = check(registrar, body, csv_text([["a", "b"], ["1", "2"]]).encode())
    assert (checked.status, checked.error) == (
        ImportStatus.FAILED,
        "No header row found: one of the first 20 rows must name the columns, e.g. 姓名, "
        "身份证号, 手机号. Download the template to see them.",
    )


# --- ID numbers and phones -------------------------------------------------------------------


def as_number_cell(number: str) -> str:
    """The digits a number cell holds for `number`: a double, which XlsxWriter writes with 16
    significant digits (Excel keeps 15)."""
    return f"{float(f'{float(number):.16G}'):.0f}"


def damaged_number_that_passes_the_check() -> tuple[str, str]:
    """A synthetic resident ID (18 digits) whose value as a number cell (a double, written
    with 16 significant digits) reads back as another 18-digit number with a right check
    character, so a reader that "repaired" the cell would take a wrong person's number
    without noticing."""
    for day in range(1, 29):
        for sequence in range(1000):
            first17 = f"430602199001{day:02d}{sequence:03d}"
            number = first17 + resident_id_check_character(first17)
            damaged = as_number_cell(number) if number.isdigit() else number
            if (
                len(damaged) == 18
                and damaged != number
                and resident_id_check_character(damaged[:17]) == damaged[17]
            ):
                return number, damaged
    raise AssertionError("no such number")


def test_numeric_id_cells_are_refused_never_repaired(registrar, body) -> None:
    number, damaged = damaged_number_that_passes_the_check()
    plain = synthetic_id("19800808").replace("X", "1")
    header = ["姓名", "身份证号", "手机号"]
    rows = [
        header,
        ["赵六", float(number), "13800138000"],  # damaged, yet passes MOD 11-2
        ["钱七", int(plain), "13800138001"],  # damaged too
        ["孙八", number, "13800138002"],  # the same number as text: fine
    ]
    data = xlsx(rows)
    [value] = [cells[1] for n, cells in open_roster(data).rows if n == 2]  # what the file holds
    assert f"{value:.0f}" == damaged  # a naive repair would read a valid-looking number
    checked = check(registrar, body, data)
    assert outcome(checked) == (ImportStatus.CHECKED, 1, 3, 1, 2, 0)
    assert problems(checked) == [(2, "B 身份证号", NUMBER_CELL), (3, "B 身份证号", NUMBER_CELL)]
    report = openpyxl.load_workbook(io.BytesIO(workbooks.error_report_xlsx(checked))).active
    assert [row[:3] for row in report.iter_rows(min_row=2, values_only=True)] == [
        (2, "赵六", damaged),  # the report shows the digits Excel kept, for the office to see
        (3, "钱七", as_number_cell(plain)),
        (4, "孙八", number),
    ]
    assert [v.document_number for v in commit(registrar, checked, "valid_only")] == [number]


PHONE_AS_NUMBER = (
    "This phone number is stored as a number, so Excel has already changed its last digits. "
    "Format the column as text and type the number again."
)
CODE_AS_NUMBER = (
    "This code is stored as a number, so Excel has already changed its last digits. Format the "
    "column as text and type the code again."
)


@pytest.mark.parametrize("kind", ["csv", "xlsx text cells"])
def test_numbers_excel_saved_in_scientific_notation_get_the_numeric_cell_message(
    registrar, body, kind: str
) -> None:
    """Excel shows a General cell of 12 digits or more as 1.10105E+17 and saves it so to CSV:
    the digits are gone, so the row is refused as a number cell is, never by its length."""
    number = synthetic_id("19850602")
    mobile = "13800138000"
    header = ["姓名", "身份证号", "手机号", "紧急联系人电话", "居住地区划代码"]
    rows = [
        header,
        ["甲", "1.10105E+17", mobile, "", ""],
        ["乙", "4.30602e+17", mobile, "", ""],
        ["丙", " 4.30602 E + 17 ", mobile, "", ""],
        ["丁", "４．３０６０２Ｅ＋１７", mobile, "", ""],
        ["戊", "4.30602E17", mobile, "", ""],
        ["己", number, "1.38001E+10", "1.39001e+10", "4.30602E+11"],
    ]
    if kind == "csv":
        checked = check(registrar, body, csv_text(rows).encode("utf-8-sig"), filename="名册.csv")
    else:
        checked = check(registrar, body, xlsx(rows))
    assert outcome(checked) == (ImportStatus.CHECKED, 1, 6, 0, 6, 0)
    assert problems(checked) == [
        (2, "B 身份证号", NUMBER_CELL),
        (3, "B 身份证号", NUMBER_CELL),
        (4, "B 身份证号", NUMBER_CELL),
        (5, "B 身份证号", NUMBER_CELL),
        (6, "B 身份证号", NUMBER_CELL),
        (7, "E 居住地区划代码", CODE_AS_NUMBER),
        (7, "C 手机号", PHONE_AS_NUMBER),
        (7, "D 紧急联系人电话", PHONE_AS_NUMBER),
    ]


def id_ending_in(check_character: str, birth: str) -> str:
    """A synthetic resident ID born on `birth` whose check character is `check_character`."""
    for sequence in range(900, 1000):
        first17 = f"430602{birth}{sequence:03d}"
        if resident_id_check_character(first17) == check_character:
            return first17 + check_character
    raise AssertionError("no such number")


def test_full_width_digits_and_lower_case_x(registrar, body) -> None:
    with_x = id_ending_in("X", "19881212")
    digits = id_ending_in("7", "19771111")
    full_width = digits.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    rows = [
        ["姓名", "身份证号", "手机号", "紧急联系人电话"],
        ["周九", full_width, "１３８ ００１３ ８０００", "+86 139-0013-9000"],
        ["吴十", with_x.lower(), "138-0013-8001", ""],
    ]
    checked = check(registrar, body, xlsx(rows))
    assert (outcome(checked), checked.problems) == ((ImportStatus.CHECKED, 1, 2, 2, 0, 0), [])
    people = commit(registrar, checked)
    assert [(v.document_number, v.mobile, v.emergency_contact_phone) for v in people] == [
        (digits, "13800138000", "13900139000"),
        (with_x, "13800138001", ""),
    ]


# --- duplicates ------------------------------------------------------------------------------


def test_the_same_person_twice_in_the_file_names_both_rows(registrar, body) -> None:
    twice = synthetic_id("19900101")
    other = synthetic_id("19920202")
    rows = [
        ["姓名", "身份证号", "手机号"],
        ["郑一", twice, "1380013"],  # a problem of its own, and still the first of the two
        ["王二", other, "13800138001"],
        ["郑一", twice.lower(), "13800138002"],
        ["王二", other, "13800138003"],
    ]
    checked = check(registrar, body, xlsx(rows))
    assert outcome(checked) == (ImportStatus.CHECKED, 1, 4, 1, 3, 0)
    assert problems(checked) == [
        (2, "C 手机号", "Enter an 11-digit mainland mobile number, such as 13800138000."),
        (4, "B 身份证号", SAME_PERSON % 2),
        (5, "B 身份证号", SAME_PERSON % 3),
    ]


def test_people_in_the_ledger_are_present_here_or_held_by_another_body(
    registrar, outsider, body, apply, registered
) -> None:
    elsewhere = registered(outsider, OTHER_STREET, birth="19750505")
    applied_elsewhere = apply(outsider, OTHER_STREET, birth="19760606")
    here = synthetic_id("19800101")
    rows = [
        ["姓名", "身份证号", "手机号"],
        ["冯三", here, "13800138000"],
        ["陈四", elsewhere.document_number, "13800138001"],
        ["褚五", applied_elsewhere.document_number, "13800138002"],
    ]
    data = xlsx(rows)
    first = check(registrar, body, data)
    assert outcome(first) == (ImportStatus.CHECKED, 1, 3, 2, 1, 0)
    assert problems(first) == [
        (
            3,
            "B 身份证号",
            "Already registered with 三眼桥街道志愿服务中心: one person has one registration "
            "city-wide. Ask 三眼桥街道志愿服务中心 to transfer the registration instead.",
        )
    ]
    assert elsewhere.document_number not in str(first.problems)
    assert [v.name for v in commit(registrar, first, "valid_only")] == ["冯三", "褚五"]
    again = check(registrar, body, data)
    assert outcome(again) == (ImportStatus.CHECKED, 1, 3, 0, 1, 2)  # present: not problems
    assert [p[0] for p in problems(again)] == [3]
    assert commit(registrar, again, "valid_only") == []
    again.refresh_from_db()
    assert (again.status, again.imported_count) == (ImportStatus.IMPORTED, 0)


# --- formulas --------------------------------------------------------------------------------


def test_formula_cells_with_cached_values_give_those_values(registrar, body) -> None:
    number = synthetic_id("19900101")
    rows = [
        ["姓名", "身份证号", "手机号", "职业"],
        [("=", '="蒋"&"六"', "蒋六"), ("=", f'="{number}"', number), "13800138000", ""],
        ["沈七", synthetic_id("19910101"), ("=", '="138"&"00138001"', "13800138001"), ""],
    ]
    checked = check(registrar, body, xlsx(rows))
    assert (outcome(checked), checked.problems) == ((ImportStatus.CHECKED, 1, 2, 2, 0, 0), [])
    people = commit(registrar, checked)
    assert [(v.name, v.mobile) for v in people] == [
        ("蒋六", "13800138000"),
        ("沈七", "13800138001"),
    ]
    assert people[0].document_number == number


def test_formula_cells_without_cached_values_are_refused_with_save_again(registrar, body) -> None:
    book = openpyxl.Workbook()  # openpyxl writes formulas without their results
    sheet = book.active
    sheet.append(["姓名", "身份证号", "手机号", "职业"])
    sheet.append(['="韩"&"八"', synthetic_id("19900101"), "13800138000", "教师"])
    sheet.append(["杨九", synthetic_id("19910101"), "13800138001", '=UPPER("nurse")'])
    sheet.append(["朱十", synthetic_id("19920101"), "13800138002", "医生"])
    buffer = io.BytesIO()
    book.save(buffer)
    checked = check(registrar, body, buffer.getvalue())
    assert outcome(checked) == (ImportStatus.CHECKED, 1, 3, 1, 2, 0)
    assert problems(checked) == [(2, "A 姓名", NO_SAVED_RESULT), (3, "D 职业", NO_SAVED_RESULT)]


# --- dates -----------------------------------------------------------------------------------


def test_dates_as_date_cells_serial_numbers_and_text(registrar, body) -> None:
    born = date(1990, 1, 1)
    forms: list[Any] = [
        born,  # an Excel date cell
        32874,  # its serial number in a number cell (days since 1899-12-30)
        32874.0,
        "1990/1/1",
        "1990年1月1日",
        "19900101",
        "1990-01-01",
        "1990.1.1",
        " 1990 - 1 - 1 ",
        "１９９０/０１/０１",
    ]
    rows: list[list[Any]] = [["姓名", "身份证号", "手机号", "出生日期"]]
    rows += [
        ["冯" + "一二三四五六七八九十"[i], synthetic_id("19900101"), f"138001380{i:02d}", form]
        for i, form in enumerate(forms)
    ]
    rows.append(["秦一", synthetic_id("19900101"), "13800138098", "1990/2/30"])
    rows.append(["秦二", synthetic_id("19900101"), "13800138099", "1990-01-02"])
    checked = check(registrar, body, xlsx(rows))
    assert outcome(checked) == (ImportStatus.CHECKED, 1, 12, 10, 2, 0)
    assert problems(checked) == [
        (12, "D 出生日期", "This date does not exist. Check the day and month."),
        (
            13,
            "D 出生日期",
            "The date of birth differs from the one in the ID number; check both.",
        ),
    ]
    people = commit(registrar, checked, "valid_only")
    assert {v.birth_date for v in people} == {born}
    reader = RowReader({0: "birth_date"})
    assert [reader.read([form])[0]["birth_date"] for form in forms] == [born] * 10


def test_a_passport_holder_takes_the_typed_date_and_gender(registrar, body) -> None:
    rows = [
        ["姓名", "证件类型", "证件号码", "手机号", "出生日期", "性别"],
        ["Anna Schmidt", "护照", "C01X00T47", "13800138000", 33000, "女"],
    ]
    checked = check(registrar, body, xlsx(rows))
    assert (outcome(checked), checked.problems) == ((ImportStatus.CHECKED, 1, 1, 1, 0, 0), [])
    [person] = commit(registrar, checked)
    assert (person.document_type, person.birth_date, person.gender) == (
        "passport",
        date(1990, 5, 7),
        "female",
    )


# --- refused files ---------------------------------------------------------------------------


def test_legacy_xls_bytes_are_refused_with_save_as_xlsx(registrar, body) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    checked = check(registrar, body, ole, filename="名册.xlsx")  # whatever the name says
    assert (checked.status, checked.error) == (
        ImportStatus.FAILED,
        "This is an old Excel .xls file. Open it in Excel or WPS and save it as .xlsx.",
    )
    with pytest.raises(RosterError) as raised:
        open_roster(ole)
    assert raised.value.code == "legacy_xls"


def test_a_zip_bomb_is_refused_unread(registrar, body) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 20_000_000 + b">")
    bomb = buffer.getvalue()
    assert len(bomb) < 100_000
    checked = check(registrar, body, bomb)
    assert (checked.status, checked.error) == (
        ImportStatus.FAILED,
        "The file unpacks to far more data than a roster holds; it was not read.",
    )
    with pytest.raises(RosterError) as raised:
        open_roster(bomb)
    assert raised.value.code == "too_large"


def test_a_broken_workbook_is_refused(registrar, body) -> None:
    checked = check(registrar, body, b"PK\x03\x04 not really a zip")
    assert (checked.status, checked.error) == (
        ImportStatus.FAILED,
        "The file could not be read as an Excel workbook. Save it again as .xlsx.",
    )


# --- rows ------------------------------------------------------------------------------------


def test_empty_rows_are_skipped_and_row_numbers_are_excels(registrar, body) -> None:
    rows = [
        ["姓名", "身份证号", "手机号"],
        ["李一", synthetic_id("19900101"), "13800138000"],
        [],
        ["", "  ", ""],
        ["李二", synthetic_id("19900202"), "1380013"],
        [],
        ["李三", synthetic_id("19900303"), "13800138002"],
    ]
    # Three empty rows and two empty columns before the header, as some offices leave them.
    checked = check(registrar, body, xlsx(rows, first_row=3, first_column=2))
    assert outcome(checked) == (ImportStatus.CHECKED, 4, 3, 2, 1, 0)
    assert problems(checked) == [
        (8, "E 手机号", "Enter an 11-digit mainland mobile number, such as 13800138000.")
    ]
    csv_checked = check(registrar, body, csv_text([[], *rows]).encode(), filename="a.csv")
    assert outcome(csv_checked) == (ImportStatus.CHECKED, 2, 3, 2, 1, 0)
    assert problems(csv_checked)[0][:2] == (6, "C 手机号")


def test_choices_by_chinese_or_english_labels_and_common_words(registrar, body) -> None:
    rows = [
        ["姓名", "身份证号", "手机号", "政治面貌", "学历", "民族", "技能特长", "服务时间"],
        [
            "何一",
            synthetic_id("19900101"),
            "13800138000",
            "党员",
            "本科",
            "回",
            "急救、法律, 外语",
            "周末",
        ],
        ["何二", synthetic_id("19900102"), "13800138001", "League member", "硕士", "01", "", ""],
        ["何三", synthetic_id("19900103"), "13800138002", "火星党", "本科", "汉族", "飞行", ""],
    ]
    checked = check(registrar, body, xlsx(rows))
    assert outcome(checked) == (ImportStatus.CHECKED, 1, 3, 2, 1, 0)
    choices = "is not one of the choices; use the template's drop-down list."
    assert problems(checked) == [
        (4, "D 政治面貌", f"“火星党” {choices}"),
        (4, "G 技能特长", f"“飞行” {choices}"),
    ]
    people = commit(registrar, checked, "valid_only")  # in Chinese: the same words count
    assert [
        (v.political_status, v.education, v.ethnicity, v.skills, v.available_times) for v in people
    ] == [
        ("party_member", "undergraduate", "03", ["first_aid", "legal", "language"], ["weekend"]),
        ("league_member", "postgraduate", "01", [], []),
    ]


# --- exports safe against formula injection --------------------------------------------------


FORMULA_LIKE = [("=1+1", "@SUM(A1)"), ("+1", "-2")]


def injected_roster(registrar, body) -> RosterImport:
    rows: list[list[Any]] = [["姓名", "身份证号", "手机号", "职业", "工作单位"]]
    for i, (occupation, unit) in enumerate(FORMULA_LIKE):
        rows.append(
            [f"许{'一二'[i]}", synthetic_id(f"1990010{i + 1}"), f"1380013800{i}", occupation, unit]
        )
    rows.append(["许三", synthetic_id("19900103"), "138", '=HYPERLINK("x")', "-cmd"])
    return check(registrar, body, xlsx(rows))


def test_the_ledger_export_neutralises_formula_like_text(registrar, body) -> None:
    checked = injected_roster(registrar, body)
    assert (checked.rows_valid, checked.rows_invalid) == (2, 1)
    people = commit(registrar, checked, "valid_only")
    assert [(v.occupation, v.work_unit_name) for v in people] == FORMULA_LIKE  # stored as typed
    queryset = selectors.ledger(registrar).filter(roster_import=checked).order_by("pk")
    with translation.override("en"):
        content = exports.ledger_xlsx(registrar, queryset)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    column = exports.LEDGER_FIELDS.index("work_unit_name") + 1
    cells = [sheet.cell(row=row, column=column) for row in (2, 3)]
    assert [(c.value, c.data_type) for c in cells] == [("'@SUM(A1)", "s"), ("'-2", "s")]


def test_the_error_report_neutralises_formula_like_text(registrar, body) -> None:
    checked = injected_roster(registrar, body)
    report = openpyxl.load_workbook(io.BytesIO(workbooks.error_report_xlsx(checked))).active
    rows = [[(c.value, c.data_type) for c in row[4:6]] for row in report.iter_rows(min_row=2)]
    assert rows == [
        [("'=1+1", "s"), ("'@SUM(A1)", "s")],
        [("'+1", "s"), ("'-2", "s")],
        [('\'=HYPERLINK("x")', "s"), ("'-cmd", "s")],
    ]
    assert not any(c.data_type == "f" for row in report.iter_rows() for c in row)


def test_the_template_has_text_id_and_phone_columns_and_drop_down_lists() -> None:
    book = openpyxl.load_workbook(io.BytesIO(workbooks.template_xlsx()))
    assert [(s.title, s.sheet_state) for s in book.worksheets] == [
        ("名册", "visible"),
        ("选项", "hidden"),
        ("说明", "visible"),
    ]
    sheet = book["名册"]
    formats = {
        sheet.cell(row=1, column=i + 1).value: sheet.column_dimensions[
            column_letter(i)
        ].number_format
        for i in range(len(workbooks.TEMPLATE_COLUMNS))
    }
    assert {title for title, number_format in formats.items() if number_format == "@"} == {
        "身份证号",
        "手机号",
        "居住社区",
        "紧急联系人电话",
        "监护人手机",
    }
    assert formats["出生日期"] == "yyyy-mm-dd"
    lists = {
        sheet.cell(row=1, column=openpyxl.utils.column_index_from_string(str(v.sqref)[0])).value: (
            v.type,
            str(v.sqref),
            v.formula1,
        )
        for v in sheet.data_validations.dataValidation
    }
    assert lists == {
        "性别": ("list", "B2:B5001", "选项!$A$1:$A$2"),
        "证件类型": ("list", "C2:C5001", "选项!$B$1:$B$6"),
        "民族": ("list", "F2:F5001", "选项!$C$1:$C$58"),
        "政治面貌": ("list", "G2:G5001", "选项!$D$1:$D$6"),
        "学历": ("list", "H2:H5001", "选项!$E$1:$E$6"),
        "注册依据": ("list", "T2:T5001", "选项!$F$1:$F$4"),
    }
    options = book["选项"]
    assert [c.value for c in options["A"] if c.value] == ["男", "女"]
    assert [c.value for c in options["D"] if c.value][:2] == ["中共党员", "中共预备党员"]
    texts = [
        c.value
        for s in book.worksheets
        for row in s.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert texts and not [t for t in texts if t.startswith(("=", "+", "-", "@"))]
    assert not any(
        c.data_type == "f" for s in book.worksheets for row in s.iter_rows() for c in row
    )


# --- two processes ---------------------------------------------------------------------------


def test_a_large_roster_checked_by_two_processes_gives_the_same_report(
    registrar, body, monkeypatch
) -> None:
    """With two workers (by default from helper.PARALLEL_FROM_ROWS rows on), a forked copy
    checks the second half of the file: the outcome must be the one a single process finds,
    row for row, including the same person on both halves and a look-up (a division code)
    only the second half names."""
    twice = synthetic_id("19900101")
    rows: list[list[Any]] = [["姓名", "身份证号", "手机号", "居住地区划代码"]]
    rows += [
        [f"甲{'一二三四五六七八'[i]}", synthetic_id("19900202"), f"1380013810{i}", ""]
        for i in range(8)
    ]
    rows[2][1] = twice
    rows[3][2] = "1380013"  # a problem in the first half
    rows += [
        ["乙一", twice, "13800138200", ""],  # the same person as row 3, on the other half
        ["乙二", synthetic_id("19900303"), "13800138201", "430602001001"],  # 郭亮社区
        ["乙三", synthetic_id("19900303"), "13800138202", "999999999999"],
        [],
        ["乙四", synthetic_id("19900404"), "13800138203", "430602001001"],
    ]
    data = xlsx(rows)
    forks: list[int] = []
    start = helper.SecondHalf.__init__

    def counting(self, *args, **kwargs):
        forks.append(1)
        start(self, *args, **kwargs)

    monkeypatch.setattr(helper.SecondHalf, "__init__", counting)
    alone = check(registrar, body, data, workers=1)
    together = check(registrar, body, data, workers=2)  # whatever machine runs the tests
    assert forks == [1]
    assert outcome(together) == outcome(alone) == (ImportStatus.CHECKED, 1, 12, 9, 3, 0)
    assert (
        problems(together)
        == problems(alone)
        == [
            (4, "C 手机号", "Enter an 11-digit mainland mobile number, such as 13800138000."),
            (10, "B 身份证号", SAME_PERSON % 3),
            (
                12,
                "D 居住地区划代码",
                "No division has this code; choose the community or village from the list.",
            ),
        ]
    )
    people = commit(registrar, together, "valid_only", workers=2)  # checked again
    assert forks == [1, 1]
    assert [(v.name, v.home_division and v.home_division.code) for v in people][-2:] == [
        ("乙二", "430602001001"),
        ("乙四", "430602001001"),
    ]


def test_formulas_without_cached_values_are_refused_on_either_half_of_a_large_roster(
    registrar, body
) -> None:
    """A row holding a formula without a saved result comes to the second process as a
    `reader.Row` naming the cell; a row that also needs a look-up the helper cannot make comes
    back to the parent with its cells, pickled: both refuse the cell as one process does."""
    book = openpyxl.Workbook()  # openpyxl writes formulas without their results
    sheet = book.active
    sheet.append(["姓名", "身份证号", "手机号", "职业", "居住地区划代码"])
    for i in range(12):
        sheet.append(
            [f"丁{'一二三四五六七八九十'[i % 10]}", synthetic_id("19960606"), f"1380013{i:04d}"]
        )
    sheet["D3"] = '=UPPER("nurse")'  # first half
    sheet["D11"] = '=UPPER("nurse")'  # second half, checked by the helper
    sheet["D12"] = '=UPPER("nurse")'  # second half, with a look-up: checked by the parent
    sheet["E12"] = "430602001001"
    buffer = io.BytesIO()
    book.save(buffer)
    alone = check(registrar, body, buffer.getvalue(), workers=1)
    together = check(registrar, body, buffer.getvalue(), workers=2)
    assert outcome(together) == outcome(alone) == (ImportStatus.CHECKED, 1, 12, 9, 3, 0)
    assert (
        problems(together)
        == problems(alone)
        == [
            (3, "D 职业", NO_SAVED_RESULT),
            (11, "D 职业", NO_SAVED_RESULT),
            (12, "D 职业", NO_SAVED_RESULT),
        ]
    )


def test_imported_rows_are_stored_as_a_form_registration_stores_them(registrar, body) -> None:
    """The import encrypts and digests with helpers made once per import (`crypto.encryptor`,
    `crypto.digester`): the stored values are those the model's own functions give, on both
    halves of a roster checked by two processes."""
    numbers = [synthetic_id("19970707") for _i in range(12)]
    rows: list[list[Any]] = [["姓名", "身份证号", "手机号", "详细地址", "紧急联系人电话"]]
    rows += [
        [f"戊{'一二三四五六七八九十'[i % 10]}", numbers[i], f"1390013{i:04d}", f"建湘路{i}号", ""]
        for i in range(12)
    ]
    rows[5][4] = "13700137000"
    people = commit(registrar, check(registrar, body, xlsx(rows), workers=2), workers=2)
    assert [(v.document_number, v.mobile, v.address_detail) for v in people] == [
        (numbers[i], f"1390013{i:04d}", f"建湘路{i}号") for i in range(12)
    ]
    assert [v.emergency_contact_phone for v in people][3:6] == ["", "13700137000", ""]  # row 6
    assert [(v.document_digest, v.mobile_digest) for v in people] == [
        (document_digest(numbers[i]), mobile_digest(f"1390013{i:04d}")) for i in range(12)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT mobile FROM {Volunteer._meta.db_table} WHERE id = %s",  # noqa: S608
            [people[0].pk],
        )
        [(stored,)] = cursor.fetchall()
    assert stored.startswith("g:") and "13900130000" not in stored
    assert crypto.decrypt(stored, context="volunteers.Volunteer.mobile") == "13900130000"


def test_an_import_updates_its_record_twice_however_many_rows(registrar, body) -> None:
    """Claimed, then its report: progress saved inside the import's transaction was seen by
    no other connection, and on SQLite rewrote the stored file each time."""
    checked = check(registrar, body, many_rows(12))
    table = RosterImport._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        people = commit(registrar, checked)
    updates = [q["sql"] for q in queries if q["sql"].startswith(f'UPDATE "{table}"')]
    assert len(people) == 12
    assert [sql.split(" SET ")[1].split(" = ")[0] for sql in updates] == ['"status"', '"status"']


def test_each_imported_volunteer_has_the_audit_entry_a_form_registration_writes(
    registrar, body
) -> None:
    rows = [
        ["姓名", "身份证号", "手机号"],
        ["柳一", synthetic_id("19900101"), "13800138000"],
        ["柳二", synthetic_id("19900102"), "13800138001"],
    ]
    checked = check(registrar, body, xlsx(rows))
    people = commit(registrar, checked)
    entries = AuditEntry.objects.filter(
        action="volunteer.registration.applied", data__import=checked.pk
    )
    street = body(STREET)
    assert [
        (e.actor, e.object_type, e.object_id, e.object_repr, e.organization, e.data, e.origin)
        for e in entries.order_by("pk")
    ] == [
        (
            registrar,
            "volunteers.volunteer",
            str(v.pk),
            f"Application {v.pk}",  # as log_action keeps it: in no language
            street.organization,
            {"channel": "import", "body": street.code, "import": checked.pk},
            "system",
        )
        for v in people
    ]


def many_rows(count: int) -> bytes:
    rows: list[list[Any]] = [["姓名", "身份证号", "手机号"]]
    rows += [
        ["丙" + "一二三四五六七八九十"[i % 10], synthetic_id("19950505"), f"1380013{i:04d}"]
        for i in range(count)
    ]
    return xlsx(rows)


def test_a_failed_helper_leaves_the_check_to_the_parent(registrar, body, monkeypatch) -> None:
    def broken() -> None:
        raise RuntimeError("the helper cannot start")

    monkeypatch.setattr(helper, "leave_connections", broken)  # runs in the helper only
    answers: list[Any] = []
    results = helper.SecondHalf.results

    def recorded(self):
        answers.append(results(self))
        return answers[-1]

    monkeypatch.setattr(helper.SecondHalf, "results", recorded)
    checked = check(registrar, body, many_rows(12), workers=2)
    assert answers == [None]  # the helper failed
    assert (outcome(checked), checked.problems) == ((ImportStatus.CHECKED, 1, 12, 12, 0, 0), [])


def test_a_roster_refused_while_the_helper_works_stops_the_helper(
    registrar, body, monkeypatch
) -> None:
    monkeypatch.setattr("zhiyuan.volunteers.imports.rows.MAX_ROWS", 3)  # on the parent's half
    checked = check(registrar, body, many_rows(12), workers=2)
    assert (checked.status, checked.error) == (
        ImportStatus.FAILED,
        "A roster holds at most 3 rows; split the file.",
    )
