"""The flags' pages and API: shown to the superiors of the organisation responsible and to no
one else (404 outside the scope, data that could leak planted first), closed only with a
reason and only by an administrator above it (nothing written otherwise), exported as xlsx and
PDF, audited, and listed in a fixed number of queries."""

import io
from collections.abc import Callable

import openpyxl
import pytest
from django.test import override_settings
from django.utils import translation

from tests.anomalies.conftest import Clean, local, registered, user, write_record
from zhiyuan.anomalies.enums import FlagState, Rule
from zhiyuan.anomalies.models import Flag
from zhiyuan.anomalies.services import close_flag, detect_anomalies
from zhiyuan.common.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(clean: Clean) -> Flag:
    """An overlap of 郭亮社区's team's records (the team is the organisation responsible)."""
    write_record(clean.volunteers[0], clean.activity, local("2026-03-02 11:00"), 60)
    detect_anomalies()
    return Flag.objects.get()


def test_the_superiors_see_the_flag_and_the_organiser_does_not(flag: Flag, login: Callable):
    assert flag.organization.code == "430602001001-TM"
    for name in ("city_admin", "district_admin", "street_admin"):
        page = login(user(name)).get("/anomalies/")
        assert page.status_code == 200
        assert f"/anomalies/{flag.pk}/" in page.content.decode(), name
    for name in ("team_leader", "outsider", "nobody", "registrar"):
        client = login(user(name))
        assert f"/anomalies/{flag.pk}/" not in client.get("/anomalies/").content.decode()
        assert client.get(f"/anomalies/{flag.pk}/").status_code == 404, name
        assert client.get(f"/api/v1/anomaly-flags/{flag.pk}/").status_code == 404, name
        assert client.get("/api/v1/anomaly-flags/").json()["results"] == [], name


def test_the_detail_names_the_evidence_and_the_people(flag: Flag, login: Callable):
    with translation.override("en"):
        page = login(user("district_admin")).get(f"/anomalies/{flag.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "李清" in text
    assert text.count("2026-03-02") >= 2
    assert "Close the flag" in text or "关闭" in text


def test_closing_needs_a_reason_and_nothing_is_written_without_one(flag: Flag, login: Callable):
    client = login(user("district_admin"))

    refused = client.post(f"/anomalies/{flag.pk}/close/", {"reason": "   "})
    refused_api = client.post(
        f"/api/v1/anomaly-flags/{flag.pk}/close/", {"reason": ""}, content_type="application/json"
    )

    assert refused.status_code == 400
    assert refused_api.status_code == 400
    flag.refresh_from_db()
    assert flag.state == FlagState.OPEN
    assert not AuditEntry.objects.filter(action="anomalies.flag.closed").exists()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        close_flag(flag, actor=user("district_admin"), reason="")


def test_an_administrator_above_closes_the_flag_with_its_reason(flag: Flag, login: Callable):
    answer = login(user("street_admin")).post(
        f"/api/v1/anomaly-flags/{flag.pk}/close/",
        {"reason": "电话核实：重复补录，已更正"},
        content_type="application/json",
    )

    assert answer.status_code == 200
    assert answer.json()["state"] == "closed"
    assert answer.json()["close_reason"] == "电话核实：重复补录，已更正"
    flag.refresh_from_db()
    assert (flag.state, flag.closed_by.username) == (FlagState.CLOSED, "street_admin")
    entry = AuditEntry.objects.get(action="anomalies.flag.closed")
    assert entry.data == {"rule": "overlapping_hours", "reason": "电话核实：重复补录，已更正"}
    again = login(user("street_admin")).post(f"/anomalies/{flag.pk}/close/", {"reason": "再次关闭"})
    assert again.status_code == 400


def test_a_viewer_above_sees_but_does_not_close(flag: Flag, login: Callable):
    client = login(user("viewer"))

    assert client.get(f"/anomalies/{flag.pk}/").status_code == 200
    answer = client.post(
        f"/api/v1/anomaly-flags/{flag.pk}/close/",
        {"reason": "看过"},
        content_type="application/json",
    )

    assert answer.status_code == 403
    flag.refresh_from_db()
    assert flag.state == FlagState.OPEN


def test_the_list_filters_by_rule_and_state(flag: Flag, login: Callable):
    client = login(user("district_admin"))

    def ids(**query: str) -> list[int]:
        return [row["id"] for row in client.get("/api/v1/anomaly-flags/", query).json()["results"]]

    assert ids() == [flag.pk]
    assert ids(rule=Rule.OVERLAPPING_HOURS) == [flag.pk]
    assert ids(rule=Rule.LONG_DAY) == []
    assert ids(state="closed") == []
    assert client.get("/api/v1/anomaly-flags/", {"rule": "nonsense"}).status_code == 400
    page = client.get("/anomalies/", {"rule": "long_day"}).content.decode()
    assert f"/anomalies/{flag.pk}/" not in page


def test_the_api_detail_gives_evidence_and_people(flag: Flag, clean: Clean, login: Callable):
    found = login(user("district_admin")).get(f"/api/v1/anomaly-flags/{flag.pk}/").json()

    assert found["rule"] == "overlapping_hours"
    assert found["records"] == 2
    assert found["volunteers"] == 1
    assert {r["id"] for r in found["evidence_records"]} == set(
        flag.record_links.values_list("record_id", flat=True)
    )
    assert [v["id"] for v in found["evidence_volunteers"]] == [clean.volunteers[0].pk]
    assert "****" in found["evidence_volunteers"][0]["mobile"]
    assert found["evidence_volunteers"][0]["body"]["code"] == "4306003"
    assert {(p["user"]["id"], p["role"]) for p in found["people"]} == {
        (user("team_leader").pk, "recorder"),
        (user("street_admin").pk, "confirmer"),
        (user("registrar").pk, "registrar"),
    }


def test_exports_as_xlsx_and_pdf(flag: Flag, login: Callable):
    client = login(user("district_admin"))

    xlsx = client.get("/anomalies/export.xlsx")
    pdf = client.get("/api/v1/anomaly-flags/export/", {"type": "pdf"})

    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert values[3][0] == str(flag.pk)
    assert values[3][5:7] == ["2", "1"]
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="anomalies.flags.exported").count() == 2
    assert client.get("/anomalies/export.csv").status_code == 404


def test_the_list_takes_a_fixed_number_of_queries(
    clean: Clean, login: Callable, django_assert_max_num_queries
):
    write_record(clean.volunteers[0], clean.activity, local("2026-03-02 11:00"), 60)
    write_record(clean.volunteers[1], clean.activity, local("2026-03-03 11:00"), 60)
    detect_anomalies()
    client = login(user("district_admin"))
    client.get("/anomalies/")

    with django_assert_max_num_queries(12):
        assert client.get("/anomalies/").status_code == 200
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/anomaly-flags/").json()["results"]) == 2


def test_the_command_runs_the_detection(clean: Clean):
    from django.core.management import call_command

    write_record(clean.volunteers[0], clean.activity, local("2026-03-02 11:00"), 60)
    out = io.StringIO()
    call_command("detect_anomalies", stdout=out)
    call_command("detect_anomalies", "--rule", "long_day", stdout=out)

    assert "overlapping_hours: 1 found, 1 new" in out.getvalue()
    assert "long_day: 0 found, 0 new" in out.getvalue()
    assert Flag.objects.count() == 1


def test_the_periodic_job_is_registered(clean: Clean):
    from zhiyuan.common.periodic import run_jobs

    write_record(clean.volunteers[0], clean.activity, local("2026-03-02 11:00"), 60)

    assert run_jobs(["detect_anomaly_flags"]) == {"detect_anomaly_flags": "ok"}
    assert Flag.objects.count() == 1


@override_settings(ANOMALY_SHARED_MOBILE=2)
def test_a_street_centres_flag_goes_to_the_district_not_to_the_street(
    clean: Clean, login: Callable
):
    for name in ("共用甲", "共用乙"):
        registered(name=name, mobile="19900000777")
    detect_anomalies()
    flag = Flag.objects.get()

    assert flag.organization.code == "430602001-SC"
    assert login(user("district_admin")).get(f"/anomalies/{flag.pk}/").status_code == 200
    for name in ("street_admin", "registrar", "viewer", "outsider"):
        assert login(user(name)).get(f"/anomalies/{flag.pk}/").status_code == 404, name
