"""The volunteer endpoints in the OpenAPI description, and real answers checked against it
(schemathesis, as in test_schemathesis.py, with objects that exist)."""

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken

from tests.api.test_schemathesis import CHECKS, SCHEMA, django_wsgi_app
from tests.volunteers.people import person_data
from zhiyuan.accounts.models import User
from zhiyuan.volunteers import services

pytestmark = pytest.mark.django_db

PUBLIC = {
    ("/api/v1/public/registration-points/", "get"),
    ("/api/v1/public/registrations/", "post"),
    ("/api/v1/public/registrations/confirm/", "post"),
}


@pytest.fixture(scope="module")
def operations() -> dict[tuple[str, str], dict]:
    # The whole list of endpoints is tests/api/test_schema.py's; these are the volunteers' ones.
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (path, method): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if path.startswith(("/api/v1/public/registration", "/api/v1/volunteers/"))
        or path.startswith(("/api/v1/volunteer-requests/", "/api/v1/registration-"))
        or path.startswith(("/api/v1/memberships/", "/api/v1/delegations/"))
    }


def test_office_endpoints_document_their_errors(operations: dict) -> None:
    for (path, method), operation in operations.items():
        if (path, method) in PUBLIC:
            continue
        codes = set(operation["responses"])
        where = f"{method.upper()} {path}"
        assert "401" in codes, where
        assert "429" not in codes, where
        if "{" in path:
            assert "404" in codes, where
        if method in ("post", "patch"):
            assert {"400", "403"} <= codes, where
        assert operation["security"] == [{"knoxApiToken": []}, {"cookieAuth": []}], where


def test_public_endpoints_need_no_log_in_and_say_they_are_throttled(operations: dict) -> None:
    for key in PUBLIC:
        operation = operations[key]
        assert "security" not in operation, key
        assert set(operation["responses"]) - {"200", "201"} == {"400", "429"}, key


def test_no_answer_carries_an_id_number_or_phone_field(operations: dict) -> None:
    """Only masked values, and the reveal action's one `value`, leave the server."""
    # The whole list of endpoints is tests/api/test_schema.py's; these are the volunteers' ones.
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    for name in ("Volunteer", "VolunteerDetail", "CreatedVolunteer", "SelfRegistered"):
        fields = set(components[name]["properties"])
        assert not fields & {"document_number", "mobile", "guardian_mobile"}, name
        assert not fields & {"emergency_contact_phone", "address"}, name


@pytest.fixture
def auth(city_admin: User) -> dict[str, str]:
    _, token = AuthToken.objects.create(user=city_admin)
    return {"Authorization": f"Token {token}"}


def call(method: str, path: str, auth: dict[str, str], **case: Any) -> Any:
    operation = SCHEMA[f"/api/v1{path}"][method]
    if "body" in case:
        case["media_type"] = "application/json"
    response = operation.Case(**case).call_and_validate(
        app=django_wsgi_app, headers=auth, checks=CHECKS
    )
    assert response.status_code < 300, (path, response.text)
    return response


def test_known_objects_conform_to_the_schema(
    auth: dict[str, str], registrar: User, team_leader: User, body: Any, org: Any, apply, registered
) -> None:
    volunteer = registered(
        registrar, home_division="430602001001", emergency_contact_phone="13800138000"
    )
    pending = apply(registrar)
    member = services.apply_for_team(volunteer, org("430602001001-TM"))
    services.decide_membership(member, actor=team_leader, approve=True)
    services.submit_request(volunteer, kind="correction", message="地址")
    mine = body("430602001-SC")
    for path, parameters in [
        ("/volunteers/", {}),
        ("/volunteers/{id}/", {"id": volunteer.pk}),
        ("/volunteers/{id}/", {"id": pending.pk}),
        ("/volunteers/{id}/history/", {"id": volunteer.pk}),
        ("/volunteers/confirmation-progress/", {}),
        ("/volunteers/registration-points/", {}),
        ("/registration-bodies/", {}),
        ("/registration-bodies/{id}/", {"id": mine.pk}),
        ("/registration-bodies/{id}/delegations/", {"id": mine.pk}),
        ("/memberships/", {}),
        ("/volunteer-requests/", {}),
        ("/public/registration-points/", {}),
    ]:
        call("GET", path, auth, path_parameters=parameters)


def test_written_answers_conform_to_the_schema(
    auth: dict[str, str], registrar: User, body: Any, registered
) -> None:
    volunteer = registered(registrar)
    mine = body("430602001-SC").pk
    created = call(
        "POST",
        "/volunteers/",
        auth,
        body={**person_data(), "body": mine, "consent": True, "send_confirmation": False},
    )
    assert created.status_code == 201
    call(
        "POST",
        "/volunteers/{id}/reveal/",
        auth,
        path_parameters={"id": volunteer.pk},
        body={"field": "mobile", "reason": "核对"},
    )
    call("POST", "/volunteers/lookup/", auth, body={"mobile": volunteer.mobile})
    call(
        "POST", "/public/registrations/", {}, body={**person_data(), "body": mine, "consent": True}
    )
