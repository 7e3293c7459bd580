"""What tests/api/test_schemathesis.py needs of the priority-help endpoints: real objects their
paths name (a request of a registered volunteer at 郭亮社区, open, and one taken), and one
successful call of each operation, as a user would make it."""

from datetime import timedelta
from typing import Any

from tests.assistance.conftest import GUOLIANG, TEAM, details
from tests.factories import ActivityFactory, MembershipFactory
from tests.hours.conftest import days_ago
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.api.volunteer_auth import issue_token
from zhiyuan.assistance import services
from zhiyuan.assistance.enums import HelpChannel, HelpKind, Urgency
from zhiyuan.volunteers.enums import MembershipStatus


def assistance_known_ids() -> dict[str, list[Any]]:
    """Two requests of 郭亮社区: one open, one taken by its team leader."""
    registrar = User.objects.get(username="registrar")
    made = [
        services.ask_for_help(
            people.registered(registrar), actor=None, channel=HelpChannel.PORTAL, details=details()
        )
        for _ in range(2)
    ]
    services.take_request(made[1], actor=User.objects.get(username="team_leader"))
    return {"help-requests": [row.pk for row in made]}


def call_assistance_operations(call: Any) -> None:
    """The city's administrator enters a call by phone for a volunteer of 岳阳楼街道, reads the
    queue and the request, takes it for 郭亮社区's team and records the outcome with two
    helpers' hours under the team's standing activity, then reads the response times; the
    volunteer (by their token) asks for help, lists their requests and withdraws one."""
    registrar = User.objects.get(username="registrar")
    volunteer = people.registered(registrar)
    asked = {"kind": HelpKind.ESCORT, "division": GUOLIANG, "address": "郭亮社区5栋101"}
    asked |= {"urgency": Urgency.ROUTINE, "asked_by_name": "王芳", "asked_by_relation": "妻子"}
    made = call("city_admin", "POST", "/help-requests/", {**asked, "volunteer": volunteer.pk})
    pk = made.json()["id"]
    call("city_admin", "GET", "/help-requests/", order="age")
    routes = call("city_admin", "GET", "/help-requests/{id}/", id=pk).json()["routes"]
    team_id = next(route["id"] for route in routes if route["code"] == TEAM)
    call("city_admin", "POST", "/help-requests/{id}/take/", {"organization": team_id}, id=pk)
    call("city_admin", "POST", "/help-requests/{id}/phone/", id=pk)
    helpers = [MembershipFactory(status=MembershipStatus.APPROVED).volunteer for _ in range(2)]
    activity = ActivityFactory(title="注册志愿者优先帮扶")
    start = days_ago(1, 9)
    done = {"outcome": "陪同去医院复查", "helpers": [h.pk for h in helpers]}
    done |= {"activity": activity.pk, "start": start.isoformat()}
    done["end"] = (start + timedelta(hours=3)).isoformat()
    call("city_admin", "POST", "/help-requests/{id}/outcome/", done, id=pk)
    today = str(start.date() + timedelta(days=1))
    call("city_admin", "GET", "/help-requests/response-times/", start=str(start.date()), end=today)

    call.headers["help_volunteer"] = {
        "Authorization": f"Volunteer {issue_token(volunteer.mobile_digest)}"
    }
    mine = {**asked, "volunteer": volunteer.pk, "asked_by_name": "", "asked_by_relation": ""}
    own = call("help_volunteer", "POST", "/volunteer/help-requests/", mine).json()
    call("help_volunteer", "GET", "/volunteer/help-requests/")
    call("help_volunteer", "POST", "/volunteer/help-requests/{id}/withdraw/", id=own["id"])
