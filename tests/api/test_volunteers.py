"""The ledger of registered volunteers over the API: reads, registration, the lifecycle,
look-ups and the personal data that stays masked."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tests.api.registrations import patch, post, snapshot
from tests.volunteers.people import (
    OTHER_STREET,
    STATION,
    person_data,
    synthetic_id,
    synthetic_mobile,
)
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import selectors, services
from zhiyuan.volunteers.models import RegistrationBody, Volunteer

pytestmark = pytest.mark.django_db

URL = "/api/v1/volunteers/"
Org = Callable[[str], Organization]
Body = Callable[[str], RegistrationBody]


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def names(response) -> list[str]:
    return [row["name"] for row in results(response)]


def today() -> date:
    return timezone.localdate()


def masked_id(number: str) -> str:
    return number[:2] + "*" * 14 + number[-2:]


def masked_phone(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}"


def body_ref(body: Body, code: str) -> dict:
    found = body(code)
    return {"id": found.pk, "code": found.code, "name": found.organization.name}


def org_ref(org: Org, code: str) -> dict:
    found = org(code)
    return {"id": found.pk, "code": found.code, "name": found.name}


def history_of(volunteer: Volunteer):
    entries = AuditEntry.objects.filter(object_type="volunteers.volunteer")
    return entries.filter(object_id=str(volunteer.pk)).order_by("pk")


def assert_nothing_personal(response, *values: str) -> None:
    """No full ID number or phone anywhere in the answer."""
    content = response.content.decode()
    for value in values:
        assert value not in content


# --- reading ---------------------------------------------------------------------------------


def test_the_ledger_needs_a_log_in(client: Client, registrar: User, registered) -> None:
    volunteer = registered(registrar)
    before = snapshot()
    for url in (URL, f"{URL}{volunteer.pk}/", f"{URL}{volunteer.pk}/history/"):
        assert client.get(url).status_code == 401
    assert post(client, URL, person_data(body=1, consent=True)).status_code == 401
    assert post(client, f"{URL}{volunteer.pk}/suspend/", {"reason": "x"}).status_code == 401
    assert post(client, f"{URL}lookup/", {"mobile": volunteer.mobile}).status_code == 401
    assert snapshot() == before


def test_list_rows(api, registrar: User, body: Body, org: Org, registered) -> None:
    number, mobile = synthetic_id("19850317"), synthetic_mobile()
    volunteer = registered(registrar, name="王小明", document_number=number, mobile=mobile)
    response = api(registrar).get(URL)
    assert response.json()["count"] == 1
    row = results(response)[0]
    assert row == {
        "id": volunteer.pk,
        "registration_number": volunteer.registration_number,
        "status": "active",
        "name": "王小明",
        "gender": "male",
        "birth_date": "1985-03-17",
        "age": selectors.age_on(date(1985, 3, 17), today()),
        "political_status": "public",
        "mobile_masked": masked_phone(mobile),
        "body": body_ref(body, "430602001-SC"),
        "organization": org_ref(org, "430602001-SC"),
        "applied_at": row["applied_at"],
        "registered_on": today().isoformat(),
    }
    assert parse_datetime(row["applied_at"]) == volunteer.applied_at
    assert volunteer.registration_number == f"4306003{today().year % 100:02d}000001"
    assert_nothing_personal(response, number, mobile)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("registrar", ["岳阳楼"]),
        ("viewer", ["岳阳楼"]),
        ("district_admin", ["三眼桥", "岳阳楼"]),
        ("city_admin", ["三眼桥", "岳阳楼"]),
        ("outsider", ["三眼桥"]),
        ("team_leader", []),
        ("etdz_admin", []),
        ("nobody", []),
    ],
)
def test_list_shows_the_roles_subtrees_only(
    api, request, registrar: User, outsider: User, persona: str, expected: list[str], registered
) -> None:
    registered(registrar, name="岳阳楼")
    registered(outsider, OTHER_STREET, name="三眼桥")
    client = api(request.getfixturevalue(persona))
    assert names(client.get(URL)) == expected
    # Searches are scoped too: both names hold "桥" or "楼", only ours come back.
    found = names(client.get(URL, {"q": "桥"})) + names(client.get(URL, {"q": "楼"}))
    assert sorted(found) == sorted(expected)


def test_list_filters(
    api, street_admin: User, registrar: User, body: Body, org: Org, apply, confirm, registered
) -> None:
    older = registered(
        registrar,
        name="老党员",
        birth="19600505",
        male=False,
        political_status="party_member",
        skills=["medical", "first_aid"],
    )
    station = org(STATION)
    young = apply(registrar, through=STATION, name="年轻人", birth="20000101", skills=["driving"])
    applied = apply(registrar, name="待确认", birth="19900101", skills=[])
    Volunteer.objects.filter(pk=older.pk).update(registered_on=date(2024, 3, 1))
    young = confirm(young, registrar)
    client = api(street_admin)
    assert names(client.get(URL)) == ["待确认", "年轻人", "老党员"]
    assert names(client.get(URL, {"status": "applied"})) == ["待确认"]
    assert names(client.get(URL, {"status": "active"})) == ["年轻人", "老党员"]
    assert names(client.get(URL, {"organization": station.pk})) == ["年轻人"]
    assert names(client.get(URL, {"organization": org("430602001-SC").pk})) == [
        "待确认",
        "年轻人",
        "老党员",
    ]
    assert names(client.get(URL, {"body": body("430602001-SC").pk})) == [
        "待确认",
        "年轻人",
        "老党员",
    ]
    assert names(client.get(URL, {"body": body(OTHER_STREET).pk})) == []
    assert names(client.get(URL, {"political_status": "party_member"})) == ["老党员"]
    assert names(client.get(URL, {"gender": "female"})) == ["老党员"]
    assert names(client.get(URL, {"skill": "first_aid"})) == ["老党员"]
    assert names(client.get(URL, {"skill": "driving"})) == ["年轻人"]
    young_age = selectors.age_on(date(2000, 1, 1), today())
    assert names(client.get(URL, {"age_max": young_age})) == ["年轻人"]
    assert names(client.get(URL, {"age_min": young_age + 1, "age_max": 60})) == ["待确认"]
    assert names(client.get(URL, {"age_min": 61})) == ["老党员"]
    assert names(client.get(URL, {"registered_to": "2024-12-31"})) == ["老党员"]
    assert names(client.get(URL, {"registered_from": today().isoformat()})) == ["年轻人"]
    assert names(client.get(URL, {"q": "年轻"})) == ["年轻人"]
    assert names(client.get(URL, {"q": young.registration_number})) == ["年轻人"]
    assert names(client.get(URL, {"q": young.registration_number[:9]})) == ["年轻人", "老党员"]
    assert applied.registration_number is None


def test_age_bounds_count_completed_years(api, registrar: User, registered) -> None:
    day = today()
    birthday_today = day.replace(year=day.year - 30) if (day.month, day.day) != (2, 29) else None
    if birthday_today is None:
        pytest.skip("29 February has no same day 30 years earlier")
    turning = registered(
        registrar, name="今天三十", document_number=synthetic_id(birthday_today.strftime("%Y%m%d"))
    )
    tomorrow = birthday_today + timedelta(days=1)
    registered(
        registrar, name="明天三十", document_number=synthetic_id(tomorrow.strftime("%Y%m%d"))
    )
    client = api(registrar)
    assert names(client.get(URL, {"age_min": 30})) == [turning.name]
    assert names(client.get(URL, {"age_max": 29})) == ["明天三十"]


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"status": "gone"}, {"status": ['"gone" is not a valid choice.']}),
        ({"organization": "abc"}, {"organization": ["A valid integer is required."]}),
        (
            {"organization": str(2**63)},
            {"organization": ["Ensure this value is less than or equal to 9223372036854775807."]},
        ),
        ({"age_min": "-1"}, {"age_min": ["Ensure this value is greater than or equal to 0."]}),
        ({"age_min": "40", "age_max": "30"}, {"age_max": ["The highest age is below the lowest."]}),
        ({"skill": "magic"}, {"skill": ['"magic" is not a valid choice.']}),
        (
            {"registered_from": "2024-02-30"},
            {
                "registered_from": [
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                ]
            },
        ),
        ({"q": "x" * 51}, {"q": ["Ensure this field has no more than 50 characters."]}),
        ({"limit": "0"}, {"limit": ["Enter a whole number from 1 to 200."]}),
    ],
)
def test_bad_filters_are_400(api, registrar: User, params: dict, errors: dict) -> None:
    response = api(registrar).get(URL, params)
    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize("code", ["430602002-SC", "4306-GC"])
def test_organisation_filter_outside_the_scope_is_400(
    api, registrar: User, org: Org, code: str
) -> None:
    response = api(registrar).get(URL, {"organization": org(code).pk})
    assert response.status_code == 400
    assert response.json() == {"organization": ["No organisation with this id is visible."]}


@pytest.mark.parametrize(
    "query",
    [synthetic_id("19900101"), synthetic_id("19900101").lower(), "13800138000", "138 0013 8000"],
)
def test_an_id_number_or_mobile_in_the_query_string_is_refused(
    api, registrar: User, query: str
) -> None:
    response = api(registrar).get(URL, {"q": query})
    assert response.status_code == 400
    assert response.json() == {
        "q": ["Never put an ID number or a mobile in a URL: use POST lookup/ instead."]
    }


def test_a_registration_number_shaped_like_a_mobile_is_still_found(
    api, registrar: User, registered
) -> None:
    volunteer = registered(registrar, name="长编号")
    Volunteer.objects.filter(pk=volunteer.pk).update(registration_number="13800138000")
    assert names(api(registrar).get(URL, {"q": "13800138000"})) == ["长编号"]


def test_list_queries_stay_constant(
    api, registrar: User, django_assert_max_num_queries, registered
) -> None:
    client = api(registrar)
    registered(registrar)
    with django_assert_max_num_queries(6):  # token 2, scope 2, count, page
        client.get(URL)
    for _ in range(30):
        registered(registrar)
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"status": "active", "q": "张"})
    assert response.json()["count"] == 31


def test_detail_shows_the_person_masked(
    api, checker: User, registrar: User, body: Body, org: Org, registered
) -> None:
    number, mobile = synthetic_id("19920704", male=False), synthetic_mobile()
    emergency = synthetic_mobile()
    volunteer = registered(
        registrar,
        name="阿依古丽·买买提",
        document_number=number,
        mobile=mobile,
        ethnicity="05",
        education="",
        occupation="教师",
        email="ayi@example.com",
        home_division="430602001001",
        address_detail="郭亮路1号",
        emergency_contact_name="买买提",
        emergency_contact_phone=emergency,
        available_times=["weekend", "weekday_evening"],
    )
    response = api(checker).get(f"{URL}{volunteer.pk}/")
    detail = response.json()
    assert detail == {
        "id": volunteer.pk,
        "registration_number": volunteer.registration_number,
        "status": "active",
        "name": "阿依古丽·买买提",
        "gender": "female",
        "birth_date": "1992-07-04",
        "age": selectors.age_on(date(1992, 7, 4), today()),
        "political_status": "public",
        "mobile_masked": masked_phone(mobile),
        "body": body_ref(body, "430602001-SC"),
        "organization": org_ref(org, "430602001-SC"),
        "applied_at": detail["applied_at"],
        "registered_on": today().isoformat(),
        "channel": "registrar",
        "registered_by": {"id": registrar.pk, "name": "陈登记"},
        "confirmed_at": detail["confirmed_at"],
        "confirmation_method": "in_person",
        "confirmed_by": {"id": registrar.pk, "name": "陈登记"},
        "confirmation_reason": "本人到场签字",
        "reregistered_year": None,
        "status_changed_at": detail["status_changed_at"],
        "status_reason": "",
        "cancellation_kind": "",
        "document_type": "resident_id",
        "document_number_masked": masked_id(number),
        "ethnicity": "05",
        "education": "",
        "occupation": "教师",
        "work_unit": None,
        "work_unit_name": "",
        "email": "ayi@example.com",
        "home_division": {"code": "430602001001", "name": "郭亮社区"},
        "address_detail": "郭亮路1号",
        "skills": ["first_aid"],
        "service_intentions": ["community_service"],
        "available_times": ["weekday_evening", "weekend"],
        "emergency_contact_name": "买买提",
        "emergency_contact_phone_masked": masked_phone(emergency),
        "age_basis": "adult",
        "guardian_name": "",
        "guardian_relation": "",
        "guardian_mobile_masked": "",
        "school_consent_reference": "",
        "privacy_notice_version": "2026-1",
        "id_consent_at": detail["id_consent_at"],
        "memberships": [],
    }
    assert parse_datetime(detail["confirmed_at"]) == volunteer.confirmed_at
    assert parse_datetime(detail["id_consent_at"]) == volunteer.id_consent_at
    assert_nothing_personal(response, number, mobile, emergency)


@pytest.mark.parametrize("persona", ["outsider", "team_leader", "etdz_admin", "nobody"])
def test_registrations_outside_the_scope_answer_404_and_change_nothing(
    api, request, registrar: User, body: Body, persona: str, apply, registered
) -> None:
    active = registered(registrar)
    applied = apply(registrar)
    client = api(request.getfixturevalue(persona))
    before = snapshot()
    for volunteer in (active, applied):
        base = f"{URL}{volunteer.pk}/"
        for url in (base, f"{base}history/"):
            response = client.get(url)
            assert response.status_code == 404, url
            assert response.json() == {"detail": "Not found."}
        assert patch(client, base, {"name": "占领"}).status_code == 404
        writes = {
            "confirm-in-person": {"reason": "signed the form"},
            "send-confirmation": None,
            "suspend": {"reason": "test"},
            "reinstate": None,
            "cancel": {"kind": "refusal_of_duties", "reason": "test"},
            "withdraw": {"reason": "test"},
            "transfer": {"body": body(OTHER_STREET).pk},
            "reregister": {},
            "reveal": {"field": "document_number", "reason": "curious"},
        }
        for name, data in writes.items():
            assert post(client, f"{base}{name}/", data).status_code == 404, name
    assert snapshot() == before


@pytest.mark.parametrize("url", [f"{URL}abc/", f"{URL}99999999999999999999/", f"{URL}1/x/"])
def test_malformed_ids_are_json_404s(api, registrar: User, url: str) -> None:
    response = api(registrar).get(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


# --- registering -----------------------------------------------------------------------------


def registration(bodies: Body, **overrides: object) -> dict:
    data = person_data(body=bodies("430602001-SC").pk, consent=True)
    data.update(overrides)
    return data


def test_a_registrar_registers_a_person_who_then_confirms(
    api, registrar: User, body: Body, org: Org, outbox, django_capture_on_commit_callbacks
) -> None:
    data = registration(body, name="赵新人", document_number=synthetic_id("19950615"))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api(registrar), URL, data)
    assert response.status_code == 201, response.content
    created = response.json()
    volunteer = Volunteer.objects.get(pk=created["id"])
    assert created["warnings"] == []
    assert {key: created[key] for key in ("status", "registration_number", "channel", "name")} == {
        "status": "applied",
        "registration_number": None,
        "channel": "registrar",
        "name": "赵新人",
    }
    assert created["registered_by"] == {"id": registrar.pk, "name": "陈登记"}
    assert created["organization"] == org_ref(org, "430602001-SC")
    assert created["birth_date"] == "1995-06-15"
    assert volunteer.document_number == data["document_number"]
    assert [(sms.template, sms.params["body"]) for sms in outbox] == [
        ("registration_confirm", "岳阳楼街道志愿服务中心")
    ]
    assert_nothing_personal(response, data["document_number"], data["mobile"])
    entry = history_of(volunteer).first()
    assert (entry.action, entry.origin, entry.actor) == (
        "volunteer.registration.applied",
        "api",
        registrar,
    )


def test_registering_through_a_delegated_station(
    api, registrar: User, body: Body, org: Org
) -> None:
    station = org("430602001001-ST")
    data = registration(body, organization=station.pk, send_confirmation=False)
    response = post(api(registrar), URL, data)
    assert response.status_code == 201, response.content
    assert response.json()["organization"] == org_ref(org, "430602001001-ST")
    assert response.json()["body"] == body_ref(body, "430602001-SC")


def test_an_unknown_area_code_is_a_warning_not_a_refusal(api, registrar: User, body: Body) -> None:
    data = registration(body, document_number=synthetic_id("19900101", area="999999"))
    response = post(api(registrar), URL, {**data, "send_confirmation": False})
    assert response.status_code == 201, response.content
    assert response.json()["warnings"] == [
        "The first six digits are not a division code this system knows. If they match the "
        "card, keep the number: codes of new or abolished divisions remain valid."
    ]


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"consent": False},
            {
                "consent": [
                    "The person's separate consent to processing their ID number is needed; "
                    "read the privacy notice to them and tick the box."
                ]
            },
        ),
        ({"document_number": ""}, {"document_number": ["This field may not be blank."]}),
        (
            {"mobile": "12345"},
            {"mobile": ["Enter an 11-digit mainland mobile number, such as 13800138000."]},
        ),
        ({"skills": ["flying"]}, {"skills": ['Item 1: "flying" is not a valid choice.']}),
        ({"body": "x"}, {"body": ["A valid integer is required."]}),
        (
            {"birth_date": "1990-01-02"},
            {
                "birth_date": [
                    "The date of birth differs from the one in the ID number; check both."
                ]
            },
        ),
        (
            {"document_number": "430602900101001"},
            {
                "document_number": [
                    "15-digit ID numbers are no longer in use. Enter the 18-digit number printed "
                    "on the current identity card."
                ]
            },
        ),
    ],
)
def test_bad_registrations_are_400_with_field_keys_and_write_nothing(
    api, registrar: User, body: Body, overrides: dict, errors: dict
) -> None:
    before = snapshot()
    response = post(api(registrar), URL, registration(body, **overrides))
    assert response.status_code == 400
    assert response.json() == errors
    assert snapshot() == before


def test_a_person_registered_elsewhere_is_refused_naming_the_body(
    api, outsider: User, registrar: User, body: Body, registered
) -> None:
    number = synthetic_id("19880808")
    registered(outsider, OTHER_STREET, document_number=number, name="李四")
    response = post(api(registrar), URL, registration(body, document_number=number))
    assert response.status_code == 400
    assert response.json() == {
        "document_number": [
            "This person is already registered with 三眼桥街道志愿服务中心. One person has one "
            "registration city-wide: ask 三眼桥街道志愿服务中心 to transfer the registration instead."
        ]
    }


def test_others_cannot_register_for_the_body(
    api, outsider: User, viewer: User, checker: User, team_leader: User, body: Body, org: Org
) -> None:
    before = snapshot()
    data = registration(body)
    for user in (outsider, team_leader):
        hidden = post(api(user), URL, data)
        assert hidden.status_code == 400
        assert hidden.json() == {"body": ["No registration body with this id is visible."]}
    station = org("430602001001-ST").pk
    for user in (viewer, checker):
        for through in (data, {**data, "organization": station}):
            refused = post(api(user), URL, through)
            assert refused.status_code == 403
            assert refused.json() == {
                "detail": "You may not register volunteers for this body here."
            }
    other_street = post(
        api(outsider),
        URL,
        {**data, "body": body(OTHER_STREET).pk, "organization": org("430602001-SC").pk},
    )
    assert other_street.status_code == 400
    assert other_street.json() == {"organization": ["No organisation with this id is visible."]}
    assert snapshot() == before


def test_registration_points(
    api,
    registrar: User,
    outsider: User,
    viewer: User,
    checker: User,
    team_leader: User,
    body: Body,
    org: Org,
) -> None:
    assert api(registrar).get(f"{URL}registration-points/").json() == [
        {"body": body_ref(body, "430602001-SC"), "organization": org_ref(org, "430602001-SC")},
        {"body": body_ref(body, "430602001-SC"), "organization": org_ref(org, "430602001001-ST")},
    ]
    assert api(outsider).get(f"{URL}registration-points/").json() == [
        {"body": body_ref(body, OTHER_STREET), "organization": org_ref(org, OTHER_STREET)}
    ]
    for user in (viewer, checker, team_leader):
        assert api(user).get(f"{URL}registration-points/").json() == []


# --- correcting ------------------------------------------------------------------------------


def test_correcting_the_person(api, registrar: User, registered) -> None:
    volunteer = registered(registrar, name="错名字")
    mobile = synthetic_mobile()
    response = patch(api(registrar), f"{URL}{volunteer.pk}/", {"name": "对名字", "mobile": mobile})
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["mobile_masked"]) == (
        "对名字",
        masked_phone(mobile),
    )
    volunteer.refresh_from_db()
    assert (volunteer.name, volunteer.mobile) == ("对名字", mobile)
    entry = history_of(volunteer).last()
    assert (entry.action, entry.data) == (
        "volunteer.details.corrected",
        {"fields": ["name", "mobile"]},
    )
    assert_nothing_personal(response, mobile)


def test_corrections_are_checked_and_need_a_registrar(
    api, registrar: User, viewer: User, registered
) -> None:
    volunteer = registered(registrar)
    before = snapshot()
    bad = patch(api(registrar), f"{URL}{volunteer.pk}/", {"name": "王2", "email": "nope"})
    assert bad.status_code == 400
    assert bad.json() == {
        "name": [
            "A name may hold letters (Chinese or other scripts), middle dots, spaces and "
            "hyphens only; remove digits and other symbols."
        ],
        "email": ["Enter an email address such as name@example.com, or leave it empty."],
    }
    denied = patch(api(viewer), f"{URL}{volunteer.pk}/", {"name": "查看者"})
    assert denied.status_code == 403
    assert denied.json() == {"detail": "You do not have a role for this organisation."}
    assert snapshot() == before


# --- the lifecycle ---------------------------------------------------------------------------


def test_confirming_in_person_issues_the_number(api, registrar: User, apply) -> None:
    volunteer = apply(registrar)
    client = api(registrar)
    short = post(client, f"{URL}{volunteer.pk}/confirm-in-person/", {"reason": "ok"})
    assert short.status_code == 400
    assert short.json() == {
        "reason": ["Say how the person confirmed, e.g. “signed the form at the centre”."]
    }
    response = post(
        client, f"{URL}{volunteer.pk}/confirm-in-person/", {"reason": "came to the centre"}
    )
    assert response.status_code == 200
    volunteer.refresh_from_db()
    assert response.json()["status"] == "active"
    assert response.json()["registration_number"] == volunteer.registration_number
    assert response.json()["confirmed_by"] == {"id": registrar.pk, "name": "陈登记"}
    again = post(client, f"{URL}{volunteer.pk}/confirm-in-person/", {"reason": "came again"})
    assert again.status_code == 400
    assert again.json() == {"detail": ["This registration is not awaiting confirmation."]}


def test_sending_the_confirmation_again(
    api, registrar: User, viewer: User, outbox, django_capture_on_commit_callbacks, apply, confirm
) -> None:
    volunteer = apply(registrar)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api(registrar), f"{URL}{volunteer.pk}/send-confirmation/")
    assert response.status_code == 204
    assert [(sms.template, sms.mobile) for sms in outbox] == [
        ("registration_confirm", volunteer.mobile)
    ]
    denied = post(api(viewer), f"{URL}{volunteer.pk}/send-confirmation/")
    assert denied.status_code == 403
    assert denied.json() == {"detail": "Only registrars and administrators send these messages."}
    soon = post(api(registrar), f"{URL}{volunteer.pk}/send-confirmation/")
    assert soon.status_code == 400
    confirm(volunteer, registrar)
    done = post(api(registrar), f"{URL}{volunteer.pk}/send-confirmation/")
    assert done.status_code == 400
    assert done.json() == {"detail": ["Only applications awaiting confirmation can be confirmed."]}
    assert len(outbox) == 1


def test_suspend_reinstate_reregister_transfer_and_cancel(
    api, registrar: User, outsider: User, body: Body, org: Org, registered
) -> None:
    volunteer = registered(registrar)
    number = volunteer.registration_number
    client = api(registrar)
    base = f"{URL}{volunteer.pk}/"

    def status_of(response) -> tuple:
        assert response.status_code == 200, response.content
        body = response.json()
        return body["status"], body["status_reason"], body["registration_number"]

    assert post(client, f"{base}suspend/", {"reason": ""}).json() == {
        "reason": ["Give a reason; it is kept in the history."]
    }
    assert status_of(post(client, f"{base}suspend/", {"reason": "长期未参加"})) == (
        "suspended",
        "长期未参加",
        number,
    )
    assert status_of(post(client, f"{base}reinstate/")) == ("active", "", number)
    assert post(client, f"{base}reinstate/").json() == {
        "detail": ["This cannot be done to a registration that is Active."]
    }
    next_year = today().year + 1
    response = post(client, f"{base}reregister/", {"year": next_year})
    assert status_of(response) == ("active", "", number)
    assert response.json()["reregistered_year"] == next_year
    assert post(client, f"{base}reregister/", {"year": 1999}).json() == {
        "year": ["Ensure this value is greater than or equal to 2000."]
    }
    no_consent = post(
        client,
        f"{base}transfer/",
        {"body": body(OTHER_STREET).pk, "organization": org("430602001001-ST").pk},
    )
    assert no_consent.status_code == 400
    assert no_consent.json() == {
        "organization": ["This organisation has no consent to register for the body."]
    }
    moved = post(client, f"{base}transfer/", {"body": body(OTHER_STREET).pk})
    assert status_of(moved) == ("active", "", number)
    assert moved.json()["body"] == body_ref(body, OTHER_STREET)
    # Now the other street's: gone from ours, theirs to cancel.
    assert client.get(base).status_code == 404
    theirs = api(outsider)
    cancelled = post(theirs, f"{base}cancel/", {"kind": "volunteer_request", "reason": "搬家"})
    assert status_of(cancelled) == ("cancelled", "搬家", number)
    assert cancelled.json()["cancellation_kind"] == "volunteer_request"
    actions = list(
        AuditEntry.objects.filter(object_type="volunteers.volunteer", object_id=str(volunteer.pk))
        .order_by("pk")
        .values_list("action", "actor__username", "data")
    )
    assert actions == [
        (
            "volunteer.registration.applied",
            "registrar",
            {"channel": "registrar", "body": "4306003"},
        ),
        (
            "volunteer.registration.confirmed",
            "registrar",
            {"method": "in_person", "number": number, "reason": "本人到场签字"},
        ),
        ("volunteer.registration.suspended", "registrar", {"reason": "长期未参加"}),
        ("volunteer.registration.reinstated", "registrar", {}),
        ("volunteer.registration.reregistered", "registrar", {"year": next_year}),
        (
            "volunteer.registration.transferred",
            "registrar",
            {"source": "4306003/430602001-SC", "target": "4306004/430602002-SC"},
        ),
        ("volunteer.registration.cancelled", "outsider", {"reason": "搬家"}),
    ]


def test_withdrawing_an_application(api, registrar: User, apply) -> None:
    volunteer = apply(registrar)
    response = post(api(registrar), f"{URL}{volunteer.pk}/withdraw/", {"reason": "填错了机构"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_reason"]) == ("closed", "填错了机构")


@pytest.mark.parametrize("persona", ["viewer", "checker"])
def test_seeing_roles_cannot_change_registrations(
    api, request, registrar: User, body: Body, persona: str, apply, registered
) -> None:
    active, applied = registered(registrar), apply(registrar)
    client = api(request.getfixturevalue(persona))
    before = snapshot()
    writes = [
        (applied, "confirm-in-person", {"reason": "signed the form"}),
        (applied, "withdraw", {"reason": "test"}),
        (active, "suspend", {"reason": "test"}),
        (active, "cancel", {"kind": "refusal_of_duties", "reason": "test"}),
        (active, "transfer", {"body": body(OTHER_STREET).pk}),
        (active, "reregister", {}),
    ]
    for volunteer, name, data in writes:
        response = post(client, f"{URL}{volunteer.pk}/{name}/", data)
        assert response.status_code == 403, name
        assert response.json() == {"detail": "You do not have a role for this organisation."}
    assert snapshot() == before


# --- personal data ---------------------------------------------------------------------------


def test_revealing_a_value_is_logged_and_not_cached(api, registrar: User, registered) -> None:
    volunteer = registered(registrar)
    response = post(
        api(registrar),
        f"{URL}{volunteer.pk}/reveal/",
        {"field": "document_number", "reason": "核对保险名单"},
    )
    assert response.status_code == 200
    assert response.json() == {"field": "document_number", "value": volunteer.document_number}
    assert response["Cache-Control"] == "no-store"
    entry = history_of(volunteer).last()
    assert (entry.action, entry.actor, entry.data) == (
        "volunteer.personal_data.viewed",
        registrar,
        {"field": "document_number", "reason": "核对保险名单"},
    )


def test_revealing_needs_a_permitted_role_and_a_reason(
    api, registrar: User, checker: User, viewer: User, registered
) -> None:
    volunteer = registered(registrar)
    url = f"{URL}{volunteer.pk}/reveal/"
    before = snapshot()
    denied = post(api(checker), url, {"field": "document_number", "reason": "抽查"})
    assert denied.status_code == 403
    assert post(api(viewer), url, {"field": "mobile", "reason": "抽查"}).status_code == 403
    no_reason = post(api(registrar), url, {"field": "mobile", "reason": " "})
    assert no_reason.json() == {"reason": ["Say why you need the full value."]}
    unknown = post(api(registrar), url, {"field": "birth_date", "reason": "抽查"})
    assert unknown.json() == {"field": ['"birth_date" is not a valid choice.']}
    assert snapshot() == before
    allowed = post(api(checker), url, {"field": "mobile", "reason": "电话抽查"})
    assert allowed.json() == {"field": "mobile", "value": volunteer.mobile}


def test_history(
    api, registrar: User, viewer: User, django_assert_max_num_queries, registered
) -> None:
    volunteer = registered(registrar)
    services.suspend_registration(volunteer, actor=registrar, reason="暂停")
    client = api(viewer)
    response = client.get(f"{URL}{volunteer.pk}/history/")
    rows = results(response)
    assert [(row["action"], row["actor"], row["data"]) for row in rows] == [
        (
            "volunteer.registration.suspended",
            {"id": registrar.pk, "name": "陈登记"},
            {"reason": "暂停"},
        ),
        (
            "volunteer.registration.confirmed",
            {"id": registrar.pk, "name": "陈登记"},
            {
                "method": "in_person",
                "number": volunteer.registration_number,
                "reason": "本人到场签字",
            },
        ),
        (
            "volunteer.registration.applied",
            {"id": registrar.pk, "name": "陈登记"},
            {"channel": "registrar", "body": "4306003"},
        ),
    ]
    entry = AuditEntry.objects.get(pk=rows[0]["id"])
    assert parse_datetime(rows[0]["created_at"]) == entry.created_at
    for _ in range(20):
        services.reinstate_registration(volunteer, actor=registrar)
        services.suspend_registration(volunteer, actor=registrar, reason="暂停")
    with django_assert_max_num_queries(7):  # token 2, scope 2, volunteer, count, page
        response = client.get(f"{URL}{volunteer.pk}/history/")
    assert response.json()["count"] == 43


# --- look-ups by ID number or mobile ---------------------------------------------------------


def test_lookup_by_id_number_or_mobile_finds_registrations_in_scope(
    api, registrar: User, outsider: User, registered
) -> None:
    number = synthetic_id("19851111")
    mobile = synthetic_mobile()
    mine = registered(registrar, name="本街道", document_number=number, mobile=mobile)
    url = f"{URL}lookup/"
    by_id = post(api(registrar), url, {"document_number": f" {number.lower()} "})
    assert by_id.status_code == 200
    assert [row["id"] for row in by_id.json()] == [mine.pk]
    by_mobile = post(api(registrar), url, {"mobile": f"+86 {mobile}"})
    assert [row["name"] for row in by_mobile.json()] == ["本街道"]
    assert_nothing_personal(by_id, number, mobile)
    # The other street holds nobody with these numbers: it learns nothing.
    assert post(api(outsider), url, {"document_number": number}).json() == []
    assert post(api(outsider), url, {"mobile": mobile}).json() == []


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"non_field_errors": ["Send either document_number or mobile."]}),
        (
            {"document_number": "1", "mobile": "13800138000"},
            {"non_field_errors": ["Send either document_number or mobile."]},
        ),
        (
            {"mobile": "12"},
            {"mobile": ["Enter an 11-digit mainland mobile number, such as 13800138000."]},
        ),
    ],
)
def test_bad_lookups_are_400(api, registrar: User, data: dict, errors: dict) -> None:
    response = post(api(registrar), f"{URL}lookup/", data)
    assert response.status_code == 400
    assert response.json() == errors


# --- confirmation progress -------------------------------------------------------------------


def test_confirmation_progress(
    api, registrar: User, street_admin: User, outsider: User, org: Org, apply, registered
) -> None:
    registered(registrar)
    apply(registrar)
    apply(registrar)
    registered(outsider, OTHER_STREET)
    station = org(STATION)
    apply(registrar, through=STATION)
    url = f"{URL}confirmation-progress/"
    assert api(street_admin).get(url).json() == {
        "organizations": [
            {
                "code": "430602001-SC",
                "name": "岳阳楼街道志愿服务中心",
                "applied": 2,
                "confirmed": 1,
                "cancelled": 0,
                "closed": 0,
                "total": 3,
                "share_confirmed": 33,
            },
            {
                "code": "430602001001-ST",
                "name": "郭亮社区志愿服务站",
                "applied": 1,
                "confirmed": 0,
                "cancelled": 0,
                "closed": 0,
                "total": 1,
                "share_confirmed": 0,
            },
        ],
        "in_person": [{"name": "陈登记", "username": "registrar", "count": 1}],
    }
    assert api(street_admin).get(url, {"organization": station.pk}).json() == {
        "organizations": [
            {
                "code": "430602001001-ST",
                "name": "郭亮社区志愿服务站",
                "applied": 1,
                "confirmed": 0,
                "cancelled": 0,
                "closed": 0,
                "total": 1,
                "share_confirmed": 0,
            },
        ],
        "in_person": [],
    }
    assert api(outsider).get(url).json() == {
        "organizations": [
            {
                "code": "430602002-SC",
                "name": "三眼桥街道志愿服务中心",
                "applied": 0,
                "confirmed": 1,
                "cancelled": 0,
                "closed": 0,
                "total": 1,
                "share_confirmed": 100,
            }
        ],
        "in_person": [{"name": "孙三眼", "username": "outsider", "count": 1}],
    }
    hidden = api(outsider).get(url, {"organization": station.pk})
    assert hidden.status_code == 400
    assert hidden.json() == {"organization": ["No organisation with this id is visible."]}


def test_confirmation_progress_queries_stay_constant(
    api, registrar: User, street_admin: User, django_assert_max_num_queries, apply, registered
) -> None:
    client = api(street_admin)
    with django_assert_max_num_queries(6):  # token 2, scope 2, progress, in person
        client.get(f"{URL}confirmation-progress/")
    for _ in range(10):
        registered(registrar)
        apply(registrar)
    with django_assert_max_num_queries(6):
        response = client.get(f"{URL}confirmation-progress/")
    assert response.json()["organizations"][0]["total"] == 20


def test_sending_confirmations_in_bulk(
    api,
    registrar: User,
    viewer: User,
    outsider: User,
    org: Org,
    outbox,
    django_capture_on_commit_callbacks,
    apply,
    registered,
) -> None:
    first, second = apply(registrar), apply(registrar)
    registered(registrar)
    apply(outsider, OTHER_STREET)
    url = f"{URL}send-confirmations/"
    street = org("430602001-SC").pk
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api(registrar), url, {"organization": street, "expected": 2})
    assert response.status_code == 200
    assert response.json() == {"sent": 2, "skipped": 0, "held": 0}
    assert sorted(sms.mobile for sms in outbox) == sorted([first.mobile, second.mobile])
    again = post(api(registrar), url, {"organization": street, "expected": 2})
    assert again.json() == {"sent": 0, "skipped": 2, "held": 0}
    denied = post(api(viewer), url, {"organization": street, "expected": 2})
    assert denied.status_code == 403
    assert api(viewer).get(url, {"organization": street}).status_code == 403
    hidden = post(api(outsider), url, {"organization": street, "expected": 2})
    assert hidden.status_code == 400
    assert hidden.json() == {"organization": ["No organisation with this id is visible."]}
    assert len(outbox) == 2
