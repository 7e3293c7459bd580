"""The API's contract beyond its operations: unknown paths and methods answer JSON."""

import pytest
from django.test import Client

from tests.volunteers.people import person_data
from zhiyuan.accounts.models import User
from zhiyuan.volunteers.models import RegistrationBody

pytestmark = pytest.mark.django_db

UNKNOWN = [
    "/api/v1/nonexistent/",
    "/api/v1/volunteers",  # no trailing slash: no redirect that would lose a POST's body
    "/api/v1/volunteers/1/nonexistent/",
    "/api/v2/volunteers/",
    "/api/nonexistent/",
    "/api/",
]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@pytest.mark.parametrize("path", UNKNOWN)
def test_unknown_paths_answer_a_json_404_to_every_method(path: str, registrar: User) -> None:
    """Anonymously and with a session cookie but no CSRF token (which answered a 403 page)."""
    anonymous = Client(enforce_csrf_checks=True)
    session = Client(enforce_csrf_checks=True)
    session.force_login(registrar)
    answers = {
        (method, who): (response.status_code, response["Content-Type"], response.json())
        for who, caller in (("anonymous", anonymous), ("session", session))
        for method in METHODS
        for response in [caller.generic(method, path, b"{}", content_type="application/json")]
    }
    assert answers == dict.fromkeys(answers, (404, "application/json", {"detail": "Not found."}))


def test_errors_on_list_items_are_messages_naming_the_item(api, city_admin: User, org) -> None:
    """The documented 400 body maps each field to messages; DRF answered a list field's errors
    as an object keyed by index ({"skills": {"0": [...]}}), which the schema does not allow."""
    caller = api(city_admin)
    registration = person_data(
        body=RegistrationBody.objects.get(organization__code="430602001-SC").pk,
        consent=True,
        skills=["flying", "first_aid", "x"],
    )
    area = {"name": "新区", "code": "XQ", "townships": ["430602001000", "4306020010001"]}
    answers = [
        caller.post("/api/v1/volunteers/", registration, content_type="application/json"),
        caller.post(
            f"/api/v1/organizations/{org('4306-GC').pk}/management-areas/",
            area,
            content_type="application/json",
        ),
    ]
    assert [(answer.status_code, answer.json()) for answer in answers] == [
        (
            400,
            {
                "skills": [
                    'Item 1: "flying" is not a valid choice.',
                    'Item 3: "x" is not a valid choice.',
                ]
            },
        ),
        (400, {"townships": ["Item 2: Ensure this field has no more than 12 characters."]}),
    ]
