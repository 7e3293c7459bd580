"""An id typed into a parameter or a form field is an id or nothing: "²" and "١" (which
`str.isdigit` accepts and `int` refused) and numbers beyond the database's integers (which
overflowed SQLite's driver) were 500s on the audit log, the transfer form, the bulk "please
confirm" form and the API's audit filter."""

from collections.abc import Callable
from typing import Any

import pytest

from zhiyuan.accounts.models import User
from zhiyuan.common.params import parse_count, parse_id
from zhiyuan.common.sms import SmsMessage
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
ODD_IDS = ["²", "١", HUGE, "9223372036854775808", "-1", "1e5", "0x10", "１２"]


def test_parse_id_takes_ascii_digits_within_the_databases_integers() -> None:
    assert [parse_id(value) for value in ODD_IDS] == [None] * len(ODD_IDS)
    assert [parse_id(value) for value in ["0", "", None, " 42 ", "999999999999999999"]] == [
        None,
        None,
        None,
        42,
        999_999_999_999_999_999,
    ]
    assert [parse_count(value) for value in ["0", "3", "²", HUGE]] == [0, 3, None, None]


@pytest.mark.parametrize("value", ODD_IDS)
def test_the_audit_logs_person_filter_takes_any_text(login, street_admin: User, value: str) -> None:
    client = login(street_admin)
    client.raise_request_exception = False
    response = client.get("/audit/", {"person": value})
    assert (response.status_code, response.context["filters"].person) == (200, None)


@pytest.mark.parametrize("point", ["²:²", "3:" + HUGE, HUGE + ":" + HUGE, "١:١", "4306003:"])
def test_a_transfer_to_no_point_is_refused_and_moves_nothing(
    login, street_admin: User, registrar: User, registered: Callable[..., Any], point: str
) -> None:
    volunteer = registered(registrar)
    client = login(street_admin)
    client.raise_request_exception = False
    response = client.post(f"/volunteers/{volunteer.pk}/transfer/", {"point": point})
    assert response.status_code in (200, 302)
    moved = Volunteer.objects.get(pk=volunteer.pk)
    assert (moved.body_id, moved.organization_id) == (volunteer.body_id, volunteer.organization_id)


@pytest.mark.parametrize("expected", ["²", "١", HUGE, "-1", ""])
def test_the_bulk_confirmation_sends_nothing_for_a_count_that_is_no_number(
    login, registrar: User, apply: Callable[..., Any], expected: str, outbox: list[SmsMessage]
) -> None:
    apply(registrar)
    client = login(registrar)
    client.raise_request_exception = False
    response = client.post(
        "/volunteers/progress/send/", {"org": "430602001-SC", "expected": expected}
    )
    assert (response.status_code, outbox) == (400, [])
