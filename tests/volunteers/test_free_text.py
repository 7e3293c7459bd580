"""Reasons, responses, notes and messages are kept in clear (in the registration, the audit
log, the request inbox): every service that takes one refuses control characters (PostgreSQL
refused a NUL with a 500), text beyond its limit, and ID or mobile numbers."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tests.volunteers import people
from tests.volunteers.people import STREET, synthetic_id
from zhiyuan.accounts import services as accounts
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations import services as organizations
from zhiyuan.organizations.enums import OrgKind, OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import documents, exports, selectors, services
from zhiyuan.volunteers.enums import RegistrationStatus, RequestKind
from zhiyuan.volunteers.models import RegistrationBody, VolunteerRequest

pytestmark = pytest.mark.django_db

PHONE_IN_TEXT = "已电话 139-1234-5678 核实本人"
BAD_TEXTS = {
    "control": "到场\x00签字确认",
    "personal_number": PHONE_IN_TEXT,
    "too_long": "到场签字" * 300,
}


def _request(registrar: User) -> VolunteerRequest:
    return services.submit_request(
        people.registered(registrar), kind=RequestKind.CORRECTION, message="改名"
    )


CALLS: dict[str, tuple[str, Callable[[User, str], Any]]] = {
    "confirm in person": (
        "reason",
        lambda u, text: services.confirm_in_person(people.apply(u), actor=u, reason=text),
    ),
    "suspend": (
        "reason",
        lambda u, text: services.suspend_registration(people.registered(u), actor=u, reason=text),
    ),
    "cancel": (
        "reason",
        lambda u, text: services.cancel_registration(
            people.registered(u), actor=u, kind="refusal_of_duties", reason=text
        ),
    ),
    "withdraw": (
        "reason",
        lambda u, text: services.withdraw_application(people.apply(u), actor=u, reason=text),
    ),
    "reveal": (
        "reason",
        lambda u, text: services.reveal_personal_data(
            people.registered(u), "mobile", actor=u, reason=text
        ),
    ),
    "request": (
        "message",
        lambda u, text: services.submit_request(
            people.registered(u), kind=RequestKind.CORRECTION, message=text
        ),
    ),
    "response": (
        "response",
        lambda u, text: services.handle_request(_request(u), actor=u, done=False, response=text),
    ),
    "delegation note": (
        "note",
        lambda u, text: services.grant_delegation(
            RegistrationBody.objects.get(organization__code=STREET),
            Organization.objects.get(code="430602001002-ST"),
            actor=None,
            note=text,
        ),
    ),
    "full export": (
        "reason",
        lambda u, text: exports.ledger_xlsx(u, selectors.ledger(u), full=True, reason=text),
    ),
    "printed form": (
        "reason",
        lambda u, text: documents.print_registration_form(
            people.registered(u), actor=u, reveal=True, reason=text
        ),
    ),
}


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("code", list(BAD_TEXTS))
def test_free_text_that_must_not_be_kept_is_refused(registrar: User, call: str, code: str) -> None:
    field, run = CALLS[call]
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        run(registrar, BAD_TEXTS[code])
    assert [
        (name, [e.code for e in errors]) for name, errors in caught.value.error_dict.items()
    ] == [(field, [code])]
    # Only the set-up's own entries (registration, confirmation, request) were written.
    assert not AuditEntry.objects.filter(pk__gt=entries, data__icontains="核").exists()
    assert not VolunteerRequest.objects.filter(message__contains="139").exists()


def test_a_person_text_field_kept_in_clear_refuses_a_phone_number(registrar: User, apply) -> None:
    with pytest.raises(ValidationError) as caught:
        apply(registrar, occupation="教师 13912345678")
    assert caught.value.error_dict["occupation"][0].code == "personal_number"


def test_the_encrypted_address_may_hold_numbers(registrar: User, registered) -> None:
    volunteer = registered(registrar, address_detail="东路 13 栋 1391234 号")
    assert volunteer.address_detail == "东路 13 栋 1391234 号"


def test_a_reason_with_an_id_number_on_the_web_is_shown_as_an_error(
    registrar: User, login: Callable[[User], Client], registered
) -> None:
    volunteer = registered(registrar)
    response = login(registrar).post(
        f"/volunteers/{volunteer.pk}/suspend/",
        {"reason": f"核对 {synthetic_id('19800101')}"},
        follow=True,
    )
    assert response.status_code == 200
    volunteer.refresh_from_db()
    assert volunteer.status == RegistrationStatus.ACTIVE
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


# The spellings that passed the guard before (issue 9, item 7); tests/common/test_text.py
# generates a whole family of them.
SPELLINGS = [
    "已电话 +86 137 1234 5558 核实",
    "已电话 137.1234.5559 核实",
    "已电话（137）1234-5560核实",
    "张三１３７１２３４５５６１",
    "13712345562@qq.com",
]


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("text", SPELLINGS)
def test_a_number_is_refused_however_it_is_spelled(registrar: User, call: str, text: str) -> None:
    field, run = CALLS[call]
    with pytest.raises(ValidationError) as caught:
        run(registrar, text)
    assert [
        (name, [e.code for e in errors]) for name, errors in caught.value.error_dict.items()
    ] == [(field, ["personal_number"])]


PERSON_TEXTS = [
    ("name", "张一三七一二三四五五六三"),
    ("guardian_name", "李一三七一二三四五五六四"),
    ("emergency_contact_name", "王五１３７１２３４５５６５"),
    ("occupation", "教师 +86 137 1234 5566"),
    ("work_unit_name", "（137）1234-5567 公司"),
    ("school_consent_reference", "137.1234.5568"),
    ("email", "13712345569@qq.com"),
    ("email", "137-1234-5570@163.com"),
    ("email", "+8613712345571@example.com"),
]


@pytest.mark.parametrize(("field", "text"), PERSON_TEXTS)
def test_a_person_field_kept_in_clear_refuses_a_number_however_spelled(
    registrar: User, apply, field: str, text: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        apply(registrar, **{field: text})
    assert [e.code for e in caught.value.error_dict[field]] == ["personal_number"]


def test_an_email_without_a_number_is_kept(registrar: User, apply) -> None:
    assert apply(registrar, email="zhang.san2024@example.com").email == "zhang.san2024@example.com"


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("name", "张三１３７１２３４５５７２"),
        ("name", "林 137.1234.5573"),
        ("username", "u13712345574"),
        ("username", "13712345575@qq.com"),
    ],
)
def test_an_account_refuses_a_number_in_its_name_or_username(
    street_admin: User, field: str, text: str
) -> None:
    values = {"name": "林新人", "username": "lin_xinren", "mobile": "13811112222", field: text}
    with pytest.raises(ValidationError) as caught:
        accounts.create_account(
            actor=street_admin,
            organization=Organization.objects.get(code=STREET),
            kind="registrar",
            **values,
        )
    assert [e.code for e in caught.value.error_dict[field]] == ["personal_number"]
    assert not User.objects.filter(username=values["username"]).exists()


def test_an_account_name_change_refuses_a_number(street_admin: User, viewer: User) -> None:
    with pytest.raises(ValidationError) as caught:
        accounts.update_account(viewer, actor=street_admin, name="王（137）1234-5576")
    assert [e.code for e in caught.value.error_dict["name"]] == ["personal_number"]


@pytest.mark.parametrize(
    "field", ["name", "address", "responsible_department", "responsible_person"]
)
def test_an_organisation_refuses_a_number_in_its_text(street_admin: User, field: str) -> None:
    before = Organization.objects.count()
    with pytest.raises(ValidationError) as caught:
        organizations.create_organization(
            Organization.objects.get(code=STREET),
            actor=street_admin,
            code="TEAM-9",
            kind=OrgKind.SERVICE_TEAM,
            level=OrgLevel.STREET,
            **{"name": "服务队", field: "联系 +86 137 1234 5577"},
        )
    assert list(caught.value.message_dict) == [field]
    assert Organization.objects.count() == before
