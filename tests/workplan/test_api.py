"""The work plan over the API: the same services, scoped; who may do what; phones masked."""

from datetime import date
from typing import Any

import pytest
from django.test import Client
from knox.models import AuthToken

from tests.workplan.conftest import AFTER_A, BIANHE, CITY, GUOLIANG, STREET, Plan, org
from zhiyuan.accounts.models import User
from zhiyuan.workplan.models import StepReport, WorkStep

pytestmark = pytest.mark.django_db


def api(user: User) -> Client:
    _, token = AuthToken.objects.create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")


def test_the_city_adds_the_plans_steps_and_nobody_else(
    city_admin: User, district_admin: User
) -> None:
    body = {"organization": org(CITY).pk, "year": 2026}
    refused = api(district_admin).post("/api/v1/workplan-steps/defaults/", body)
    assert refused.status_code == 400  # the city is not inside the district's area
    assert refused.json()["organization"] == ["No organisation with this id is inside your area."]
    made = api(city_admin).post(
        "/api/v1/workplan-steps/defaults/", body, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    assert [(s["code"], s["due_date"]) for s in made.json()] == [
        ("preparation", "2026-05-15"),
        ("stations", "2026-06-15"),
        ("recruitment", "2026-06-15"),
        ("archives", "2026-06-15"),
        ("activities", "2026-12-31"),
    ]
    listed = api(district_admin).get("/api/v1/workplan-steps/").json()
    assert listed["count"] == 5


def test_a_report_out_of_the_steps_scope_is_refused_with_its_reason(
    plan: Plan, street_admin: User
) -> None:
    body = {
        "step": plan.b.pk,
        "organization": plan.unit.pk,
        "responsible_person": "李四",
        "contact_phone": "19900003333",
    }
    refused = api(street_admin).post(
        "/api/v1/workplan-reports/", body, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["organization"] == [
        "This step is not asked of 市二中: it applies to Streets and townships, "
        "Communities and villages only."
    ]


def test_reporting_accepting_and_returning_go_by_role(
    plan: Plan, street_admin: User, district_admin: User, outsider: User, viewer: User
) -> None:
    body = {
        "step": plan.a.pk,
        "organization": plan.bianhe.pk,
        "responsible_person": "李四",
        "contact_phone": "19900003333",
    }
    for user, code in ((outsider, 400), (viewer, 403)):  # outsider: not in their area
        answer = api(user).post("/api/v1/workplan-reports/", body, content_type="application/json")
        assert answer.status_code == code, answer.content
    made = api(street_admin).post(
        "/api/v1/workplan-reports/", body, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    report = made.json()
    assert (report["status"], report["contact_phone"], report["organization"]["code"]) == (
        "reported",
        "199****3333",
        BIANHE,
    )
    url = f"/api/v1/workplan-reports/{report['id']}/"
    assert api(outsider).get(url).status_code == 404
    assert api(outsider).post(f"{url}accept/").status_code == 404
    assert api(street_admin).post(f"{url}accept/").status_code == 400  # their own report
    assert api(viewer).post(f"{url}return/", {"reason": "x"}).status_code == 403
    no_reason = api(district_admin).post(f"{url}return/", {"reason": ""})
    assert no_reason.status_code == 400
    returned = api(district_admin).post(f"{url}return/", {"reason": "照片不清楚"})
    assert returned.status_code == 200
    assert (returned.json()["status"], returned.json()["return_reason"]) == (
        "returned",
        "照片不清楚",
    )
    assert StepReport.objects.get(pk=report["id"]).decided_by == district_admin
    reveal = f"{url}reveal-contact/"
    assert api(viewer).post(reveal, {"reason": "核实"}).status_code == 403
    assert api(outsider).post(reveal, {"reason": "核实"}).status_code == 404
    full = api(district_admin).post(reveal, {"reason": "电话核实"})
    assert full.json() == {"contact_phone": "19900003333"}


def test_the_board_over_the_api_is_the_boards(
    plan: Plan, street_admin: User, outsider: User
) -> None:
    url = f"/api/v1/workplan/board/?under={plan.street.pk}&date={AFTER_A.isoformat()}"
    body = api(street_admin).get(url).json()
    assert [
        (row["organization"]["code"], [c["state"] for c in row["cells"]]) for row in body["rows"]
    ] == [
        (STREET, ["done", "returned"]),
        (GUOLIANG, ["late", "pending"]),
        (BIANHE, ["late", "missing"]),
        ("U-WP-SCHOOL", ["late", None]),
    ]
    assert body["totals"] == {"done": 1, "late": 3, "returned": 1, "pending": 1, "missing": 1}
    assert body["steps"][0]["counts"] == {
        "done": 1,
        "late": 3,
        "returned": 0,
        "pending": 0,
        "missing": 0,
    }
    assert api(outsider).get(url).status_code == 404
    file = api(street_admin).get(f"/api/v1/workplan/board/file/?under={plan.street.pk}&type=pdf")
    assert file.status_code == 200 and file.content.startswith(b"%PDF-")
    assert file["Content-Type"] == "application/pdf"


def test_a_step_is_changed_and_retired_over_the_api(city_admin: User, street_admin: User) -> None:
    made = api(city_admin).post(
        "/api/v1/workplan-steps/",
        {
            "organization": org(CITY).pk,
            "name": "自查",
            "due_date": "2026-07-01",
            "levels": ["street"],
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    url = f"/api/v1/workplan-steps/{made.json()['id']}/"
    change = {"name": "自查", "due_date": "2026-07-10", "levels": ["street"], "in_use": False}
    assert api(street_admin).patch(url, change, content_type="application/json").status_code == 403
    changed = api(city_admin).patch(url, change, content_type="application/json").json()
    assert (changed["due_date"], changed["in_use"]) == ("2026-07-10", False)
    assert WorkStep.objects.get().due_date == date(2026, 7, 10)


def test_the_report_list_reads_in_a_fixed_number_of_queries(
    plan: Plan, district_admin: User, django_assert_max_num_queries: Any
) -> None:
    client = api(district_admin)
    client.get("/api/v1/workplan-reports/")  # the token's first use
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/workplan-reports/").json()
    assert body["count"] == 5
