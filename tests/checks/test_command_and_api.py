"""`zhiyuan spot_check` and the API: opening and redrawing from the command line, the sample
written for bulk work; over the API the same refusals as the pages, 404 for another area,
403 for a role that may not act, and a list that costs the same queries however long."""

import io
from collections.abc import Callable
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone, translation
from knox.models import AuthToken
from openpyxl import load_workbook

from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.checks import services
from zhiyuan.checks.enums import Outcome
from zhiyuan.checks.models import Campaign, Case


@pytest.fixture
def api() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        _, token = AuthToken.objects.create(user=user)
        return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")

    return make


def test_the_command_opens_a_check_and_draws_its_sample_again(population, tmp_path) -> None:
    translation.activate("en")
    today = timezone.localdate()
    out = io.StringIO()
    call_command(
        "spot_check",
        "open",
        "--area",
        "430602-GC",
        "--title",
        "命令行抽查",
        "--from",
        f"{today.year}-01-01",
        "--to",
        today.isoformat(),
        "--size",
        "5",
        "--seed",
        "42",
        stdout=out,
    )
    campaign = Campaign.objects.get()
    assert "5 of 15 sampled with seed 42" in out.getvalue() or "42" in out.getvalue()
    assert campaign.opened_by is None and campaign.items.count() == 5
    out = io.StringIO()
    target = tmp_path / "sample.xlsx"
    call_command("spot_check", "sample", str(campaign.pk), "-o", str(target), stdout=out)
    assert "population 15, the same as recorded: yes" in out.getvalue()
    assert "the sample drawn again is the one recorded: yes" in out.getvalue()
    assert load_workbook(target).active.max_row == 8
    with pytest.raises(CommandError):
        call_command(
            "spot_check",
            "open",
            "--area",
            "430602-GC",
            "--title",
            "x",
            "--from",
            f"{today.year}-01-01",
            "--to",
            today.isoformat(),
            "--size",
            "99",
        )


def test_the_api_opens_checks_records_outcomes_and_keeps_areas_apart(
    population, api, district_admin, checker, street_admin, etdz_admin, registrar
) -> None:
    today = timezone.localdate()
    from zhiyuan.organizations.models import Organization

    body = {
        "organization": Organization.objects.get(code="430602-GC").pk,
        "title": "API check",
        "subject": "registrations",
        "period_start": date(today.year, 1, 1).isoformat(),
        "period_end": today.isoformat(),
        "sample_size": 16,
    }
    refused = api(district_admin).post(
        "/api/v1/spot-checks/", body, content_type="application/json"
    )
    assert refused.status_code == 400
    assert "15 to choose from" in refused.content.decode()
    body["sample_size"], body["seed"] = 5, 42
    created = api(district_admin).post(
        "/api/v1/spot-checks/", body, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    cid = created.json()["id"]
    assert [s["allocated"] for s in created.json()["strata"]] == [1, 2, 0, 2]
    redraw = api(district_admin).get(f"/api/v1/spot-checks/{cid}/redraw/").json()
    assert (redraw["same_population"], redraw["same_sample"]) == (True, True)
    assert api(etdz_admin).get(f"/api/v1/spot-checks/{cid}/").status_code == 404
    assert api(street_admin).post(
        "/api/v1/spot-checks/", body, content_type="application/json"
    ).status_code in (403, 404)
    assign = {"checker": checker.pk}
    assert (
        api(district_admin)
        .post(f"/api/v1/spot-checks/{cid}/assign/", assign, content_type="application/json")
        .status_code
        == 200
    )
    mine = api(checker).get("/api/v1/check-items/").json()["results"]
    assert len(mine) == 3 and all("*" in item["volunteer"]["document_number"] for item in mine)
    first = mine[0]["id"]
    assert api(registrar).post(
        f"/api/v1/check-items/{first}/outcome/",
        {"outcome": "confirmed"},
        content_type="application/json",
    ).status_code in (403, 404)
    no_note = api(checker).post(
        f"/api/v1/check-items/{first}/outcome/",
        {"outcome": "denies_registration"},
        content_type="application/json",
    )
    assert no_note.status_code == 400
    phone = api(checker).post(f"/api/v1/check-items/{first}/phone/").json()["mobile"]
    assert phone.startswith("199") and "*" not in phone
    done = api(checker).post(
        f"/api/v1/check-items/{first}/outcome/",
        {"outcome": "denies_registration", "note": "本人否认"},
        content_type="application/json",
    )
    assert done.json()["outcome"] == Outcome.DENIES_REGISTRATION
    case = Case.objects.get()
    assert api(etdz_admin).get(f"/api/v1/check-cases/{case.pk}/").status_code == 404
    undecided = api(street_admin).post(
        f"/api/v1/check-cases/{case.pk}/decide/",
        {"decision": "", "note": "x"},
        content_type="application/json",
    )
    assert undecided.status_code == 400
    decided = (
        api(street_admin)
        .post(
            f"/api/v1/check-cases/{case.pk}/decide/",
            {"decision": "registration_cancelled", "note": "代注册"},
            content_type="application/json",
        )
        .json()
    )
    assert (decided["status"], decided["decision"]) == ("closed", "registration_cancelled")
    rates = api(district_admin).get("/api/v1/check-rates/").json()
    assert [(r["checked"], r["denials"], r["denial_rate"]) for r in rates["bodies"]] == [
        (1, 1, "100.0")
    ]
    pdf = api(street_admin).get("/api/v1/check-cases/file/?type=pdf")
    assert pdf.content.startswith(b"%PDF-")


def test_the_case_list_costs_the_same_queries_however_many(
    population, open_check, api, checker, street_admin, django_assert_max_num_queries
) -> None:
    campaign = open_check()
    client = api(street_admin)
    items = list(campaign.items.filter(body__organization__code=people.STREET))
    services.record_outcome(
        items[0], actor=checker, outcome=Outcome.DENIES_REGISTRATION, note="否认"
    )
    with django_assert_max_num_queries(8) as few:
        client.get("/api/v1/check-cases/")
    for item in items[1:]:
        services.record_outcome(
            item, actor=checker, outcome=Outcome.DENIES_REGISTRATION, note="否认"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/check-cases/").json()["results"]) == 3


def test_a_volunteer_token_says_this_is_not_me_and_sees_who_registered_them(
    registrar, street_admin
) -> None:
    from zhiyuan.api.volunteer_auth import issue_token

    volunteer = people.registered(registrar)
    other = people.registered(registrar)
    client = Client(
        HTTP_AUTHORIZATION=f"Volunteer {issue_token(volunteer.mobile_digest)}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    seen = client.get("/api/v1/volunteer/reports/").json()
    assert [(r["registration"], r["registrar"], r["channel"]) for r in seen["registrations"]] == [
        (volunteer.pk, "陈登记", "registrar")
    ]
    stranger = client.post(
        "/api/v1/volunteer/reports/", {"registration": other.pk}, content_type="application/json"
    )
    assert stranger.status_code == 404
    made = client.post(
        "/api/v1/volunteer/reports/",
        {"registration": volunteer.pk, "message": "不是我"},
        content_type="application/json",
    )
    assert made.status_code == 201
    reports = made.json()["reports"]
    assert [(r["kind"], r["status"], r["decision"]) for r in reports] == [
        ("not_registered", "open", "")
    ]
    case = Case.objects.get()
    services.decide_case(case, actor=street_admin, decision="registration_cancelled", note="代注册")
    after = client.get("/api/v1/volunteer/reports/").json()["reports"]
    assert [(r["status"], r["decision"]) for r in after] == [("closed", "registration_cancelled")]
