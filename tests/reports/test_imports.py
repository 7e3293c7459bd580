"""Target sheets: units' categories and headcounts and divisions' populations from a
spreadsheet, with the roster import's conventions: a dry run with per-row problems, then all
rows or none; a unit outside the uploader's area refuses its row; negative and non-numeric
figures each get their own message; a headcount below the counted volunteers only warns."""

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from tests.reports.conftest import Fixture
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.enums import UnitCategory
from zhiyuan.organizations.models import Organization
from zhiyuan.reports.enums import ImportStatus
from zhiyuan.reports.imports import commit_targets, template_xlsx, upload_targets
from zhiyuan.reports.models import Headcount, ResidentPopulation, TargetImport
from zhiyuan.volunteers.imports.messages import render

HEADER = "单位代码,区划代码,名称,单位类别,人数,常住人口,起始日期,来源"


def sheet(*rows: str) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")


def upload(data: bytes, actor: User, fixture: Fixture, name: str = "targets.csv") -> TargetImport:
    return upload_targets(data, actor=actor, file_name=name, valid_from=fixture.today)


def problems(found: TargetImport) -> list[tuple[int, str, str]]:
    with translation.override("en"):
        return [(p["row"], p["column"], render(p)) for p in found.problems]


def warnings(found: TargetImport) -> list[tuple[int, str, str]]:
    with translation.override("en"):
        return [(p["row"], p["column"], render(p)) for p in found.warnings]


def test_a_clean_sheet_is_checked_then_imported_all_at_once(
    targets: Fixture, street_admin: User
) -> None:
    first = (targets.today - timedelta(days=10)).isoformat()
    data = sheet(
        "U-SCHOOL,,市一中,学校,120,,,2026年人事报表",
        f"U-SCHOOL,,市一中,,118,,{first},",
        ",430602001002,汴河社区,,,130,,",
        "430602001001-ST,430602001001,郭亮社区,文明村镇（社区）,,1000,,",
    )
    found = upload(data, street_admin, targets)
    assert (found.status, found.row_count, found.problems, found.warnings) == (
        ImportStatus.CHECKED,
        4,
        [],
        [],
    )
    assert [(c["row"], c["kind"], c["old"], c["new"]) for c in found.changes] == [
        (2, "headcount", 114, 120),
        (3, "headcount", 114, 118),
        (4, "population", 99, 130),
    ]  # 郭亮社区: its category and population are already in force, nothing to change
    assert Headcount.objects.filter(organization=targets.school).count() == 2  # a dry run

    done = commit_targets(found, actor=street_admin)
    assert done.status == ImportStatus.IMPORTED
    figures = Headcount.objects.filter(organization=targets.school).order_by("valid_from")
    assert [(h.valid_from, h.headcount, h.source) for h in figures][-2:] == [
        (targets.today - timedelta(days=10), 118, "targets.csv"),
        (targets.today, 120, "2026年人事报表"),
    ]
    population = ResidentPopulation.objects.get(
        division_id="430602001002", valid_from=targets.today
    )
    assert (population.population, population.recorded_by) == (130, street_admin)
    actions = list(
        AuditEntry.objects.filter(action__startswith="reports.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-5:] == [
        "reports.targets.checked",
        "reports.headcount.recorded",
        "reports.headcount.recorded",
        "reports.population.recorded",
        "reports.targets.imported",
    ]


def test_every_bad_row_is_named_and_nothing_is_written(
    targets: Fixture, street_admin: User
) -> None:
    tomorrow = (targets.today + timedelta(days=1)).isoformat()
    data = sheet(
        "U-SCHOOL,,市一中,,-5,,,",
        "U-SCHOOL,,市一中,,一百,,,",
        "U-SCHOOL,,市一中,,12.5,,,",
        "U-COMPANY,,无人数公司,,80,,,",
        "NOPE,,不存在,,80,,,",
        "U-SCHOOL,,市一中,国企,,,,",
        "430602001002-ST,,汴河社区,,80,,,",
        f"U-SCHOOL,,市一中,,90,,{tomorrow},",
        ",430602002001,桃花山社区,,,500,,",
        ",4306,岳阳,,,500,,",
        "U-SCHOOL,,市一中,,100,,,",
        "U-SCHOOL,,市一中,,101,,,",
    )
    found = upload(data, street_admin, targets)
    assert found.status == ImportStatus.REFUSED
    assert problems(found) == [
        (2, "headcount", "-5 is negative: a headcount or population is 0 or more."),
        (3, "headcount", "“一百” is not a number: enter digits only, e.g. 120."),
        (4, "headcount", "12.5 is not a whole number of people."),
        (5, "unit", "No unit with code U-COMPANY in the area you administer."),
        (6, "unit", "No unit with code NOPE in the area you administer."),
        (
            7,
            "category",
            "Unknown category “国企”: write one of "
            + "、".join(str(c.label) for c in UnitCategory)
            + ".",
        ),
        (
            8,
            "headcount",
            "A community's or village's target is a share of its resident population: "
            "give 区划代码 and 常住人口 instead.",
        ),
        (9, "valid_from", "A figure cannot hold from a date in the future."),
        (10, "division", "No division with code 430602002001 in the area you administer."),
        (11, "division", "A division code has 12 digits, e.g. 430602001001."),
        (13, "headcount", "Already given in row 12."),
    ]
    again = commit_targets(found, actor=street_admin)
    assert again.status == ImportStatus.REFUSED
    assert Headcount.objects.filter(organization=targets.school).count() == 2
    assert not AuditEntry.objects.filter(action="reports.headcount.recorded").exists()


def test_a_headcount_below_the_counted_volunteers_is_imported_with_a_warning(
    targets: Fixture, district_admin: User
) -> None:
    found = upload(sheet("U-OFFICE,,区政府办,,0,,,"), district_admin, targets)
    assert found.status == ImportStatus.CHECKED
    assert warnings(found) == [
        (
            2,
            "headcount",
            "The headcount 0 is below the 1 registered volunteers already counted for this "
            "unit. It will be imported: check the figure.",
        )
    ]
    assert commit_targets(found, actor=district_admin).status == ImportStatus.IMPORTED
    assert (
        Headcount.objects.get(organization=targets.office, valid_from=targets.today).headcount == 0
    )


def test_a_sheet_without_a_header_fails_with_what_to_do(
    targets: Fixture, street_admin: User
) -> None:
    found = upload(b"a,b,c\r\n1,2,3\r\n", street_admin, targets)
    assert found.status == ImportStatus.FAILED
    assert problems(found)[0][2].startswith("未找到表头行")
    with pytest.raises(Exception, match="could not be read"), translation.override("en"):
        commit_targets(found, actor=street_admin)


def test_only_the_uploader_imports_and_only_administrators_upload(
    targets: Fixture, street_admin: User, city_admin: User, viewer: User
) -> None:
    found = upload(sheet("U-SCHOOL,,市一中,,120,,,"), street_admin, targets)
    with pytest.raises(PermissionDenied):
        commit_targets(found, actor=city_admin)
    with pytest.raises(PermissionDenied):
        upload(sheet("U-SCHOOL,,市一中,,120,,,"), viewer, targets)
    assert TargetImport.objects.get().status == ImportStatus.CHECKED


def xlsx(rows: list[list[Any]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    page = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                page.write(r, c, value)
    book.close()
    return buffer.getvalue()


def test_an_xlsx_with_a_title_row_numbers_and_excel_dates_is_read(
    targets: Fixture, street_admin: User
) -> None:
    data = xlsx(
        [
            ["岳阳楼街道注册任务底数表"],
            ["单位代码", "区划代码", "人数（职工及14岁以上学生）", "常住人口", "起始日期"],
            ["U-SCHOOL", None, 130.0, None, targets.today.isoformat()],
            [None, 430602001002, None, "1,250", None],
        ]
    )
    found = upload(data, street_admin, targets, name="底数.xlsx")
    assert found.problems == []
    assert [(c["row"], c["kind"], c["new"]) for c in found.changes] == [
        (3, "headcount", 130),
        (4, "population", 1250),
    ]


def test_the_template_lists_the_area_and_imports_back_unchanged(
    targets: Fixture, street_admin: User
) -> None:
    content = template_xlsx(street_admin)
    rows = [
        list(row)
        for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
    ]
    assert rows[0] == [
        "单位代码",
        "区划代码",
        "名称",
        "单位类别",
        "人数",
        "常住人口",
        "起始日期",
        "来源",
    ]
    by_code = {(row[0], row[1]): row for row in rows[1:]}
    assert by_code[("U-SCHOOL", None)][4] == 114
    assert by_code[("430602001001-ST", "430602001001")][5] == 1000
    assert "U-COMPANY" not in {row[0] for row in rows}  # another street's
    again = upload(content, street_admin, targets, name="template.xlsx")
    assert (again.status, again.problems, again.changes) == (ImportStatus.CHECKED, [], [])


def test_the_pages_upload_show_and_import_a_sheet_in_scope(
    targets: Fixture,
    street_admin: User,
    outsider: User,
    login_en: Callable[[User], Client],
) -> None:
    client = login_en(street_admin)
    file = SimpleUploadedFile("底数.csv", sheet("U-SCHOOL,,市一中,,125,,,"), "text/csv")
    response = client.post(
        "/reports/imports/",
        {"file": file, "valid_from": targets.today.isoformat(), "source": "人事处"},
    )
    found = TargetImport.objects.get()
    assert response["Location"] == f"/reports/imports/{found.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "市一中" in page and ">125<" in page
    assert login_en(outsider).get(f"/reports/imports/{found.pk}/").status_code == 404
    assert login_en(outsider).post(f"/reports/imports/{found.pk}/commit/").status_code == 404
    client.post(f"/reports/imports/{found.pk}/commit/")
    assert (
        Headcount.objects.get(organization=targets.school, valid_from=targets.today).source
        == "人事处"
    )
    template = client.get("/reports/imports/template.xlsx")
    assert template.status_code == 200 and template.content.startswith(b"PK")
    assert login_en(outsider).get("/reports/imports/template.xlsx").status_code == 200
    assert Organization.objects.filter(code="U-SCHOOL").exists()


def test_a_category_is_changed_through_the_organisation_service_and_shown_by_its_label(
    targets: Fixture, district_admin: User, login_en: Callable[[User], Client]
) -> None:
    found = upload(
        sheet("U-OFFICE,,区政府办,Enterprise or public institution,,,,"), district_admin, targets
    )
    assert [(c["kind"], c["old"], c["new"]) for c in found.changes] == [
        ("category", "party_government", "enterprise_institution")
    ]
    page = login_en(district_admin).get(f"/reports/imports/{found.pk}/").content.decode()
    assert "Party and government organ, people&#x27;s organisation" in page
    commit_targets(found, actor=district_admin)
    targets.office.refresh_from_db()
    assert targets.office.unit_category == UnitCategory.ENTERPRISE_INSTITUTION
    entry = AuditEntry.objects.filter(action="organization.updated").latest("pk")
    assert entry.data == {
        "changed": {"unit_category": ["party_government", "enterprise_institution"]}
    }
