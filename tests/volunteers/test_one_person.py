"""One person, one registration, city-wide, whatever form the number is typed in; and dates
of birth that no living person has are refused."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.volunteers.people import OTHER_STREET, synthetic_id
from zhiyuan.accounts.models import User
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def _codes(error: ValidationError) -> dict[str, list[str | None]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


@pytest.mark.parametrize(
    ("document_type", "form"),
    [
        ("other", lambda number: number[:6] + number[8:17]),  # the 15-digit legacy number
        ("passport", lambda number: number[:6] + number[8:17]),
        ("other", lambda number: number),
        ("passport", lambda number: number.lower()),
    ],
)
def test_a_registered_person_cannot_register_again_under_another_document_type(
    registrar: User, outsider: User, document_type: str, form, registered, apply
) -> None:
    number = synthetic_id("19800101")
    registered(registrar, document_number=number)
    with pytest.raises(ValidationError) as caught:
        apply(
            outsider,
            OTHER_STREET,
            document_type=document_type,
            document_number=form(number),
            birth_date="1980-01-01",
            gender="male",
        )
    assert _codes(caught.value) == {
        "document_number": [
            "legacy_id_number" if len(form(number)) == 15 else "id_number_as_other_document"
        ]
    }
    assert Volunteer.objects.count() == 1


@pytest.mark.parametrize("birth_date", ["0001-01-01", "1899-12-31"])
def test_a_typed_birth_date_before_1900_is_refused(registrar: User, birth_date: str, apply) -> None:
    with pytest.raises(ValidationError) as caught:
        apply(
            registrar,
            document_type="passport",
            document_number="E12345678",
            birth_date=birth_date,
            gender="female",
        )
    assert _codes(caught.value) == {"birth_date": ["before_1900"]}
    assert Volunteer.objects.count() == 0


def test_a_typed_birth_date_of_1900_is_taken(registrar: User, registered) -> None:
    volunteer = registered(
        registrar,
        document_type="passport",
        document_number="E12345678",
        birth_date="1900-01-01",
        gender="female",
    )
    assert volunteer.birth_date == date(1900, 1, 1)


def test_a_birth_date_typed_in_full_width_digits_is_read(registrar: User, registered) -> None:
    volunteer = registered(
        registrar,
        document_type="passport",
        document_number="E12345679",
        birth_date="１９９０－０５－１７",
        gender="female",
    )
    assert volunteer.birth_date == date(1990, 5, 17)
