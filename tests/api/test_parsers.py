"""JSON bodies whose text is not Unicode are bad input (400), never a 500."""

import json
from typing import Any

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from tests.activities.conftest import make_open_slot, make_volunteer
from tests.anomalies.api_calls import anomalies_known_ids
from tests.assistance.api_calls import assistance_known_ids
from tests.awards.api_calls import awards_known_ids
from tests.certificates.api_calls import certificates_known_ids
from tests.checks.api_calls import checks_known_ids
from tests.factories import RosterImportFactory, VolunteerRequestFactory
from tests.recognition.api_calls import recognition_known_ids
from tests.reports.api_calls import reporting_known_ids
from tests.volunteers.people import person_data
from tests.workplan.api_calls import workplan_known_ids
from zhiyuan.accounts.models import User
from zhiyuan.activities import services as activity_services
from zhiyuan.api.volunteer_auth import issue_token
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


# --- malformed bodies: 400 with one plain message, never a 500 --------------------------------

TOO_DEEP = "The JSON is nested more than 20 levels deep."
NOT_FINITE = "The JSON holds NaN, Infinity or a number too large to hold; send finite numbers."
TOO_LONG = "The JSON holds a number with more than 40 digits."
REPEATED_KEY = "A JSON object holds the same key twice; send each field once."
NOT_UTF8 = "The body is not valid utf-8 text; send JSON in UTF-8."


def not_json(line: int, column: int) -> str:
    return f"The body is not valid JSON (line {line}, column {column})."


MALFORMED: dict[str, tuple[bytes, str]] = {
    "500 nested lists": (b"[" * 500 + b"]" * 500, TOO_DEEP),
    "500 nested objects": (b'{"a":' * 500 + b"1" + b"}" * 500, TOO_DEEP),
    "100,000 nested lists": (b"[" * 100_000 + b"]" * 100_000, TOO_DEEP),
    "21 levels": (b'{"name":' + b"[" * 20 + b"]" * 20 + b"}", TOO_DEEP),
    "invalid UTF-8": (b'{"name": "\xff\xfe"}', NOT_UTF8),
    "a bytes-to-bytes charset": (
        b"BZh91AY&SY",
        "The Content-Type names a charset that is no text encoding; send JSON in UTF-8.",
    ),
    "truncated": (b'{"name": ', not_json(1, 10)),
    "a stray comma": (b'{"name": "x",\n}', not_json(2, 1)),
    "single quotes": (b"{'name': 'x'}", not_json(1, 2)),
    "5,000 digits": (b'{"body": 1' + b"0" * 5000 + b"}", TOO_LONG),
    "41 digits": (b'{"body": -1' + b"0" * 40 + b"}", TOO_LONG),
    "1e999": (b'{"body": 1e999}', NOT_FINITE),
    "-1e999": (b'{"body": [-1e999]}', NOT_FINITE),
    "NaN": (b'{"body": NaN}', NOT_FINITE),
    "Infinity": (b'{"body": Infinity}', NOT_FINITE),
    "-Infinity": (b'{"body": -Infinity}', NOT_FINITE),
    "a repeated key": (b'{"body": 1, "name": "x", "body": 2}', REPEATED_KEY),
    "a repeated nested key": (b'{"skills": [{"a": 1, "a": 1}]}', REPEATED_KEY),
}


@pytest.mark.parametrize("body, message", MALFORMED.values(), ids=MALFORMED)
@pytest.mark.parametrize(
    "url", ["/api/v1/public/registrations/", "/api/v1/auth/login/", "/api/v1/volunteers/"]
)
def test_malformed_json_is_refused_in_the_error_format(
    api, registrar: User, client, url: str, body: bytes, message: str
) -> None:
    caller = api(registrar) if url == "/api/v1/volunteers/" else client
    charset = "; charset=bz2_codec" if body.startswith(b"BZh") else ""
    response = caller.generic("POST", url, body, content_type="application/json" + charset)
    assert (response.status_code, response["Content-Type"], response.json()) == (
        400,
        "application/json",
        {"detail": message},
    )
    assert Volunteer.objects.count() == 0


def test_twenty_levels_and_forty_digits_are_still_json(client) -> None:
    """The limits refuse nothing an honest client sends: the fields say what is wrong."""
    body = b'{"identifier": ' + b"[" * 19 + b"]" * 19 + b', "user_id": 1' + b"0" * 39 + b"}"
    response = client.generic("POST", "/api/v1/auth/login/", body, content_type="application/json")
    assert (response.status_code, response.json()) == (
        400,
        {
            "identifier": ["Not a valid string."],
            "password": ["This field is required."],
            "user_id": ["Ensure this value is less than or equal to 9223372036854775807."],
        },
    )


def _multipart(parts: list[tuple[str, str | None]]) -> bytes:
    """A multipart body of (field name, file name or None) parts, each holding "1"."""
    chunks = []
    for name, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        chunks.append(f"--b\r\nContent-Disposition: {disposition}\r\n\r\n1\r\n")
    return ("".join(chunks) + "--b--\r\n").encode()


def test_bodies_beyond_djangos_limits_are_refused_in_the_error_format(
    api, registrar: User, client, settings
) -> None:
    """Django refuses them before they are read (SuspiciousOperation), which answered an
    HTML page; the API answers in its own format."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    calls = [
        (
            client,
            "/api/v1/auth/login/",
            b'{"identifier": "' + b"a" * 1000 + b'"}',
            "application/json",
        ),
        (
            client,
            "/api/v1/public/registrations/",
            "&".join(f"f{n}=1" for n in range(11)).encode(),
            "application/x-www-form-urlencoded",
        ),
        (
            api(registrar),
            "/api/v1/roster-imports/",
            _multipart([(f"f{n}", None) for n in range(11)]),
            "multipart/form-data; boundary=b",
        ),
        (
            api(registrar),
            "/api/v1/roster-imports/",
            _multipart([("file", f"{n}.csv") for n in range(3)]),
            "multipart/form-data; boundary=b",
        ),
    ]
    answers = [
        caller.generic("POST", url, body, content_type=content_type)
        for caller, url, body, content_type in calls
    ]
    assert [(a.status_code, a["Content-Type"], a.json()) for a in answers] == [
        (400, "application/json", {"detail": "The request body is larger than 1000 bytes."}),
        (400, "application/json", {"detail": "The request holds more than 10 fields."}),
        (400, "application/json", {"detail": "The request holds more than 10 fields."}),
        (400, "application/json", {"detail": "The request holds more than 2 files."}),
    ]


def _body_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    ]


def test_every_json_endpoint_refuses_deep_nesting(api, client, city_admin: User, org) -> None:
    """500 levels (the fault found) on every operation that takes a body, as an administrator
    over real objects (so each reaches its parser) and anonymously on the public ones."""
    ids = {
        "accounts": User.objects.get(username="registrar").pk,
        "organizations": org("430602001-SC").pk,
        "registration-bodies": RegistrationBody.objects.get(organization__code="430602001-SC").pk,
        "roster-imports": RosterImportFactory().pk,
        "volunteer-requests": VolunteerRequestFactory().pk,
        "volunteers": VolunteerRequestFactory().volunteer.pk,
    }
    slot = make_open_slot()
    signup = activity_services.sign_up(slot, make_volunteer())
    ids |= {"activities": slot.activity_id, "slots": slot.pk, "signups": signup.pk}
    ids["volunteer"] = signup.pk
    for known_ids in (
        reporting_known_ids,
        workplan_known_ids,
        checks_known_ids,
        certificates_known_ids,
        recognition_known_ids,
        awards_known_ids,
        anomalies_known_ids,
        assistance_known_ids,
    ):
        ids |= {kind: known[0] for kind, known in known_ids().items()}
    phone = Client(HTTP_AUTHORIZATION=f"Volunteer {issue_token(signup.volunteer.mobile_digest)}")
    deep = b'{"a": ' + b"[" * 500 + b"]" * 500 + b"}"
    answers = {}
    for method, path in _body_operations():
        url = path.replace("{id}", str(ids.get(path.split("/")[3], 0)))
        caller = client if "/public/" in path or path.endswith("/login/") else api(city_admin)
        if path.startswith("/api/v1/volunteer/") and "/login/" not in path:
            caller = phone  # a volunteer's token: the office's is refused before the body is read
        response = caller.generic(method, url, deep, content_type="application/json")
        answers[f"{method} {path}"] = (response.status_code, response.json())
    assert {"POST /api/v1/public/registrations/", "PATCH /api/v1/volunteers/{id}/"} < set(answers)
    assert answers == dict.fromkeys(answers, (400, {"detail": TOO_DEEP}))


@pytest.mark.parametrize(
    "content_type", ["", "text/plain", "application/xml", "application/x-json"]
)
def test_a_body_of_a_type_the_api_does_not_read_is_bad_input(client, content_type: str) -> None:
    """A 400 like every other malformed body (DRF answered 415, which no operation documents)."""
    response = client.generic(
        "POST", "/api/v1/auth/login/", b'{"identifier": "x"}', content_type=content_type
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "Send the body as application/json, or as a form (multipart/form-data "
            "for files)."
        },
    )
