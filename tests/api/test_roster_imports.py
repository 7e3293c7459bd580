"""Roster imports over the API: upload (multipart), the check's report, the import by
explicit choice, the error report and the template, and who may do what."""

import hashlib
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.volunteers.rosters import HEADER, person, roster_xlsx
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers.enums import ImportStatus, RegistrationStatus
from zhiyuan.volunteers.imports.files import purge_expired_files
from zhiyuan.volunteers.models import RegistrationBody, RosterImport, Volunteer

pytestmark = pytest.mark.django_db

URL = "/api/v1/roster-imports/"
STREET = "430602001-SC"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_MOBILE = "Enter an 11-digit mainland mobile number, such as 13800138000."
PROBLEMS = [
    {"row": 5, "column": "E 手机号", "message": BAD_MOBILE},
    {"row": 6, "column": "D 身份证号", "message": "The same person as row 4 of this file."},
]


def flawed_roster() -> bytes:
    """Three people: one right, one with a short mobile, one the first person again."""
    good = person(1, "张三")
    short = person(2, "李四", birth="19850505", male=False)
    short[4] = "1381111"
    again = person(3, "王五")
    again[3] = good[3]
    return roster_xlsx([good, short, again])


@pytest.fixture
def street(body) -> RegistrationBody:
    return body(STREET)


@pytest.fixture
def upload(api, street, django_capture_on_commit_callbacks):
    """`upload(user, data, **fields)`: POST a roster; the check (queued on commit) has run
    when the call returns."""

    def send(user: User, data: bytes, **fields: object):
        form = {
            "file": SimpleUploadedFile("名册.xlsx", data),
            "body": street.pk,
            "consent_affirmed": "true",
            **fields,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return api(user).post(URL, form)

    return send


def checked(registrar: User, upload, data: bytes | None = None) -> RosterImport:
    response = upload(registrar, data or flawed_roster())
    assert response.status_code == 201, response.content
    return RosterImport.objects.get(pk=response.json()["id"])


def test_an_upload_answers_201_and_its_check_runs_in_the_background(
    api, registrar, street, upload
) -> None:
    data = flawed_roster()
    response = upload(registrar, data)
    assert response.status_code == 201
    body = response.json()
    roster_import = RosterImport.objects.get(pk=body["id"])
    assert body == {
        "id": roster_import.pk,
        "filename": "名册.xlsx",
        "body": {"id": street.pk, "code": "4306003", "name": "岳阳楼街道志愿服务中心"},
        "organization": {
            "id": street.organization_id,
            "code": STREET,
            "name": "岳阳楼街道志愿服务中心",
        },
        "uploaded_by": {"id": registrar.pk, "name": "陈登记"},
        "uploaded_at": body["uploaded_at"],
        "file_sha256": hashlib.sha256(data).hexdigest(),
        "file_size": len(data),
        "file_deleted_at": None,
        "status": "uploaded",  # the answer leaves before the check starts
        "error": "",
        "rows_done": 0,
        "progress": 0,
        "rows_total": 0,
        "rows_valid": 0,
        "rows_invalid": 0,
        "rows_present": 0,
        "mode": "",
        "imported_count": 0,
        "imported_at": None,
        "header_row": None,
        "unknown_headers": [],
        "problem_count": 0,
        "problems": [],
    }
    detail = api(registrar).get(f"{URL}{roster_import.pk}/").json()
    assert {key: detail[key] for key in ("status", "progress", "header_row")} == {
        "status": "checked",
        "progress": 100,
        "header_row": 3,
    }
    assert [detail[f"rows_{name}"] for name in ("total", "valid", "invalid", "present")] == [
        3,
        1,
        2,
        0,
    ]
    assert detail["unknown_headers"] == ["所属小组"]
    assert (detail["problem_count"], detail["problems"]) == (2, PROBLEMS)
    assert not Volunteer.objects.filter(roster_import=roster_import).exists()


def test_the_detail_shows_the_first_500_problems(api, registrar, upload) -> None:
    roster_import = checked(registrar, upload)
    many = [{"row": row, "column": "E 手机号", "message": BAD_MOBILE} for row in range(4, 604)]
    RosterImport.objects.filter(pk=roster_import.pk).update(problems=many)
    detail = api(registrar).get(f"{URL}{roster_import.pk}/").json()
    assert (detail["problem_count"], detail["problems"]) == (600, many[:500])


def test_an_upload_refuses_bad_input_with_field_messages(api, registrar, street, upload) -> None:
    data = roster_xlsx([person(1, "赵六")])
    response = upload(registrar, data, consent_affirmed="false")
    assert (response.status_code, response.json()) == (
        400,
        {
            "consent_affirmed": [
                "Confirm that everyone on the roster signed the registration form with its "
                "consent to processing their ID number."
            ]
        },
    )
    response = api(registrar).post(URL, {"body": street.pk, "consent_affirmed": "true"})
    assert (response.status_code, response.json()) == (
        400,
        {"file": ["No file was submitted."]},
    )
    response = upload(registrar, data, body=999999)
    assert (response.status_code, response.json()) == (
        400,
        {"body": ["No registration body with this id is visible."]},
    )
    assert not RosterImport.objects.exists()


def test_only_registering_roles_may_upload(api, viewer, checker, outsider, upload, client) -> None:
    data = roster_xlsx([person(1, "钱七")])
    for user in (viewer, checker):
        response = upload(user, data)
        assert (response.status_code, response.json()) == (
            403,
            {"detail": "You may not register volunteers for this body here."},
        )
    response = upload(outsider, data)  # another street's body is not even visible
    assert (response.status_code, response.json()) == (
        400,
        {"body": ["No registration body with this id is visible."]},
    )
    assert client.post(URL, {}).status_code == 401
    assert not RosterImport.objects.exists()


def test_the_valid_rows_are_imported_by_explicit_choice(api, registrar, upload) -> None:
    roster_import = checked(registrar, upload)
    response = api(registrar).post(
        f"{URL}{roster_import.pk}/commit/", {"mode": "valid_only"}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["mode"], body["imported_count"]) == (
        "imported",
        "valid_only",
        1,
    )
    assert body["problems"] == PROBLEMS
    assert list(
        Volunteer.objects.filter(roster_import=roster_import).values_list("name", "status")
    ) == [("张三", RegistrationStatus.APPLIED)]
    again = api(registrar).post(
        f"{URL}{roster_import.pk}/commit/", {"mode": "valid_only"}, content_type="application/json"
    )
    assert (again.status_code, again.json()) == (
        400,
        {"detail": ["Import a roster once its check has finished."]},
    )


def test_all_or_nothing_is_refused_while_a_row_has_a_problem(api, registrar, upload) -> None:
    roster_import = checked(registrar, upload)
    response = api(registrar).post(
        f"{URL}{roster_import.pk}/commit/", {"mode": "all"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rows_invalid"]) == ("refused", 2)
    assert not Volunteer.objects.filter(roster_import=roster_import).exists()


def test_the_import_mode_must_be_one_of_the_two(api, registrar, upload) -> None:
    roster_import = checked(registrar, upload)
    response = api(registrar).post(
        f"{URL}{roster_import.pk}/commit/", {"mode": "some"}, content_type="application/json"
    )
    assert (response.status_code, response.json()) == (
        400,
        {"mode": ['"some" is not a valid choice.']},
    )


def test_a_queued_import_answers_202(api, registrar, upload, settings) -> None:
    roster_import = checked(registrar, upload, roster_xlsx([person(1, "孙八")]))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    response = api(registrar).post(
        f"{URL}{roster_import.pk}/commit/", {"mode": "all"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["status"]) == (202, "checked")


def test_seeing_roles_may_not_import_and_others_find_nothing(
    api, registrar, viewer, outsider, upload
) -> None:
    roster_import = checked(registrar, upload)
    commit = f"{URL}{roster_import.pk}/commit/"
    response = api(viewer).post(commit, {"mode": "all"}, content_type="application/json")
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "You may not register volunteers for this body here."},
    )
    assert api(viewer).get(f"{URL}{roster_import.pk}/").status_code == 200
    response = api(outsider).get(f"{URL}{roster_import.pk}/")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    response = api(outsider).post(
        f"{URL}{roster_import.pk}/report/", REASON, content_type="application/json"
    )
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    response = api(outsider).post(commit, {"mode": "all"}, content_type="application/json")
    assert response.status_code == 404
    assert api(outsider).get(URL).json()["results"] == []
    assert not Volunteer.objects.filter(roster_import=roster_import).exists()


REASON = {"reason": "核对导入结果"}


def test_the_error_report_is_for_the_uploader_and_the_bodys_administrators(
    api, registrar, street_admin, viewer, checker, upload
) -> None:
    roster_import = checked(registrar, upload)
    url = f"{URL}{roster_import.pk}/report/"
    response = api(registrar).post(url, REASON, content_type="application/json", HTTP_ACCEPT=XLSX)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E5%90%8D%E5%86%8C%20%28problems%29.xlsx"
    )
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0] == ("原行号", *HEADER, "问题")
    assert [(row[0], row[2], row[-1]) for row in rows[1:]] == [
        (4, "张三", ""),
        (5, "李四", f"手机号：{BAD_MOBILE}"),
        (6, "王五", "身份证号：The same person as row 4 of this file."),
    ]
    assert api(street_admin).post(url, REASON, content_type="application/json").status_code == 200
    for user in (viewer, checker):
        response = api(user).post(url, REASON, content_type="application/json")
        assert (response.status_code, response.json()) == (
            403,
            {
                "detail": "Only the uploader and the registration body's administrators may "
                "download it."
            },
        )
    entries = AuditEntry.objects.filter(
        action="volunteer.roster.downloaded", object_id=str(roster_import.pk)
    ).order_by("pk")
    logged = {"download": "error_report", "file": "名册.xlsx", "reason": "核对导入结果"}
    assert [(entry.actor, entry.data) for entry in entries] == [
        (registrar, logged),
        (street_admin, logged),
    ]


def test_the_error_report_needs_a_reason_and_is_never_a_get(api, registrar, upload) -> None:
    roster_import = checked(registrar, upload)
    url = f"{URL}{roster_import.pk}/report/"
    assert api(registrar).get(url).status_code == 405
    response = api(registrar).post(url, {"reason": "看"}, content_type="application/json")
    assert (response.status_code, response.json()) == (
        400,
        {"reason": ["Say why you need the full values."]},
    )
    assert not AuditEntry.objects.filter(action="volunteer.roster.downloaded").exists()


def test_after_the_retention_period_the_report_is_gone(api, registrar, upload, settings) -> None:
    roster_import = checked(registrar, upload)
    later = timezone.now() + timezone.timedelta(days=settings.ROSTER_RETENTION_DAYS + 1)
    purge_expired_files(now=later)
    response = api(registrar).post(
        f"{URL}{roster_import.pk}/report/", REASON, content_type="application/json"
    )
    assert (response.status_code, response.json()) == (
        410,
        {"detail": "The file was deleted after the retention period; only its SHA-256 remains."},
    )
    detail = api(registrar).get(f"{URL}{roster_import.pk}/").json()
    assert detail["file_deleted_at"] is not None


def test_the_template_downloads_whatever_the_client_accepts(api, viewer, client) -> None:
    for accept in ("*/*", XLSX, "application/json"):
        response = api(viewer).get(f"{URL}template/", HTTP_ACCEPT=accept)
        assert response.status_code == 200, accept
        assert response["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["名册"]
    assert [cell.value for cell in sheet[1]][:4] == ["姓名", "性别", "证件类型", "身份证号"]
    assert client.get(f"{URL}template/").status_code == 401


def test_the_list_is_scoped_newest_first_and_takes_constant_queries(
    api, registrar, city_admin, upload, django_assert_max_num_queries
) -> None:
    ids = [checked(registrar, upload, roster_xlsx([person(1, "周九")])).pk for _ in range(3)]
    client = api(city_admin)
    # token, roles (scope), the count, the page with body, organisations and uploader
    with django_assert_max_num_queries(5):
        response = client.get(URL)
    body = response.json()
    assert [row["id"] for row in body["results"]] == ids[::-1]
    assert body["count"] == 3
    assert "problems" not in body["results"][0]
    assert [row["id"] for row in client.get(f"{URL}?limit=1&offset=1").json()["results"]] == [
        ids[1]
    ]


def test_a_failed_file_reports_why(api, registrar, upload) -> None:
    response = upload(registrar, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    detail = api(registrar).get(f"{URL}{response.json()['id']}/").json()
    assert (detail["status"], detail["error"]) == (
        ImportStatus.FAILED,
        "This is an old Excel .xls file. Open it in Excel or WPS and save it as .xlsx.",
    )


def test_a_roster_may_come_through_a_station_the_body_delegated_to(
    api, registrar, org, upload
) -> None:
    station = org("430602001001-ST")
    response = upload(registrar, roster_xlsx([person(1, "吴十")]), organization=station.pk)
    assert response.status_code == 201
    assert response.json()["organization"] == {
        "id": station.pk,
        "code": "430602001001-ST",
        "name": "郭亮社区志愿服务站",
    }
    roster_import = RosterImport.objects.get(pk=response.json()["id"])
    assert (roster_import.body.code, roster_import.status) == ("4306003", ImportStatus.CHECKED)
