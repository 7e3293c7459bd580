"""What tests/api/test_schemathesis.py needs of the certificates' endpoints: a real certificate
their paths name, and one successful call of each operation, as a user would make it."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tests.factories import ActivityFactory
from tests.hours.conftest import days_ago
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.api.volunteer_auth import issue_token
from zhiyuan.certificates import services
from zhiyuan.hours import services as hours
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

TEAM = "430602001001-TM"


def _served() -> Volunteer:
    """A registered volunteer with three confirmed hours recorded by 郭亮社区's team."""
    leader = User.objects.get(username="team_leader")
    volunteer = people.registered(User.objects.get(username="registrar"))
    start = days_ago(4, 9)
    record = hours.record_hours(
        volunteer,
        activity=ActivityFactory(),
        start=start,
        end=start + timedelta(hours=3),
        actor=leader,
    )
    hours.confirm_records([record], actor=leader)
    return volunteer


def certificates_known_ids() -> dict[str, list[Any]]:
    volunteer = _served()
    team = Organization.objects.get(code=TEAM)
    certificate = services.issue_certificate(volunteer, issuer=team, actor=None)
    return {"certificates": [certificate.pk]}


def call_certificates_operations(call: Callable[..., Any]) -> None:
    """Each certificates operation once (the city's administrator, the volunteer, anyone),
    with its 2xx answer checked."""
    volunteer = _served()
    team = Organization.objects.get(code=TEAM).pk
    issue = {"issuer": team, "registration_number": volunteer.registration_number}
    made = call("city_admin", "POST", "/certificates/", {**issue, "per_activity": True}).json()
    call("city_admin", "GET", "/certificates/", status="valid")
    call("city_admin", "GET", "/certificates/{id}/", id=made["id"])
    call("city_admin", "GET", "/certificates/{id}/pdf/", id=made["id"])
    call("city_admin", "POST", "/certificates/{id}/revoke/", {"reason": "时段写错"}, id=made["id"])
    call("anonymous", "GET", "/public/certificates/{number}/", number=made["number"])
    call.headers["certificate_volunteer"] = {  # type: ignore[attr-defined]
        "Authorization": f"Volunteer {issue_token(volunteer.mobile_digest)}"
    }
    asked = {"volunteer": volunteer.pk, "issuer": team, "start": None, "full_number": False}
    mine = call("certificate_volunteer", "POST", "/volunteer/certificates/", asked).json()
    call("certificate_volunteer", "GET", "/volunteer/certificates/")
    call(
        "certificate_volunteer",
        "GET",
        "/volunteer/certificates/{number}/pdf/",
        number=mine["number"],
    )
