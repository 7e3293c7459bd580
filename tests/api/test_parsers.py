"""JSON bodies whose text is not Unicode are bad input (400), never a 500."""

import json
from typing import Any

import pytest

from tests.volunteers.people import person_data
from zhiyuan.accounts.models import User
from zhiyuan.volunteers.models import RegistrationBody, Volunteer

pytestmark = pytest.mark.django_db

REFUSED = (
    "The JSON holds an escaped surrogate code point that is not part of a pair; send the text "
    "as UTF-8."
)
LONE = "\ud800"  # json.dumps writes it as the ASCII escape "\ud800", as an attacker would


def _registration(**overrides: Any) -> str:
    centre = RegistrationBody.objects.get(organization__code="430602001-SC")
    return json.dumps({**person_data(), "body": centre.pk, "consent": True, **overrides})


@pytest.mark.parametrize(
    "overrides",
    [
        {"gender": LONE},  # a choice field's error message repeated it: a 500
        {"skills": [LONE]},
        {"document_type": "resident_id" + LONE},
        {LONE: "x"},  # in a key
    ],
)
def test_lone_surrogates_in_json_are_refused(
    api, registrar: User, client, overrides: dict[str, Any]
) -> None:
    for caller, url in (
        (api(registrar), "/api/v1/volunteers/"),
        (client, "/api/v1/public/registrations/"),
    ):
        response = caller.post(url, _registration(**overrides), content_type="application/json")
        assert (response.status_code, response.json()) == (400, {"detail": REFUSED})
    assert Volunteer.objects.count() == 0


def test_an_escaped_surrogate_pair_is_an_ordinary_character(api, registrar: User) -> None:
    """A pair is one character outside the BMP (𪚥, U+2A6A5): a name like any other."""
    payload = _registration(name="\U0002a6a5明")
    assert "\\ud869\\udea5" in payload
    response = api(registrar).post("/api/v1/volunteers/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Volunteer.objects.get().name == "\U0002a6a5明"
