"""The roster import pages: upload, the check's report, the import by explicit choice, the
downloads (template, file, error report) and who may do what."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation

from tests.volunteers.people import synthetic_id
from tests.volunteers.rosters import HEADER, person, roster_xlsx
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers.enums import ImportStatus, RegistrationChannel, RegistrationStatus
from zhiyuan.volunteers.imports.check import check_roster
from zhiyuan.volunteers.imports.files import purge_expired_files
from zhiyuan.volunteers.imports.upload import upload_roster
from zhiyuan.volunteers.imports.write import import_roster
from zhiyuan.volunteers.models import RegistrationBody, RosterImport, Volunteer

pytestmark = pytest.mark.django_db

IMPORTS = "/volunteers/imports/"
NEW = "/volunteers/imports/new/"
STREET = "430602001-SC"
BAD_MOBILE = "Enter an 11-digit mainland mobile number, such as 13800138000."


@pytest.fixture
def english(login):
    """`english(user)`: a logged-in client that asks for English pages."""

    def make(user: User) -> Client:
        client = login(user)
        client.cookies["django_language"] = "en"
        return client

    return make


@pytest.fixture
def point(body) -> str:
    street = body(STREET)
    return f"{street.pk}:{street.organization_id}"


@pytest.fixture
def send(django_capture_on_commit_callbacks, point):
    """`send(client, data, ...)`: upload a roster through the page; the check (a task queued
    on commit) runs before the call returns."""

    def upload(client: Client, data: bytes, *, consent: bool = True, name: str = "名册.xlsx"):
        form = {"point": point, "file": SimpleUploadedFile(name, data)}
        if consent:
            form["consent_affirmed"] = "on"
        with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
            return client.post(NEW, form)

    return upload


def flawed_roster() -> tuple[bytes, list[object]]:
    """Three people: one right, one with a short mobile, one the first person again."""
    good = person(1, "张三")
    short = person(2, "李四", birth="19850505", male=False)
    short[4] = "1381111"
    again = person(3, "王五")
    again[3] = good[3]
    return roster_xlsx([good, short, again]), good


def last_import() -> RosterImport:
    return RosterImport.objects.latest("pk")


def test_the_upload_page_offers_the_registrars_points_and_the_template(
    english, registrar, body, org
) -> None:
    response = english(registrar).get(NEW)
    assert response.status_code == 200
    street = body(STREET)
    station = org("430602001001-ST")
    assert response.context["form"].fields["point"].choices == [
        (f"{street.pk}:{street.organization_id}", "岳阳楼街道志愿服务中心"),
        (f"{street.pk}:{station.pk}", "郭亮社区志愿服务站 (岳阳楼街道志愿服务中心)"),
    ]
    html = response.content.decode()
    assert 'href="/volunteers/imports/template.xlsx"' in html
    assert 'accept=".xlsx,.csv"' in html


def test_a_roster_with_problems_is_checked_and_its_report_shown(english, registrar, send) -> None:
    data, _good = flawed_roster()
    response = send(english(registrar), data)
    roster_import = last_import()
    assert response.status_code == 302
    assert response["Location"] == f"{IMPORTS}{roster_import.pk}/"
    assert (roster_import.status, roster_import.filename, roster_import.uploaded_by) == (
        ImportStatus.CHECKED,
        "名册.xlsx",
        registrar,
    )
    page = english(registrar).get(response["Location"])
    assert page.status_code == 200
    assert page.context["running"] is False
    assert page.context["problems"] == [
        {"row": 5, "column": "E 手机号", "message": BAD_MOBILE},
        {"row": 6, "column": "D 身份证号", "message": "The same person as row 4 of this file."},
    ]
    html = page.content.decode()
    assert "Columns not recognised, and ignored: 所属小组" in html
    assert "The header row is row 3; the row numbers are those Excel shows." in html
    assert f'href="{IMPORTS}{roster_import.pk}/report.xlsx"' in html
    assert 'hx-get="' not in html  # nothing runs: no polling
    assert '<button type="submit" name="mode" value="all" disabled>' in html
    assert "Import the valid row only (1)" in html
    assert not Volunteer.objects.filter(roster_import=roster_import).exists()


def test_the_counts_and_present_rows_are_not_errors(english, registrar, send) -> None:
    data = roster_xlsx([person(1, "赵六"), person(2, "钱七", male=False)])
    send(english(registrar), data)
    first = last_import()
    english(registrar).post(f"{IMPORTS}{first.pk}/commit/", {"mode": "all"})
    send(english(registrar), data)
    again = last_import()
    page = english(registrar).get(f"{IMPORTS}{again.pk}/")
    html = page.content.decode()
    assert (again.rows_total, again.rows_valid, again.rows_invalid, again.rows_present) == (
        2,
        0,
        0,
        2,
    )
    assert (
        "2 rows are already registered with this body: nothing new, and they are not errors."
        in html
    )
    assert "There is nothing new to import." in html
    assert page.context["problems"] == []
    assert Volunteer.objects.filter(name__in=["赵六", "钱七"]).count() == 2


def test_import_all_is_refused_while_a_row_has_a_problem(english, registrar, send) -> None:
    data, _good = flawed_roster()
    send(english(registrar), data)
    roster_import = last_import()
    url = f"{IMPORTS}{roster_import.pk}/"
    with translation.override("en"):
        response = english(registrar).post(f"{url}commit/", {"mode": "all"})
    assert response["Location"] == url
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.REFUSED
    assert not Volunteer.objects.filter(roster_import=roster_import).exists()
    html = english(registrar).get(url).content.decode()
    assert "2 rows have problems, so nothing was imported." in html
    assert "Import the valid row only (1)" in html  # the choice stays open


def test_importing_the_valid_rows_shows_the_result_and_the_confirmation_message(
    english, registrar, send
) -> None:
    data, good = flawed_roster()
    send(english(registrar), data)
    roster_import = last_import()
    url = f"{IMPORTS}{roster_import.pk}/"
    response = english(registrar).post(f"{url}commit/", {"mode": "valid_only"})
    assert response["Location"] == url
    imported = Volunteer.objects.get(roster_import=roster_import)
    assert (imported.name, imported.document_number, imported.status, imported.channel) == (
        "张三",
        good[3],
        RegistrationStatus.APPLIED,
        RegistrationChannel.IMPORT,
    )
    page = english(registrar).get(url)
    html = page.content.decode()
    assert "1 volunteer imported. The application counts once the person confirms it." in html
    assert 'href="/volunteers/?status=applied"' in html
    assert 'action="/volunteers/progress/send/"' in html
    assert '<input type="hidden" name="org" value="430602001-SC">' in html
    assert 'id="import-commit"' not in html  # imported: nothing to choose any more
    assert page.context["ri"].imported_count == 1


def test_the_upload_needs_the_consent_affirmation_and_a_file(english, registrar, send) -> None:
    before = RosterImport.objects.count()
    response = send(english(registrar), roster_xlsx([person(1, "孙八")]), consent=False)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "consent_affirmed": [
            "Confirm that everyone on the roster signed the registration form with its "
            "consent to processing their ID number."
        ]
    }
    response = send(english(registrar), b"")
    assert response.status_code == 400
    with translation.override("en"):
        assert response.context["form"].errors == {"file": ["The submitted file is empty."]}
    assert RosterImport.objects.count() == before


def test_an_unreadable_file_ends_as_failed_with_the_reason(english, registrar, send) -> None:
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100
    send(english(registrar), old_excel, name="名册.xls")
    roster_import = last_import()
    assert roster_import.status == ImportStatus.FAILED
    html = english(registrar).get(f"{IMPORTS}{roster_import.pk}/").content.decode()
    assert (
        "The file could not be read: This is an old Excel .xls file. Open it in Excel or WPS "
        "and save it as .xlsx."
    ) in html
    assert 'id="import-commit"' not in html


def test_a_point_outside_the_users_registration_points_is_a_form_error(
    english, registrar, body
) -> None:
    other = body("430602002-SC")
    response = english(registrar).post(
        NEW,
        {
            "point": f"{other.pk}:{other.organization_id}",
            "file": SimpleUploadedFile("a.xlsx", roster_xlsx([person(1, "周九")])),
            "consent_affirmed": "on",
        },
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["point"]


def test_seeing_roles_may_not_upload_or_import(english, registrar, viewer, checker, send) -> None:
    assert english(viewer).get(NEW).status_code == 403
    send(english(registrar), roster_xlsx([person(1, "吴十")]))
    roster_import = last_import()
    assert english(viewer).get(f"{IMPORTS}{roster_import.pk}/").status_code == 200
    for user in (viewer, checker):
        response = english(user).post(f"{IMPORTS}{roster_import.pk}/commit/", {"mode": "all"})
        assert response.status_code == 403
    assert not Volunteer.objects.filter(roster_import=roster_import).exists()


def test_another_streets_imports_are_404_and_not_listed(english, registrar, outsider, send) -> None:
    send(english(registrar), roster_xlsx([person(1, "郑十一")]))
    roster_import = last_import()
    client = english(outsider)
    base = f"{IMPORTS}{roster_import.pk}/"
    for url in (base, f"{base}progress/", f"{base}file", f"{base}report.xlsx"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}commit/", {"mode": "all"}).status_code == 404
    assert list(client.get(IMPORTS).context["page"]) == []


def test_the_list_shows_the_imports_in_scope_newest_first(
    english, registrar, street_admin, city_admin, send, django_assert_max_num_queries
) -> None:
    for name in ("a.xlsx", "b.xlsx", "c.xlsx"):
        send(english(registrar), roster_xlsx([person(1, "冯十二")]), name=name)
    client = english(city_admin)
    # session, user, roles (scope), the count, the page (with body, organisations and
    # uploader), registration points (roles, bodies, delegations, roles, covered
    # delegations), the session save (3): none per row
    with django_assert_max_num_queries(13):
        response = client.get(IMPORTS)
    assert [ri.filename for ri in response.context["page"]] == ["c.xlsx", "b.xlsx", "a.xlsx"]
    html = response.content.decode()
    assert "陈登记" in html and "岳阳楼街道志愿服务中心" in html
    assert [ri.filename for ri in english(street_admin).get(IMPORTS).context["page"]] == [
        "c.xlsx",
        "b.xlsx",
        "a.xlsx",
    ]


def test_the_template_downloads_with_its_chinese_name(english, viewer) -> None:
    response = english(viewer).get(f"{IMPORTS}template.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E5%BF%97%E6%84%BF%E8%80%85%E6%B3%A8%E5%86%8C"
        "%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["名册"]
    assert [cell.value for cell in sheet[1]][:4] == ["姓名", "性别", "证件类型", "身份证号"]


REASON = "核对导入结果"


def test_the_uploader_and_the_bodys_administrators_download_the_file_and_report(
    english, registrar, street_admin, city_admin, viewer, checker, send
) -> None:
    data, _good = flawed_roster()
    send(english(registrar), data)
    roster_import = last_import()
    base = f"{IMPORTS}{roster_import.pk}/"
    # The link asks why first: the file holds every row's full ID number and phone.
    asked = english(registrar).get(f"{base}file")
    assert asked.status_code == 200
    assert asked["Content-Type"] == "text/html; charset=utf-8"
    assert "Why do you need the full values?" in asked.content.decode()
    assert data not in asked.content
    refused = english(registrar).post(f"{base}file", {"reason": "看"})
    assert refused.status_code == 400
    assert refused.context["form"].errors == {"reason": ["Say why you need the full values."]}
    response = english(registrar).post(f"{base}file", {"reason": REASON})
    assert response.status_code == 200
    assert response.content == data
    assert response["Cache-Control"] == "no-store"
    report = english(street_admin).post(f"{base}report.xlsx", {"reason": REASON})
    assert report.status_code == 200
    assert report["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E5%90%8D%E5%86%8C%20%28problems%29.xlsx"
    )
    rows = list(openpyxl.load_workbook(io.BytesIO(report.content)).active.values)
    assert rows[0] == ("原行号", *HEADER, "问题")
    assert [row[0] for row in rows[1:]] == [4, 5, 6]
    assert rows[2][-1] == f"手机号：{BAD_MOBILE}"
    assert english(city_admin).post(f"{base}file", {"reason": REASON}).status_code == 200
    for user in (viewer, checker):
        assert english(user).get(f"{base}file").status_code == 403
        assert english(user).get(f"{base}report.xlsx").status_code == 403
        assert english(user).post(f"{base}report.xlsx", {"reason": REASON}).status_code == 403
    html = english(viewer).get(base).content.decode()
    assert "report.xlsx" not in html and f'href="{base}file"' not in html
    entries = AuditEntry.objects.filter(
        action="volunteer.roster.downloaded", object_id=str(roster_import.pk)
    ).order_by("pk")
    logged = {"file": "名册.xlsx", "reason": REASON}
    assert [(e.actor, e.data) for e in entries] == [
        (registrar, {"download": "file", **logged}),
        (street_admin, {"download": "error_report", **logged}),
        (city_admin, {"download": "file", **logged}),
    ]


def test_after_the_retention_period_the_page_says_the_file_was_deleted(
    english, registrar, send, settings
) -> None:
    data, _good = flawed_roster()
    send(english(registrar), data)
    roster_import = last_import()
    later = timezone.now() + timezone.timedelta(days=settings.ROSTER_RETENTION_DAYS + 1)
    purge_expired_files(now=later)
    base = f"{IMPORTS}{roster_import.pk}/"
    html = english(registrar).get(base).content.decode()
    assert "The file was deleted after 30 days; only its SHA-256 remains." in html
    assert "report.xlsx" not in html and f'href="{base}file"' not in html
    response = english(registrar).get(f"{base}file", follow=True)
    assert response.redirect_chain == [(base, 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "The file was deleted after the retention period; only its SHA-256 remains."
    ]


def test_the_progress_fragment_polls_while_the_check_runs_then_reloads_the_page(
    english, registrar, send
) -> None:
    send(english(registrar), roster_xlsx([person(1, "陈十三")]))
    roster_import = last_import()
    url = f"{IMPORTS}{roster_import.pk}/progress/"
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=ImportStatus.CHECKING, rows_done=1500, rows_total=6000
    )
    fragment = english(registrar).get(url, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert f'hx-get="{url}" hx-trigger="every 1s"' in html
    assert '<progress max="100" value="25"' in html
    assert "Row 1500 of 6000 checked · 25 %" in html
    page = english(registrar).get(f"{IMPORTS}{roster_import.pk}/").content.decode()
    assert 'id="import-report"' not in page and "Refresh</a>" in page  # a link without JS
    RosterImport.objects.filter(pk=roster_import.pk).update(status=ImportStatus.CHECKED)
    done = english(registrar).get(url, headers={"HX-Request": "true"})
    assert (done.status_code, done["HX-Refresh"]) == (200, "true")


def test_an_import_waiting_for_the_worker_is_shown_as_queued(
    english, registrar, send, settings
) -> None:
    send(english(registrar), roster_xlsx([person(1, "卫十四")]))
    roster_import = last_import()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = english(registrar)
    base = f"{IMPORTS}{roster_import.pk}/"
    client.post(f"{base}commit/", {"mode": "all"})
    page = client.get(base)
    html = page.content.decode()
    assert page.context["queued"] is True
    assert "Waiting to be imported" in html and 'id="import-commit"' not in html
    again = client.post(f"{base}commit/", {"mode": "all"}, follow=True)
    assert [str(m) for m in again.context["messages"]] == [
        "Import a roster once its check has finished."
    ]
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.CHECKED


def test_the_import_mode_must_be_chosen(english, registrar, send) -> None:
    send(english(registrar), roster_xlsx([person(1, "蒋十五")]))
    roster_import = last_import()
    response = english(registrar).post(f"{IMPORTS}{roster_import.pk}/commit/", follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Choose how to import."]
    assert not Volunteer.objects.filter(roster_import=roster_import).exists()


def test_a_person_another_body_holds_is_a_problem_naming_that_body(
    english, registrar, outsider, send, body, confirm
) -> None:
    number = synthetic_id("19770707")
    other: RegistrationBody = body("430602002-SC")
    import_roster(
        check_roster(
            upload_roster(
                roster_xlsx([[1, "沈十六", "男", number, "13811119999", "群众", ""]]),
                filename="三眼桥.xlsx",
                body=other,
                organization=other.organization,
                actor=outsider,
                consent_affirmed=True,
                check=False,
            )
        ),
        actor=outsider,
        mode="all",
    )
    held = Volunteer.objects.get(body=other, name="沈十六")
    confirm(held, outsider)
    send(english(registrar), roster_xlsx([[1, "沈十六", "男", number, "13811119999", "群众", ""]]))
    page = english(registrar).get(f"{IMPORTS}{last_import().pk}/")
    assert [p["column"] for p in page.context["problems"]] == ["D 身份证号"]
    assert "三眼桥街道志愿服务中心" in page.context["problems"][0]["message"]
    assert number not in page.content.decode()
