"""Property-based checks of the whole API against its own OpenAPI description (schemathesis).

Every operation (reads and writes) is called with generated requests, valid ones and ones
that break the schema, as three callers: anonymous, the city's administrator and a street
centre's registrar (knox tokens). No answer may be a 5xx, and every answer must match the
schema: a documented status code, its content type, headers and body.

Requests go through Django's test-client handler, so they run inside the test's transaction
on the test database; each example runs in a savepoint that is rolled back, and with an empty
cache, so every example starts from the same world (a log-out or a deactivation made by one
example does not decide the next, and no throttle fills up). Random ids mostly miss, so half
of the examples of an operation on one object aim at a real one of its kind. Those objects are
made once for all the operations (`known`, in a transaction rolled back after the last one),
and each operation's test runs in a savepoint inside it: every test starts from the same
objects, as if it had made them itself.

The number of examples is bounded (EXAMPLES per operation and caller, fewer for calls that
can only answer 401) and the generation derandomised, so CI runs the same cases each time.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.db import transaction
from django.test.client import ClientHandler
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.activities.conftest import make_open_slot, make_volunteer
from tests.activities.test_signups import member
from tests.anomalies.api_calls import anomalies_known_ids, call_anomalies_operations
from tests.assistance.api_calls import assistance_known_ids, call_assistance_operations
from tests.awards.api_calls import awards_known_ids, call_awards_operations
from tests.certificates.api_calls import call_certificates_operations, certificates_known_ids
from tests.checks.api_calls import call_checks_operations, checks_known_ids
from tests.conftest import PASSWORD
from tests.factories import (
    MembershipFactory,
    RosterImportFactory,
    VolunteerRequestFactory,
)
from tests.hours.api_calls import call_hours_operations, hours_known_ids
from tests.recognition.api_calls import call_recognition_operations, recognition_known_ids
from tests.reports.api_calls import call_reporting_operations, reporting_known_ids
from tests.volunteers import people
from tests.volunteers.people import person_data, synthetic_id, synthetic_mobile
from tests.workplan.api_calls import call_workplan_operations, workplan_known_ids
from zhiyuan.accounts.models import Role, User
from zhiyuan.activities import services as activity_services
from zhiyuan.activities.models import Slot
from zhiyuan.common.models import Export
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Delegation, RegistrationBody

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 12
#: An anonymous call of an operation that needs a log-in can only answer 401.
EXAMPLES_REFUSED = 3
ROLES = ["anonymous", "city_admin", "registrar"]
MULTIPART = "multipart/form-data"

OPENAPI = SchemaGenerator().get_schema(request=None, public=True)
SCHEMA = schemathesis.openapi.from_dict(OPENAPI)
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in OPENAPI["paths"].items()
    for method in item
    if method in ("get", "post", "put", "patch", "delete")
)


def django_wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A WSGI application over the Django test client's handler, which (unlike the plain
    WSGI handler) keeps the test's database connection open across requests."""
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    headers = list(response.items())
    headers += [("Set-Cookie", cookie.OutputString()) for cookie in response.cookies.values()]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return [b"".join(response) if response.streaming else response.content]


def headers_of(role: str) -> dict[str, str]:
    if role == "anonymous":
        return {}
    _, token = AuthToken.objects.create(user=User.objects.get(username=role))
    return {"Authorization": f"Token {token}"}


def known_ids(registered: Callable[..., Any], apply: Callable[..., Any]) -> dict[str, list[Any]]:
    """Real objects of each kind an operation's path names, by the path's first segment."""
    registrar = User.objects.get(username="registrar")
    street = RegistrationBody.objects.get(organization__code="430602001-SC")
    request = VolunteerRequestFactory()
    slot = make_open_slot()
    signup = activity_services.sign_up(slot, registered(registrar))
    return {
        "activities": [slot.activity_id],
        "slots": [slot.pk],
        "signups": [signup.pk],
        "volunteer": [signup.pk],
        "public": [slot.activity_id],
        "accounts": [registrar.pk, User.objects.get(username="viewer").pk],
        "role_id": [Role.objects.get(user=registrar).pk],
        "organizations": [street.organization.pk, Organization.objects.get(code="430602-GC").pk],
        "registration-bodies": [street.pk],
        "delegations": [Delegation.objects.get(body=street).pk],
        "divisions": ["430602001000", "430602001001"],
        "exports": [Export.objects.create(requested_by=registrar, kind="volunteers.ledger").pk],
        "memberships": [MembershipFactory().pk],
        "roster-imports": [RosterImportFactory().pk],
        "volunteer-requests": [request.pk],
        "volunteers": [request.volunteer.pk, registered(registrar).pk, apply(registrar).pk],
        **hours_known_ids(registered),
        **reporting_known_ids(),
        **workplan_known_ids(),
        **checks_known_ids(),
        **certificates_known_ids(),
        **recognition_known_ids(),
        **awards_known_ids(),
        **anomalies_known_ids(),
        **assistance_known_ids(),
    }


def aimed(case: Any, ids: dict[str, list[Any]], pick: int | None) -> Any:
    """`case` with its path parameters set to real objects (the `pick`-th of each kind)."""
    if pick is None or not case.path_parameters:
        return case
    resource = case.path.split("/")[3]
    for name in case.path_parameters:
        choices = ids[name] if name in ids else ids[resource]
        case.path_parameters[name] = choices[pick % len(choices)]
    return case


@pytest.fixture(scope="class")
def known(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, list[Any]]]:
    """`known_ids`, made once for every operation's test (making them takes longer than an
    operation's examples), in a transaction rolled back after the last test of the class. Each
    test runs in a savepoint inside it (pytest-django's `db`), so it starts from these objects
    and from nothing another test wrote."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield known_ids(people.registered, people.apply)
        transaction.set_rollback(True)


class TestEveryOperation:
    """The generated requests of every operation and caller, sharing `known`'s objects."""

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize(("method", "path"), OPERATIONS)
    def test_conforms_to_the_schema(
        self, method: str, path: str, role: str, known: dict[str, list[Any]]
    ) -> None:
        operation = SCHEMA[path][method]
        public = "security" not in OPENAPI["paths"][path][method.lower()]
        headers = headers_of(role)
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @given(case=cases, pick=st.none() | st.integers(min_value=0, max_value=2))
        @settings(
            max_examples=EXAMPLES if public or role != "anonymous" else EXAMPLES_REFUSED,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any, pick: int | None) -> None:
            cache.clear()  # throttles and lock-outs count in the cache
            with transaction.atomic():
                aimed(case, known, pick).call_and_validate(
                    app=django_wsgi_app, headers=headers, checks=CHECKS
                )
                transaction.set_rollback(True)

        check()


class Caller:
    """Calls operations as documented and validates each answer against the schema, keeping
    which operations answered a success (2xx)."""

    def __init__(self) -> None:
        self.succeeded: set[tuple[str, str]] = set()
        self.headers = {role: headers_of(role) for role in ROLES}

    def __call__(
        self,
        role: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        media_type: str = "application/json",
        **parameters: Any,
    ) -> Any:
        operation = SCHEMA[f"/api/v1{path}"][method]
        names = {parameter.name for parameter in operation.path_parameters}
        case = operation.Case(
            path_parameters={k: v for k, v in parameters.items() if k in names},
            query={k: v for k, v in parameters.items() if k not in names} or None,
            **({"body": body, "media_type": media_type} if body is not None else {}),
        )
        response = case.call_and_validate(
            app=django_wsgi_app, headers=self.headers[role], checks=CHECKS
        )
        assert 200 <= response.status_code < 300, (method, path, response.text)
        self.succeeded.add((method, f"/api/v1{path}"))
        return response


def test_every_operation_answers_a_success_that_conforms_to_the_schema(
    org: Any, body: Any, outbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    """Generated requests seldom succeed (a valid ID number is rare among random strings), so
    each operation is also called once as a user would call it, and its 2xx answer checked."""
    call = Caller()
    street, other = body("430602001-SC"), body("430602002-SC")
    centre, team, city = org("430602001-SC").pk, org("430602001001-TM").pk, org("4306-GC").pk
    station = org("430602001002-ST").pk
    for path in ("/me/", "/audit/", "/divisions/", "/organizations/", "/organizations/tree/"):
        call("city_admin", "GET", path)
    call("city_admin", "GET", "/divisions/{code}/", code="430602001000")
    call("city_admin", "GET", "/divisions/{code}/children/", code="430602001000")
    call("city_admin", "GET", "/organizations/{id}/", id=centre)
    call("city_admin", "GET", "/organizations/{id}/children/", id=centre)
    call("city_admin", "GET", "/reports/attachment3/", organization=centre)
    for number in (5, 6, 7):
        call("city_admin", "GET", f"/reports/attachment{number}/", organization=centre)
    call("city_admin", "GET", "/standards/{organization}/", organization=station)
    assessed = {"item": "rules", "met": True, "assessed_on": str(timezone.localdate())}
    call(
        "city_admin", "POST", "/standards/{organization}/assessments/", assessed, organization=team
    )

    # volunteers, as the street centre's registrar
    person = person_data(body=street.pk, consent=True, send_confirmation=False)
    vid = call("registrar", "POST", "/volunteers/", person).json()["id"]
    call("registrar", "GET", "/volunteers/")
    call("registrar", "GET", "/volunteers/{id}/", id=vid)
    call("registrar", "PATCH", "/volunteers/{id}/", {"occupation": "教师"}, id=vid)
    call("registrar", "POST", "/volunteers/{id}/send-confirmation/", id=vid)
    call("registrar", "POST", "/volunteers/lookup/", {"mobile": person["mobile"]})
    reason = {"reason": "本人到场签字"}
    call("registrar", "POST", "/volunteers/{id}/confirm-in-person/", reason, id=vid)
    call("registrar", "POST", "/volunteers/{id}/suspend/", reason, id=vid)
    call("registrar", "POST", "/volunteers/{id}/reinstate/", id=vid)
    call("registrar", "POST", "/volunteers/{id}/reregister/", {}, id=vid)
    reveal = {"field": "document_number", "reason": "核对保险名单"}
    call("registrar", "POST", "/volunteers/{id}/reveal/", reveal, id=vid)
    call("registrar", "GET", "/volunteers/{id}/history/", id=vid)
    call("registrar", "GET", "/volunteers/registration-points/")
    call("registrar", "GET", "/volunteers/confirmation-progress/")
    applied = call(
        "registrar",
        "POST",
        "/volunteers/",
        {**person, "document_number": synthetic_id(), "mobile": synthetic_mobile()},
    ).json()
    pending = {"organization": centre}
    preview = call("registrar", "GET", "/volunteers/send-confirmations/", **pending).json()
    expected = {**pending, "expected": preview["to_send"]}
    call("registrar", "POST", "/volunteers/send-confirmations/", expected)
    call("registrar", "POST", "/volunteers/{id}/withdraw/", reason, id=applied["id"])

    # teams and volunteers' requests
    membership = call("registrar", "POST", "/memberships/", {"volunteer": vid, "team": team})
    call("city_admin", "POST", "/memberships/{id}/approve/", id=membership.json()["id"])
    call("city_admin", "POST", "/memberships/{id}/leave/", id=membership.json()["id"])
    membership = call("registrar", "POST", "/memberships/", {"volunteer": vid, "team": team})
    call("city_admin", "POST", "/memberships/{id}/reject/", id=membership.json()["id"])
    call("registrar", "GET", "/memberships/")
    request = VolunteerRequestFactory()
    call("registrar", "GET", "/volunteer-requests/")
    handled = {"done": True, "response": "已更正"}
    call("registrar", "POST", "/volunteer-requests/{id}/handle/", handled, id=request.pk)
    transfer = {"body": other.pk}
    call("city_admin", "POST", "/volunteers/{id}/transfer/", transfer, id=vid)
    cancel = {"kind": "volunteer_request", "reason": "本人申请注销"}
    call("city_admin", "POST", "/volunteers/{id}/cancel/", cancel, id=vid)

    # rosters
    roster = (
        "姓名,身份证号,手机号\r\n"
        f"{person['name']},{person_data()['document_number']},{synthetic_mobile()}\r\n"
    ).encode()
    upload = {"file": roster, "body": street.pk, "consent_affirmed": "true"}
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = call("registrar", "POST", "/roster-imports/", upload, media_type=MULTIPART)
    rid = uploaded.json()["id"]
    call("registrar", "GET", "/roster-imports/")
    call("registrar", "GET", "/roster-imports/{id}/", id=rid)
    call("registrar", "POST", "/roster-imports/{id}/report/", {"reason": "核对"}, id=rid)
    call("registrar", "POST", "/roster-imports/{id}/commit/", {"mode": "valid_only"}, id=rid)
    call("registrar", "GET", "/roster-imports/template/")

    # exports (a small ledger: written at once)
    export = call("registrar", "POST", "/exports/ledger/", {"status": "active"}).json()
    call("registrar", "GET", "/exports/")
    call("registrar", "GET", "/exports/{id}/", id=export["id"])
    call("registrar", "GET", "/exports/{id}/download/", id=export["id"])

    # accounts
    account = {
        "name": "新查看员",
        "username": "new_viewer",
        "mobile": "13700000099",
        "organization": centre,
        "kind": "viewer",
        "send_invitation": False,
    }
    uid = call("city_admin", "POST", "/accounts/", account).json()["id"]
    call("city_admin", "GET", "/accounts/")
    call("city_admin", "GET", "/accounts/{id}/", id=uid)
    call("city_admin", "PATCH", "/accounts/{id}/", {"name": "改名"}, id=uid)
    call("city_admin", "POST", "/accounts/{id}/invite/", id=uid)
    role = call(
        "city_admin",
        "POST",
        "/accounts/{id}/roles/",
        {"organization": station, "kind": "checker"},
        id=uid,
    )
    call(
        "city_admin", "DELETE", "/accounts/{id}/roles/{role_id}/", id=uid, role_id=role.json()["id"]
    )
    call("city_admin", "POST", "/accounts/{id}/deactivate/", id=uid)
    call("city_admin", "POST", "/accounts/{id}/reactivate/", id=uid)

    # organisations, bodies and delegations
    unit = {"code": "NEW-1", "name": "新队", "kind": "service_team"}
    new = call("city_admin", "POST", "/organizations/{id}/children/", unit, id=centre).json()["id"]
    call("city_admin", "PATCH", "/organizations/{id}/", {"address": "南湖大道 1 号"}, id=new)
    call("city_admin", "POST", "/organizations/{id}/deactivate/", id=new)
    call("city_admin", "POST", "/organizations/{id}/activate/", id=new)
    call("city_admin", "POST", "/organizations/{id}/build-structure/", id=city)
    area = {"name": "南湖风景区", "code": "NHFJQ", "townships": ["430603001000"]}
    call("city_admin", "POST", "/organizations/{id}/management-areas/", area, id=city)
    call("city_admin", "GET", "/registration-bodies/")
    call("city_admin", "GET", "/registration-bodies/{id}/", id=street.pk)
    call("city_admin", "GET", "/registration-bodies/{id}/delegations/", id=street.pk)
    designation = {"organization": org("430602001-TM").pk, "code": "YYL01"}
    call("city_admin", "POST", "/registration-bodies/", designation)
    grant = {"organization": station, "note": "协议 2026-7"}
    delegation = call(
        "city_admin", "POST", "/registration-bodies/{id}/delegations/", grant, id=street.pk
    )
    call("city_admin", "POST", "/delegations/{id}/revoke/", id=delegation.json()["id"])

    # activities: the office's, anyone's, a volunteer's (by mobile and code)
    details = {"organizer": team, "title": "河道清洁", "category": "environment"}
    details |= {"address": "南湖边", "division": "430602001001"}
    aid = call("city_admin", "POST", "/activities/", details).json()["id"]
    call("city_admin", "GET", "/activities/")
    call("city_admin", "GET", "/activities/{id}/", id=aid)
    call("city_admin", "PATCH", "/activities/{id}/", {"minimum_age": 16}, id=aid)
    start = timezone.now() + timedelta(days=1)
    times = {"starts_at": start.isoformat(), "capacity": 2}
    times["ends_at"] = (start + timedelta(hours=3)).isoformat()
    sid = call("city_admin", "POST", "/activities/{id}/slots/", times, id=aid).json()["id"]
    spare = call("city_admin", "POST", "/activities/{id}/slots/", times, id=aid).json()
    call("city_admin", "DELETE", "/slots/{id}/", id=spare["id"])
    call("city_admin", "POST", "/activities/{id}/publish/", id=aid)
    call("city_admin", "GET", "/slots/{id}/", id=sid)
    call("city_admin", "PATCH", "/slots/{id}/", {"capacity": 3}, id=sid)
    call("anonymous", "GET", "/public/activities/")
    call("anonymous", "GET", "/public/activities/{id}/", id=aid)
    mobile = {"mobile": make_volunteer().mobile}
    with django_capture_on_commit_callbacks(execute=True):
        ticket = call("anonymous", "POST", "/volunteer/login/code/", mobile).json()
    ticket["code"] = outbox[-1].params["code"]
    token = call("anonymous", "POST", "/volunteer/login/", ticket).json()["token"]
    call.headers["volunteer"] = {"Authorization": f"Volunteer {token}"}
    call("volunteer", "GET", "/volunteer/activities/")
    mine = call("volunteer", "POST", "/volunteer/signups/", {"slot": sid}).json()
    call("volunteer", "GET", "/volunteer/signups/")
    call("volunteer", "POST", "/volunteer/signups/{id}/cancel/", {}, id=mine["id"])
    group = {"team": team, "volunteers": [member(make_volunteer()).pk]}
    call("city_admin", "POST", "/slots/{id}/group-signups/", group, id=sid)
    call("city_admin", "GET", "/slots/{id}/signups/", id=sid)
    approval = make_open_slot(needs_approval=True)
    first, second = (activity_services.sign_up(approval, make_volunteer()).pk for _ in range(2))
    call("city_admin", "POST", "/signups/{id}/approve/", id=first)
    call("city_admin", "POST", "/signups/{id}/reject/", {"reason": "人数已满"}, id=second)
    call("city_admin", "POST", "/signups/{id}/cancel/", {"reason": "重复"}, id=first)
    call("city_admin", "POST", "/activities/{id}/cancel/", {"reason": "暴雨"}, id=aid)
    ended = make_open_slot()
    Slot.objects.filter(pk=ended.pk).update(starts_at=start - timedelta(days=3))
    Slot.objects.filter(pk=ended.pk).update(ends_at=start - timedelta(days=2))
    call("city_admin", "POST", "/activities/{id}/finish/", id=ended.activity_id)

    # anonymous: registering oneself, and logging in and out
    call("anonymous", "GET", "/public/registration-points/")
    own = person_data(body=street.pk, consent=True)
    with django_capture_on_commit_callbacks(execute=True):
        call("anonymous", "POST", "/public/registrations/", own)
    code = re.search(r"\b\d{6}\b", outbox[-1].params["code"]).group()
    confirm = {"mobile": own["mobile"], "code": code}
    call("anonymous", "POST", "/public/registrations/confirm/", confirm)
    for path in ("/auth/logout/", "/auth/logoutall/"):
        login = {"identifier": "viewer", "password": PASSWORD}
        token = call("anonymous", "POST", "/auth/login/", login).json()["token"]
        call.headers["fresh"] = {"Authorization": f"Token {token}"}
        call("fresh", "POST", path)

    call_hours_operations(call)
    call_reporting_operations(call)
    call_workplan_operations(call)
    call_checks_operations(call)
    call_certificates_operations(call)
    call_recognition_operations(call)
    call_awards_operations(call)
    call_anomalies_operations(call)
    call_assistance_operations(call)
    assert call.succeeded == set(OPERATIONS)
