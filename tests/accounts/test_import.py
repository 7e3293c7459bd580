"""Bulk account creation from a spreadsheet: reading xlsx and csv, all-or-nothing validation,
the web upload and the `import_accounts` command."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from openpyxl import Workbook

from zhiyuan.accounts import services, sheets
from zhiyuan.accounts.models import User
from zhiyuan.accounts.sheets import column_letter, read_account_sheet
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.sms import SmsMessage

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "用户名", "手机号", "组织代码", "角色"]
GOOD = [
    ["林一", "lin_yi", "13811110001", "430602001001-ST", "登记员"],
    ["林二", "lin_er", "13811110002", "430602001002-ST", "队长"],
    ["林三", "lin_san", "13811110001", "430602001-SC", "viewer"],  # shares 林一's mobile
]


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    return "\r\n".join(",".join(row) for row in rows).encode(encoding)


# --- reading --------------------------------------------------------------------------------


def test_reads_xlsx_with_numbers_typed_as_numbers() -> None:
    content = _xlsx([HEADER, ["林一", "lin_yi", 13811110001, "430602001001-ST", "登记员"]])
    sheet = read_account_sheet(content, filename="名单.xlsx")
    assert sheet.rows == [
        services.AccountRow(2, "林一", "lin_yi", "13811110001", "430602001001-ST", "登记员")
    ]
    assert sheet.letters == {
        "name": "A",
        "username": "B",
        "mobile": "C",
        "organization": "D",
        "role": "E",
    }


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_reads_csv_in_utf8_bom_and_gbk(encoding: str) -> None:
    sheet = read_account_sheet(_csv([HEADER, *GOOD], encoding), filename="a.CSV")
    assert [row.name for row in sheet.rows] == ["林一", "林二", "林三"]
    assert [row.row for row in sheet.rows] == [2, 3, 4]


def test_english_headers_in_any_order_and_extra_columns() -> None:
    header = ["Note", "Role", "Organisation code", "Mobile", "Username", "Name"]
    content = _csv([header, ["x", "checker", "430602001-SC", "13811110001", "lin_yi", "林一"]])
    sheet = read_account_sheet(content, filename="a.csv")
    assert sheet.rows[0] == services.AccountRow(
        2, "林一", "lin_yi", "13811110001", "430602001-SC", "checker"
    )
    assert sheet.letters["name"] == "F"


def test_row_numbers_are_those_the_spreadsheet_shows() -> None:
    content = _xlsx([[], HEADER, GOOD[0], [], [None, None], GOOD[1]])
    sheet = read_account_sheet(content, filename="a.xlsx")
    assert [row.row for row in sheet.rows] == [3, 6]


@pytest.mark.parametrize(
    ("content", "filename", "code"),
    [
        (b"anything", "a.txt", "unsupported_format"),
        (b"not a zip", "a.xlsx", "unreadable"),
        (b"", "a.csv", "empty"),
        (_csv([HEADER]), "a.csv", "empty"),
        (_csv([["姓名", "手机号"], ["林一", "13811110001"]]), "a.csv", "missing_columns"),
        (_csv([[*HEADER, "name"], ["a"] * 6]), "a.csv", "duplicate_column"),
        (b"\xff\xfe\x00\xd8\x00", "a.csv", "bad_encoding"),
    ],
)
def test_unreadable_files_say_why(content: bytes, filename: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read_account_sheet(content, filename=filename)
    assert caught.value.code == code


def test_too_many_rows_are_refused() -> None:
    rows = [HEADER] + [["a", f"u{i}", "13811110001", "x", "viewer"] for i in range(2001)]
    with pytest.raises(ValidationError) as caught:
        read_account_sheet(_csv(rows), filename="a.csv")
    assert caught.value.code == "too_many_rows"


def _with_sheet_xml(content: bytes, extra_rows: str) -> bytes:
    """`content` (an .xlsx) with `extra_rows` (<row> elements) added to its first sheet."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", extra_rows.encode() + b"</sheetData>")
            target.writestr(name, data)
    return buffer.getvalue()


FAR = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


@pytest.mark.parametrize(
    "far",
    [FAR, FAR.replace('"', "'"), FAR.replace("r=", "r = ")],
    ids=["double quotes", "single quotes", "spaces around ="],
)
def test_xlsx_naming_the_last_possible_cell_is_refused_before_it_is_read(far: str) -> None:
    """A 5 kB file with a cell at XFD1048576 made python-calamine ask for 512 GB and abort the
    whole server process; the workbook's declarations are checked first."""
    content = _with_sheet_xml(_xlsx([HEADER, GOOD[0]]), far)
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            read_account_sheet(content, filename="a.xlsx")
        assert caught.value.code == "too_many_cells"
        assert caught.value.messages == [
            "The sheet reaches as far as cell XFD1048576: far more rows and columns than a "
            "spreadsheet of this kind holds, so it was not read. Copy only the rows needed into a "
            "new workbook and upload that."
        ]


def test_xlsx_that_runs_the_reader_away_fails_the_upload_not_the_server(
    en_login, street_admin: User, monkeypatch
) -> None:
    # As if the guard had a gap: the reading process asks for 512 GB and dies; the web
    # process answers with the reason.
    limits = vars(sheets.ACCOUNT_LIMITS) | {"cells": 10**15}
    monkeypatch.setattr(sheets, "ACCOUNT_LIMITS", sheets.ACCOUNT_LIMITS.__class__(**limits))
    content = _with_sheet_xml(_xlsx([HEADER, GOOD[0]]), FAR)
    before = User.objects.count()
    response = _upload(en_login(street_admin), content, "a.xlsx")
    assert response.status_code == 200
    assert (
        "This file is too large or damaged to read; it was not read." in response.content.decode()
    )
    assert User.objects.count() == before
    assert read_account_sheet(_xlsx([HEADER, GOOD[0]]), filename="a.xlsx").rows[0].row == 2


def test_xlsx_that_unpacks_beyond_10_mb_is_refused() -> None:
    padding = '<row r="3"><c r="A3" t="inlineStr"><is><t>' + "A" * (11 * 1024 * 1024)
    content = _with_sheet_xml(_xlsx([HEADER, GOOD[0]]), padding + "</t></is></c></row>")
    assert len(content) < 100 * 1024
    with pytest.raises(ValidationError) as caught:
        read_account_sheet(content, filename="a.xlsx")
    assert caught.value.code == "too_large"


@pytest.mark.parametrize("filename", ["a.xls", "a.ods"])
def test_xls_and_ods_are_not_accepted(filename: str) -> None:
    """Their readers build whole rectangles too: a 1 kB .ods of repeated cells took 5 GB."""
    with pytest.raises(ValidationError) as caught:
        read_account_sheet(_xlsx([HEADER, GOOD[0]]), filename=filename)
    assert caught.value.code == "unsupported_format"


def test_csv_field_beyond_the_csv_modules_limit_is_unreadable() -> None:
    content = _csv([HEADER]) + b'\r\n"' + b"a" * 200_000 + b'",u,13811110001,x,viewer'
    with pytest.raises(ValidationError) as caught:
        read_account_sheet(content, filename="a.csv")
    assert caught.value.code == "unreadable"


def test_upload_of_a_file_that_unpacks_too_far_says_so(en_login, street_admin: User) -> None:
    padding = '<row r="3"><c r="A3" t="inlineStr"><is><t>' + "A" * (11 * 1024 * 1024)
    content = _with_sheet_xml(_xlsx([HEADER, GOOD[0]]), padding + "</t></is></c></row>")
    before = User.objects.count()
    response = _upload(en_login(street_admin), content, "a.xlsx")
    assert response.status_code == 200
    assert "This spreadsheet unpacks to more than 10 MB." in response.content.decode()
    assert User.objects.count() == before


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


# --- the service ----------------------------------------------------------------------------


def _rows(rows: list[list[str]]) -> list[services.AccountRow]:
    return read_account_sheet(_csv([HEADER, *rows]), filename="a.csv").rows


def test_import_creates_and_invites_everyone(
    street_admin: User, outbox: list[SmsMessage], django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = services.import_accounts(
            _rows(GOOD), actor=street_admin, site_url="https://zy.example"
        )
    assert report.ok and report.rows == 3
    created = {u.username: u for u in User.objects.filter(username__startswith="lin_")}
    assert {(u.name, u.mobile) for u in created.values()} == {
        ("林一", "13811110001"),
        ("林二", "13811110002"),
        ("林三", "13811110001"),
    }
    assert [(r.organization.code, r.kind) for r in created["lin_er"].roles.all()] == [
        ("430602001002-ST", "team_leader")
    ]
    assert not created["lin_yi"].has_usable_password()
    assert [m.mobile for m in outbox] == ["13811110001", "13811110002", "13811110001"]
    assert all(
        m.params["link"].startswith("https://zy.example/accounts/invitation/") for m in outbox
    )
    actions = list(AuditEntry.objects.filter(actor=street_admin).values_list("action", flat=True))
    assert sorted(actions) == sorted(["account.created", "role.granted", "account.invited"] * 3)
    # the shared mobile logs in through the chooser: both accounts are found by it
    from zhiyuan.accounts.selectors import accounts_for

    assert {u.username for u in accounts_for("13811110001")} == {"lin_yi", "lin_san"}


def test_one_bad_row_writes_nothing_and_every_problem_is_reported(
    street_admin: User, outbox: list[SmsMessage], django_capture_on_commit_callbacks
) -> None:
    rows = [
        *GOOD,
        ["", "lin_si", "12345", "430602002-SC", "boss"],  # row 5: four problems
        ["林五", "registrar", "13811110005", "430602001-SC", "查看员"],  # row 6: taken
        ["林六", "LIN_YI", "13811110006", "430602001-SC", "查看员"],  # row 7: duplicate
    ]
    users_before, audit_before = User.objects.count(), AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.import_accounts(_rows(rows), actor=street_admin)
    assert not report.ok
    assert [(p.row, p.column) for p in report.problems] == [
        (5, "name"),
        (5, "mobile"),
        (5, "organization"),
        (5, "role"),
        (6, "username"),
        (7, "username"),
    ]
    assert report.problems[2].message == "您的管理范围内没有代码为 430602002-SC 的有效组织。"
    assert report.problems[5].message == "相同的用户名已在第 2 行出现。"
    assert report.created == []
    assert (User.objects.count(), AuditEntry.objects.count()) == (users_before, audit_before)
    assert outbox == []


def test_nul_and_control_characters_in_cells_are_problems_not_errors(
    street_admin: User,
) -> None:
    """A NUL in a CSV cell reached PostgreSQL, which refuses it: the upload was a 500 (and on
    SQLite the name was stored with it)."""
    rows = [
        services.AccountRow(2, "林\x00一", "lin_yi", "13811110001", "430602001-SC", "viewer"),
        services.AccountRow(3, "林二", "lin\x00er", "13811110002", "430602001-SC", "viewer"),
        services.AccountRow(4, "林三", "lin_san", "13811110003", "430602001-SC\x00", "viewer"),
        services.AccountRow(5, "林\u202e四", "lin_si", "13811110004", "430602001-SC", "viewer"),
    ]
    before = User.objects.count()
    report = services.import_accounts(rows, actor=street_admin)
    assert [(p.row, p.column) for p in report.problems] == [
        (2, "name"),
        (3, "username"),
        (4, "organization"),
        (5, "name"),
    ]
    assert User.objects.count() == before


def test_dry_run_writes_nothing(street_admin: User, outbox: list[SmsMessage]) -> None:
    report = services.import_accounts(_rows(GOOD), actor=street_admin, dry_run=True)
    assert report.ok and report.dry_run and report.created == []
    assert not User.objects.filter(username__startswith="lin_").exists()


@pytest.mark.parametrize("persona", ["registrar", "viewer", "team_leader", "nobody"])
def test_non_administrators_can_import_into_nothing(persona: str, request) -> None:
    report = services.import_accounts(_rows(GOOD), actor=request.getfixturevalue(persona))
    assert {p.column for p in report.problems} == {"organization"}
    assert not User.objects.filter(username__startswith="lin_").exists()


# --- the web upload -------------------------------------------------------------------------


def _upload(client: Client, content: bytes, name: str, dry_run: bool = False):
    data: dict[str, object] = {"file": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post("/accounts/users/import/", data)


def test_upload_creates_accounts(
    en_login, street_admin: User, outbox: list[SmsMessage], django_capture_on_commit_callbacks
) -> None:
    client = en_login(street_admin)
    assert client.get("/accounts/users/import/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, _xlsx([HEADER, *GOOD]), "名单.xlsx")
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 accounts created and invited by SMS." in page
    assert User.objects.filter(username__startswith="lin_").count() == 3
    assert len(outbox) == 3
    assert outbox[0].params["link"] in page


def test_upload_with_a_bad_row_lists_problems_and_writes_nothing(
    en_login, street_admin: User
) -> None:
    rows = [*GOOD, ["林四", "lin_si", "1381111", "430602001-SC", "查看员"]]
    response = _upload(en_login(street_admin), _csv([HEADER, *rows], "gbk"), "a.csv")
    page = response.content.decode()
    assert response.status_code == 400
    assert "1 problem: nothing was imported" in page
    assert "<td>5</td><td>C · Mobile</td>" in page
    assert not User.objects.filter(username__startswith="lin_").exists()


def test_upload_dry_run(en_login, street_admin: User) -> None:
    response = _upload(en_login(street_admin), _csv([HEADER, *GOOD]), "a.csv", dry_run=True)
    assert "All 3 rows are right and can be imported." in response.content.decode()
    assert not User.objects.filter(username__startswith="lin_").exists()


def test_upload_of_an_unreadable_file(en_login, street_admin: User) -> None:
    response = _upload(en_login(street_admin), b"PK\x03\x04broken", "a.xlsx")
    assert response.status_code == 200
    assert "This file cannot be read as a spreadsheet." in response.content.decode()


def test_template_download(en_login, street_admin: User) -> None:
    response = en_login(street_admin).get("/accounts/users/import/template.csv")
    assert response.content.decode("utf-8") == "\ufeff姓名,用户名,手机号,组织代码,角色\r\n"
    assert read_account_sheet(response.content + _csv(GOOD[:1]), filename="t.csv").rows


# --- the command ----------------------------------------------------------------------------


def _file(tmp_path: Path, rows: list[list[str]], name: str = "accounts.csv") -> str:
    path = tmp_path / name
    path.write_bytes(_csv([HEADER, *rows], "utf-8-sig"))
    return str(path)


def test_command_creates_and_invites(
    tmp_path: Path,
    street_admin: User,
    outbox: list[SmsMessage],
    capsys,
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_accounts", _file(tmp_path, GOOD), "--as", "street_admin")
    out = capsys.readouterr().out
    assert "3 account(s) created and invited." in out
    assert "lin_yi: http://127.0.0.1:8000/accounts/invitation/" in out
    assert len(outbox) == 3
    assert User.objects.filter(username__startswith="lin_").count() == 3


def test_command_dry_run(tmp_path: Path, street_admin: User, capsys) -> None:
    call_command("import_accounts", _file(tmp_path, GOOD), "--as", "street_admin", "--dry-run")
    assert "3 row(s) checked; all can be created (dry run)." in capsys.readouterr().out
    assert not User.objects.filter(username__startswith="lin_").exists()


def test_command_applies_the_actors_scope(tmp_path: Path, outsider: User, capsys) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("import_accounts", _file(tmp_path, GOOD), "--as", "outsider")
    assert str(caught.value) == "3 problem(s) in 3 row(s); nothing was created."
    err = capsys.readouterr().err
    assert "accounts.csv: row 2, column D (" in err
    assert "430602001001-ST" in err
    assert not User.objects.filter(username__startswith="lin_").exists()


@pytest.mark.parametrize(
    ("actor", "message"),
    [
        ("no_such_user", "No active account with username 'no_such_user'."),
        ("registrar", "registrar administers no organisation."),
    ],
)
def test_command_refuses_a_bad_actor(
    tmp_path: Path, registrar: User, actor: str, message: str
) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("import_accounts", _file(tmp_path, GOOD), "--as", actor)
    assert str(caught.value) == message


def test_command_reports_a_missing_file(tmp_path: Path, street_admin: User) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("import_accounts", str(tmp_path / "nope.csv"), "--as", "street_admin")
    assert "Cannot read" in str(caught.value)


def test_a_mobile_excel_saved_in_scientific_notation_gets_the_numeric_cell_message(
    street_admin: User,
) -> None:
    """An account CSV saved from a General column: 1.38111E+10 lost its last digits."""
    rows = [HEADER, ["林一", "lin_yi", "1.38111E+10", "430602001001-ST", "登记员"]]
    sheet = read_account_sheet(_csv(rows), filename="名单.csv")
    with translation.override("en"):
        report = services.import_accounts(sheet.rows, actor=street_admin, dry_run=True)
        assert [(p.row, p.column, str(p.message)) for p in report.problems] == [
            (
                2,
                "mobile",
                "This phone number is stored as a number, so Excel has already changed its "
                "last digits. Format the column as text and type the number again.",
            )
        ]
