"""Identifiers travel as text: a JSON number for an ID number, a phone or a code is refused.

A JSON number holds about 15 significant digits and no leading zeros: 110105198506028123 arrives
as 110105198506028000 (which passes the check digit) from any JavaScript client, and a code
such as 012345 as 12345. Every input field holding one is an `IdentifierField`.
"""

import re
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from tests.volunteers.people import person_data, synthetic_mobile
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers.models import RegistrationBody, Volunteer

pytestmark = pytest.mark.django_db

ID_NUMBER = "Send the ID number as text: a JSON number cannot hold 18 digits exactly."
PHONE = (
    "Send the phone number as text: a JSON number drops leading zeros and cannot hold long "
    "numbers exactly."
)
CODE = (
    "Send the code as text: a JSON number drops leading zeros and cannot hold long codes exactly."
)
USERNAME = "Send the username or mobile number as text, not as a JSON number."
# Excel's 15 significant digits: the damaged number still passes the MOD 11-2 check.
DAMAGED = 110105198506028000

PERSON = [
    "document_number",
    "work_unit",
    "mobile",
    "home_division",
    "emergency_contact_phone",
    "guardian_mobile",
]
IDENTIFIER_NAME = re.compile(
    r"(^|_)(code|codes|mobile|phone|document_number|identifier|username|townships|"
    r"home_division|work_unit)$"
)


def _request_serializers() -> dict[str, serializers.Serializer]:
    """The serializer of every request body in the OpenAPI description, by component name."""
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    names = {
        content["schema"]["$ref"].rsplit("/", 1)[1]
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "requestBody" in operation
        for content in operation["requestBody"]["content"].values()
    }
    return {
        name: generator.registry[ResolvedComponent(name, ResolvedComponent.SCHEMA)].object
        for name in names
    }


# Fields whose names look like identifiers but hold no number a person types: normalising them as
# one (full-width digits, separators) would break them.
NOT_IDENTIFIERS = {
    "VolunteerCheckRequest.code": "the slot's QR code as scanned: a URL or its signed token",
}


def test_every_identifier_in_a_request_body_is_an_identifier_field() -> None:
    found: dict[str, str] = {}
    for name, serializer in _request_serializers().items():
        for field_name, field in serializer.fields.items():
            if field.read_only or not IDENTIFIER_NAME.search(field_name):
                continue
            if f"{name}.{field_name}" in NOT_IDENTIFIERS:
                assert type(field).__name__ == "CharField"
                continue
            leaf = field.child if isinstance(field, serializers.ListField) else field
            found[f"{name}.{field_name}"] = type(leaf).__name__
    assert found == {
        f"{name}.{field}": "IdentifierField"
        for name, fields in {
            "AccountCreateRequest": ["username", "mobile"],
            "PatchedAccountUpdateRequest": ["mobile"],
            "ConfirmRequest": ["mobile", "code"],
            "DesignationRequest": ["code"],
            "LoginRequest": ["identifier"],
            "LookupRequest": ["document_number", "mobile"],
            "ManagementAreaRequest": ["code", "townships"],
            "MobileRequest": ["mobile"],
            "OrganizationCreateRequest": ["code", "credit_code", "contact_phone"],
            "PatchedOrganizationUpdateRequest": ["credit_code", "contact_phone"],
            "PatchedPersonRequest": PERSON,
            "RegistrationRequest": PERSON,
            "ReportCreateRequest": ["contact_phone"],
            "VolunteerCreateRequest": PERSON,
            "VolunteerLoginRequest": ["code"],
        }.items()
        for field in fields
    }


def _registration(**overrides: Any) -> dict[str, Any]:
    centre = RegistrationBody.objects.get(organization__code="430602001-SC")
    return {**person_data(), "body": centre.pk, "consent": True, **overrides}


def test_an_id_number_sent_as_a_json_number_is_refused_never_stored(
    api, registrar: User, client
) -> None:
    """The issue's case: the damaged number passes the check and was stored."""
    audited = AuditEntry.objects.count()
    answers = [
        caller.post(url, _registration(document_number=DAMAGED), content_type="application/json")
        for caller, url in (
            (api(registrar), "/api/v1/volunteers/"),
            (client, "/api/v1/public/registrations/"),
        )
    ]
    assert [(answer.status_code, answer.json()) for answer in answers] == [
        (400, {"document_number": [ID_NUMBER]}),
        (400, {"document_number": [ID_NUMBER]}),
    ]
    assert (Volunteer.objects.count(), AuditEntry.objects.count()) == (0, audited)


def test_the_same_number_as_text_is_checked_as_usual(api, registrar: User) -> None:
    answer = api(registrar).post(
        "/api/v1/volunteers/",
        _registration(document_number=str(DAMAGED)),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    assert Volunteer.objects.get().document_number == str(DAMAGED)


def test_every_identifier_field_refuses_numbers_with_its_message(
    api, client, city_admin: User, registrar: User, org, registered
) -> None:
    volunteer = registered(registrar)
    city = org("4306-GC").pk
    mobile = int(synthetic_mobile())
    calls: list[tuple[Any, str, str, dict[str, Any], dict[str, list[str]]]] = [
        (
            api(registrar),
            "post",
            "/api/v1/volunteers/",
            _registration(
                mobile=mobile,
                emergency_contact_phone=mobile,
                guardian_mobile=mobile,
                home_division=430602001001,
                work_unit=12,
            ),
            {
                "mobile": [PHONE],
                "emergency_contact_phone": [PHONE],
                "guardian_mobile": [PHONE],
                "home_division": [CODE],
                "work_unit": [CODE],
            },
        ),
        (
            api(registrar),
            "patch",
            f"/api/v1/volunteers/{volunteer.pk}/",
            {"document_number": DAMAGED, "mobile": 13800138000.0},
            {"document_number": [ID_NUMBER], "mobile": [PHONE]},
        ),
        (
            api(registrar),
            "post",
            "/api/v1/volunteers/lookup/",
            {"document_number": DAMAGED},
            {"document_number": [ID_NUMBER]},
        ),
        (
            api(registrar),
            "post",
            "/api/v1/volunteers/lookup/",
            {"mobile": mobile},
            {"mobile": [PHONE]},
        ),
        (
            client,
            "post",
            "/api/v1/public/registrations/confirm/",
            {"mobile": mobile, "code": 12345},
            {"mobile": [PHONE], "code": [CODE]},
        ),
        (
            client,
            "post",
            "/api/v1/auth/login/",
            {"identifier": 13900000001, "password": "x"},
            {"identifier": [USERNAME]},
        ),
        (
            api(city_admin),
            "post",
            "/api/v1/accounts/",
            {"name": "新人", "username": 1001, "mobile": mobile, "organization": city},
            {"username": [USERNAME], "mobile": [PHONE], "kind": ["This field is required."]},
        ),
        (
            api(city_admin),
            "patch",
            f"/api/v1/accounts/{registrar.pk}/",
            {"mobile": mobile},
            {"mobile": [PHONE]},
        ),
        (
            api(city_admin),
            "post",
            f"/api/v1/organizations/{city}/children/",
            {"code": 4306990, "name": "单位", "credit_code": 9143, "contact_phone": mobile},
            {
                "code": [CODE],
                "kind": ["This field is required."],
                "credit_code": [CODE],
                "contact_phone": [PHONE],
            },
        ),
        (
            api(city_admin),
            "patch",
            f"/api/v1/organizations/{city}/",
            {"credit_code": 9143, "contact_phone": mobile},
            {"credit_code": [CODE], "contact_phone": [PHONE]},
        ),
        (
            api(city_admin),
            "post",
            f"/api/v1/organizations/{city}/management-areas/",
            {"name": "新区", "code": 1, "townships": ["430602001000", 430602002000]},
            {"code": [CODE], "townships": [f"Item 2: {CODE}"]},
        ),
        (
            api(city_admin),
            "post",
            "/api/v1/registration-bodies/",
            {"organization": city, "code": 4306},
            {"code": [CODE]},
        ),
    ]
    before = AuditEntry.objects.count()
    answers = [
        (getattr(caller, method)(url, data, content_type="application/json"), errors)
        for caller, method, url, data, errors in calls
    ]
    assert [(answer.status_code, answer.json()) for answer, _ in answers] == [
        (400, errors) for _, errors in answers
    ]
    assert AuditEntry.objects.count() == before
