"""The work plan's pages: the city sets its steps, a street reports with a photo, the district
decides, the board shows and exports the states; out of scope, 404."""

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from tests.reports.readback import xlsx_table
from tests.reports.test_standards import png, upload
from tests.workplan.conftest import AFTER_A, CITY, Plan, org
from zhiyuan.accounts.models import User
from zhiyuan.workplan import exports, selectors
from zhiyuan.workplan.models import StepReport, WorkStep

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


@pytest.fixture
def en(login: Login) -> Login:
    def make(user: User) -> Client:
        client = login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def test_the_city_uses_the_plans_steps_from_the_page(city_admin: User, en: Login) -> None:
    client = en(city_admin)
    page = client.get("/workplan/").content.decode()
    assert "Use the plan&#x27;s steps" in page or "Use the plan's steps" in page
    answer = client.post("/workplan/defaults/", {"year": "2026"}, follow=True)
    assert "5 of the plan&#x27;s steps added." in answer.content.decode()
    assert WorkStep.objects.filter(organization=org(CITY)).count() == 5
    again = client.post("/workplan/defaults/", {"year": "2026"}, follow=True)
    assert "The city already has every step of the plan." in again.content.decode()


def test_only_the_city_sets_steps_on_the_page(
    city_admin: User, street_admin: User, en: Login
) -> None:
    assert en(street_admin).get("/workplan/steps/new/").status_code == 403
    form = {
        "name": "自查",
        "due_date": "2026-07-01",
        "levels": ["street", "unit"],
        "link": "",
    }
    answer = en(city_admin).post("/workplan/steps/new/", form)
    assert answer.status_code == 302
    step = WorkStep.objects.get()
    assert (step.name, step.levels) == ("自查", ["street", "unit"])
    bad = en(city_admin).post("/workplan/steps/new/", {**form, "levels": []})
    assert bad.status_code == 400


def test_a_street_reports_with_a_photo_and_the_district_accepts(
    plan: Plan, street_admin: User, district_admin: User, outsider: User, en: Login
) -> None:
    url = f"/workplan/steps/{plan.a.pk}/{plan.bianhe.pk}/"
    page = en(street_admin).get(url)
    assert page.status_code == 200 and "Report this step done" in page.content.decode()
    answer = en(street_admin).post(
        f"{url}report/",
        {
            "responsible_person": "赵站长",
            "contact_phone": "199 0000 4444",
            "note": "已明确专人",
            "evidence": upload(png(), "名单.png"),
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    made = StepReport.objects.get(organization=plan.bianhe)
    shown = en(street_admin).get(url).content.decode()
    assert "199****4444" in shown and "19900004444" not in shown
    evidence = en(street_admin).get(f"/workplan/reports/{made.pk}/evidence/")
    assert b"".join(evidence.streaming_content) == png()  # type: ignore[attr-defined]
    assert en(outsider).get(url).status_code == 404
    assert en(outsider).get(f"/workplan/reports/{made.pk}/evidence/").status_code == 404
    assert "Accept the report" not in shown  # street_admin made it
    decide = en(district_admin).get(url).content.decode()
    assert "Accept the report" in decide
    en(district_admin).post(f"/workplan/reports/{made.pk}/accept/")
    made.refresh_from_db()
    assert made.status == "accepted"


def test_a_bad_report_on_the_page_says_why(plan: Plan, street_admin: User, en: Login) -> None:
    url = f"/workplan/steps/{plan.a.pk}/{plan.bianhe.pk}/report/"
    answer = en(street_admin).post(url, {"responsible_person": "赵", "contact_phone": "123"})
    assert answer.status_code == 400
    assert "Give the responsible person&#x27;s mobile number." in answer.content.decode()
    assert not StepReport.objects.filter(organization=plan.bianhe).exists()


def test_a_return_without_a_reason_is_refused_on_the_page(
    plan: Plan, district_admin: User, en: Login
) -> None:
    pending = StepReport.objects.get(step=plan.a, organization=plan.guoliang)
    answer = en(district_admin).post(f"/workplan/reports/{pending.pk}/return/", {"reason": ""})
    assert answer.status_code == 400
    answer = en(district_admin).post(
        f"/workplan/reports/{pending.pk}/return/", {"reason": "材料不全"}
    )
    assert answer.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.return_reason) == ("returned", "材料不全")


def test_the_board_page_and_its_files_show_the_same_states(
    plan: Plan, street_admin: User, outsider: User, en: Login
) -> None:
    query = f"?under={plan.street.pk}&date={AFTER_A.isoformat()}"
    page = en(street_admin).get(f"/workplan/board/{query}").content.decode()
    rows = re.findall(r'<tr data-code="([^"]+)">(.*?)</tr>', page, re.S)
    assert [(code, re.findall(r'data-state="(\w*)"', cells)) for code, cells in rows] == [
        ("430602001-SC", ["done", "returned"]),
        ("430602001001-ST", ["late", "pending"]),
        ("430602001002-ST", ["late", "missing"]),
        ("U-WP-SCHOOL", ["late", ""]),
    ]
    content = en(street_admin).get(f"/workplan/board/xlsx/{query}").content
    board = selectors.board(plan.street, day=AFTER_A)
    cells = exports.board_cells(board)
    _header, rows = xlsx_table(content, cells.header)
    assert rows == cells.rows + cells.sums
    pdf = en(street_admin).get(f"/workplan/board/pdf/{query}")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    # Another street's administrator only has their own subtree to choose.
    theirs = en(outsider).get(f"/workplan/board/{query}").content.decode()
    assert 'data-code="430602001-SC"' not in theirs


def test_the_superior_sees_the_full_number_for_a_reason(
    plan: Plan, district_admin: User, viewer: User, en: Login
) -> None:
    pending = StepReport.objects.get(step=plan.a, organization=plan.guoliang)
    url = f"/workplan/reports/{pending.pk}/contact/"
    assert en(viewer).post(url, {"reveal-reason": "核实"}).status_code == 403
    assert en(district_admin).post(url, {"reveal-reason": ""}).status_code == 400
    shown = en(district_admin).post(url, {"reveal-reason": "电话核实"})
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store"
    assert 'href="tel:19900001111"' in shown.content.decode()
    assert (
        "19900001111"
        not in en(district_admin)
        .get(f"/workplan/steps/{plan.a.pk}/{plan.guoliang.pk}/")
        .content.decode()
    )


def test_the_audit_log_names_the_work_plans_entries(
    plan: Plan, district_admin: User, street_admin: User, en: Login
) -> None:
    page = en(district_admin).get("/audit/").content.decode()
    assert "Work step report accepted" in page and "Work step report returned" in page
    assert f'href="/workplan/steps/{plan.a.pk}/{plan.street.pk}/"' in page
    assert "准备部署 · 岳阳楼街道志愿服务中心" in page
