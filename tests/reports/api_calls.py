"""What tests/api/test_schemathesis.py needs of the reporting-round endpoints: real objects
their paths name, and one successful call of each operation, as a user would make it."""

from datetime import timedelta
from typing import Any

from knox.models import AuthToken

from zhiyuan.accounts.models import User
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import selectors
from zhiyuan.reports.rounds.models import ReportingRound, RoundMember, Submission


def reporting_known_ids() -> dict[str, list[Any]]:
    """A round of the city asking 岳阳楼街道, with a submission (rows only: no table is rendered,
    so that the many generated cases stay fast)."""
    today = selectors.local_today()
    street = Organization.objects.get(code="430602001-SC")
    opened = ReportingRound.objects.create(
        organization=Organization.objects.get(code="4306-GC"),
        title="年度报表",
        tables=["attachment3"],
        reference_date=today,
        due_date=today + timedelta(days=5),
        submitter_level="streets",
    )
    RoundMember.objects.create(round=opened, organization=street)
    made = Submission.objects.create(round=opened, organization=street, sequence=1)
    return {"reporting-rounds": [opened.pk], "report-submissions": [made.pk]}


def call_reporting_operations(call: Any) -> None:
    """The city opens a round; the street submits, reads, downloads and withdraws."""
    _, token = AuthToken.objects.create(user=User.objects.get(username="street_admin"))
    call.headers["street_admin"] = {"Authorization": f"Token {token}"}
    today = selectors.local_today()
    street = Organization.objects.get(code="430602001-SC").pk
    body = {
        "organization": Organization.objects.get(code="4306-GC").pk,
        "title": "六月报表",
        "tables": ["attachment3"],
        "reference_date": today.isoformat(),
        "due_date": (today + timedelta(days=10)).isoformat(),
        "submitter_level": "streets",
    }
    opened = call("city_admin", "POST", "/reporting-rounds/", body).json()
    call("city_admin", "GET", "/reporting-rounds/")
    call("city_admin", "GET", "/reporting-rounds/{id}/", id=opened["id"])
    asked = {"organization": street}
    made = call("street_admin", "POST", "/reporting-rounds/{id}/submit/", asked, id=opened["id"])
    pk = made.json()["id"]
    call("street_admin", "GET", "/report-submissions/")
    call("street_admin", "GET", "/report-submissions/{id}/", id=pk)
    query = {"table": "attachment3", "type": "pdf"}
    call("street_admin", "GET", "/report-submissions/{id}/file/", id=pk, **query)
    call("street_admin", "POST", "/report-submissions/{id}/withdraw/", {"reason": "重报"}, id=pk)
