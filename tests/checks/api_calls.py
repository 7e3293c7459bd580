"""What tests/api/test_schemathesis.py needs of the spot-check endpoints: real objects their
paths name, and one successful call of each operation, as a user would make it."""

from datetime import date
from typing import Any

from knox.models import AuthToken

from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.api.volunteer_auth import issue_token
from zhiyuan.checks import services
from zhiyuan.checks.enums import Outcome
from zhiyuan.checks.models import Case
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.selectors import local_today


def _campaign(size: int = 1) -> Any:
    today = local_today()
    return services.open_campaign(
        Organization.objects.get(code="430602001-SC"),
        actor=None,
        title="抽查",
        subject="registrations",
        period_start=date(today.year, 1, 1),
        period_end=today,
        sample_size=size,
        seed=1,
    )


def checks_known_ids() -> dict[str, list[Any]]:
    """A spot check of 岳阳楼街道 with one sampled registration and an open case."""
    registrar = User.objects.get(username="registrar")
    people.registered(registrar)
    campaign = _campaign()
    item = campaign.items.get()
    services.record_outcome(
        item, actor=None, outcome=Outcome.DENIES_REGISTRATION, note="本人否认注册"
    )
    return {
        "spot-checks": [campaign.pk],
        "check-items": [item.pk],
        "check-cases": [Case.objects.get(item=item).pk],
    }


def _token(call: Any, role: str) -> None:
    _, token = AuthToken.objects.create(user=User.objects.get(username=role))
    call.headers[role] = {"Authorization": f"Token {token}"}


def call_checks_operations(call: Any) -> None:
    """The district opens a spot check, assigns its checker, who calls and records a denial;
    the street's administrator decides the case; the city reads the rates and the files."""
    for role in ("district_admin", "checker", "street_admin"):
        _token(call, role)
    registrar = User.objects.get(username="registrar")
    for _ in range(2):
        people.registered(registrar)
    today = local_today()
    opened = call(
        "district_admin",
        "POST",
        "/spot-checks/",
        {
            "organization": Organization.objects.get(code="430602001-SC").pk,
            "title": "第二季度抽查",
            "subject": "registrations",
            "period_start": date(today.year, 1, 1).isoformat(),
            "period_end": today.isoformat(),
            "sample_size": 2,
            "seed": 7,
        },
    ).json()
    cid = opened["id"]
    call("district_admin", "GET", "/spot-checks/")
    call("district_admin", "GET", "/spot-checks/{id}/", id=cid)
    items = call("district_admin", "GET", "/spot-checks/{id}/items/", id=cid).json()["results"]
    call("district_admin", "GET", "/spot-checks/{id}/redraw/", id=cid)
    checker = User.objects.get(username="checker").pk
    call("district_admin", "POST", "/spot-checks/{id}/assign/", {"checker": checker}, id=cid)
    call("district_admin", "GET", "/spot-checks/{id}/file/", id=cid, type="xlsx")
    first, second = items[0]["id"], items[1]["id"]
    call("checker", "GET", "/check-items/")
    call("checker", "GET", "/check-items/{id}/", id=first)
    call("checker", "POST", "/check-items/{id}/phone/", id=first)
    attempt = {"method": "call", "reached": True}
    call("checker", "POST", "/check-items/{id}/attempts/", attempt, id=first)
    denial = {"outcome": "denies_registration", "note": "本人否认注册"}
    call("checker", "POST", "/check-items/{id}/outcome/", denial, id=first)
    call("checker", "POST", "/check-items/{id}/outcome/", {"outcome": "confirmed"}, id=second)
    case = Case.objects.get(item_id=first).pk
    call("street_admin", "GET", "/check-cases/")
    call("street_admin", "GET", "/check-cases/{id}/", id=case)
    call("street_admin", "GET", "/check-cases/file/", type="pdf")
    decision = {"decision": "registration_cancelled", "note": "核实为代注册"}
    call("street_admin", "POST", "/check-cases/{id}/decide/", decision, id=case)
    call("district_admin", "GET", "/check-rates/")
    call("district_admin", "POST", "/spot-checks/{id}/close/", id=cid)
    person = people.registered(registrar)
    call.headers["volunteer_checks"] = {
        "Authorization": f"Volunteer {issue_token(person.mobile_digest)}"
    }
    call("volunteer_checks", "GET", "/volunteer/reports/")
    call("volunteer_checks", "POST", "/volunteer/reports/", {"registration": person.pk})
