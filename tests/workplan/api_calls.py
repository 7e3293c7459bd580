"""What tests/api/test_schemathesis.py needs of the work plan's endpoints: real objects their
paths name, and one successful call of each operation, as a user would make it."""

from datetime import timedelta
from typing import Any

from knox.models import AuthToken

from zhiyuan.accounts.models import User
from zhiyuan.organizations.models import Organization
from zhiyuan.workplan import selectors, services
from zhiyuan.workplan.models import StepReport


def workplan_known_ids() -> dict[str, list[Any]]:
    """A step of the city asking the streets, with 岳阳楼街道's report awaiting review."""
    city = Organization.objects.get(code="4306-GC")
    street = Organization.objects.get(code="430602001-SC")
    step = services.save_step(
        city,
        actor=None,
        name="准备部署",
        due_date=selectors.local_today() + timedelta(days=30),
        levels=["street"],
    )
    made = StepReport.objects.create(
        step=step, organization=street, responsible_person="张三", contact_phone="19900001111"
    )
    return {"workplan-steps": [step.pk], "workplan-reports": [made.pk]}


def _token(call: Any, role: str) -> None:
    _, token = AuthToken.objects.create(user=User.objects.get(username=role))
    call.headers[role] = {"Authorization": f"Token {token}"}


def call_workplan_operations(call: Any) -> None:
    """The city sets its steps; a street reports two; the district returns one and accepts the
    other; the city reads the board and downloads it."""
    for role in ("street_admin", "district_admin"):
        _token(call, role)
    city = Organization.objects.get(code="4306-GC").pk
    street = Organization.objects.get(code="430602001-SC").pk
    year = selectors.local_today().year + 1
    added = call(
        "city_admin", "POST", "/workplan-steps/defaults/", {"organization": city, "year": year}
    ).json()
    due = (selectors.local_today() + timedelta(days=20)).isoformat()
    step = {"organization": city, "name": "自查", "due_date": due, "levels": ["street"]}
    own = call("city_admin", "POST", "/workplan-steps/", step).json()
    call("city_admin", "GET", "/workplan-steps/")
    call("city_admin", "GET", "/workplan-steps/{id}/", id=own["id"])
    change = {"name": "自查自纠", "due_date": due, "levels": ["street", "district"]}
    call("city_admin", "PATCH", "/workplan-steps/{id}/", change, id=own["id"])
    person = {"responsible_person": "王五", "contact_phone": "19900002222"}
    preparation = next(s for s in added if s["code"] == "preparation")
    first = call(
        "street_admin",
        "POST",
        "/workplan-reports/",
        {"step": preparation["id"], "organization": street, **person},
    ).json()
    second = call(
        "street_admin",
        "POST",
        "/workplan-reports/",
        {"step": own["id"], "organization": street, **person},
    ).json()
    call("street_admin", "GET", "/workplan-reports/")
    call("street_admin", "GET", "/workplan-reports/{id}/", id=first["id"])
    call("district_admin", "POST", "/workplan-reports/{id}/accept/", id=first["id"])
    reason = {"reason": "电话核实"}
    call("district_admin", "POST", "/workplan-reports/{id}/reveal-contact/", reason, id=first["id"])
    call(
        "district_admin",
        "POST",
        "/workplan-reports/{id}/return/",
        {"reason": "缺少附件"},
        id=second["id"],
    )
    call("city_admin", "GET", "/workplan/board/", under=street)
    call("city_admin", "GET", "/workplan/board/file/", under=street, type="xlsx")
