"""Property-based checks of the API against its own OpenAPI description (schemathesis).

For every read operation, generated requests (valid ones, and ones that break the schema)
must never cause a 5xx, and every answer must match the schema: status code, content type,
headers and body. Requests go through Django's test-client handler, so they run inside the
test's transaction on the test database.
"""

from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from django.test.client import ClientHandler
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

from zhiyuan.accounts.models import User

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
OPENAPI = SchemaGenerator().get_schema(request=None, public=True)
SCHEMA = schemathesis.openapi.from_dict(OPENAPI)
READS = sorted(path for path, item in OPENAPI["paths"].items() if "get" in item)


def django_wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A WSGI application over the Django test client's handler, which (unlike the plain
    WSGI handler) keeps the test's database connection open across requests."""
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    headers = list(response.items())
    headers += [("Set-Cookie", cookie.OutputString()) for cookie in response.cookies.values()]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return [response.content]


@pytest.fixture
def auth(city_admin: User) -> dict[str, str]:
    _, token = AuthToken.objects.create(user=city_admin)
    return {"Authorization": f"Token {token}"}


@pytest.mark.parametrize("path", READS)
def test_read_endpoints_conform_to_the_schema(path: str, auth: dict[str, str]) -> None:
    operation = SCHEMA[path]["GET"]
    modes = [GenerationMode.POSITIVE]
    if operation.path_parameters or operation.query:
        modes.append(GenerationMode.NEGATIVE)
    cases = st.one_of(*(operation.as_strategy(mode) for mode in modes))

    @given(case=cases)
    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case: Any) -> None:
        case.call_and_validate(app=django_wsgi_app, headers=auth, checks=CHECKS)

    check()


def test_known_objects_conform_to_the_schema(auth: dict[str, str], org: Any) -> None:
    """Random ids mostly miss; these calls hit real objects, so their 200 bodies are checked."""
    calls = [
        ("/divisions/{code}/", {"code": "430602001001"}),
        ("/divisions/{code}/children/", {"code": "430602001000"}),
        ("/organizations/{id}/", {"id": org("430602001001-ST").pk}),
        ("/organizations/{id}/children/", {"id": org("430602001-SC").pk}),
    ]
    for path, parameters in calls:
        case = SCHEMA[f"/api/v1{path}"]["GET"].Case(path_parameters=parameters)
        response = case.call_and_validate(app=django_wsgi_app, headers=auth, checks=CHECKS)
        assert response.status_code == 200, path
