"""The public self-registration API: no log-in, throttled, nothing personal in its answers."""

from collections.abc import Callable

import pytest
from django.test import Client

from tests.api.registrations import post, snapshot
from tests.processes import as_process
from tests.volunteers.people import OTHER_STREET, person_data, synthetic_id, synthetic_mobile
from zhiyuan.accounts.models import User
from zhiyuan.api.public import PublicPointSerializer, PublicRateThrottle
from zhiyuan.common import generations
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import selectors, services
from zhiyuan.volunteers.models import Delegation, RegistrationBody, Volunteer

pytestmark = pytest.mark.django_db

POINTS = "/api/v1/public/registration-points/"
REGISTER = "/api/v1/public/registrations/"
CONFIRM = "/api/v1/public/registrations/confirm/"
Org = Callable[[str], Organization]
Body = Callable[[str], RegistrationBody]


def point(body: Body, org: Org, body_code: str, org_code: str) -> dict:
    return {
        "body": {"id": body(body_code).pk, "name": body(body_code).organization.name},
        "organization": {"id": org(org_code).pk, "name": org(org_code).name},
    }


def test_registration_points_list_bodies_and_delegations(
    client: Client, body: Body, org: Org
) -> None:
    response = client.get(POINTS)
    assert response.status_code == 200
    listed = response.json()
    assert listed["count"] == 9  # eight bodies, one delegation
    assert listed["results"][2:4] == [
        point(body, org, "430602001-SC", "430602001-SC"),
        point(body, org, "430602001-SC", "430602001001-ST"),
    ]
    assert client.get(POINTS, {"q": "岳阳楼街道"}).json()["results"] == [
        point(body, org, "430602001-SC", "430602001-SC"),
        point(body, org, "430602001-SC", "430602001001-ST"),
    ]
    assert client.get(POINTS, {"q": "郭亮"}).json()["results"] == [
        point(body, org, "430602001-SC", "430602001001-ST")
    ]


def test_closed_points_are_not_listed(client: Client, body: Body, street_admin: User) -> None:
    RegistrationBody.objects.filter(pk=body(OTHER_STREET).pk).update(is_active=False)
    services.revoke_delegation(Delegation.objects.get(), actor=street_admin)
    names = [row["organization"]["name"] for row in client.get(POINTS).json()["results"]]
    assert "三眼桥街道志愿服务中心" not in names
    assert "郭亮社区志愿服务站" not in names
    assert len(names) == 7


def test_points_queries_stay_constant(client: Client, django_assert_max_num_queries) -> None:
    # The generations, bodies, delegations, the districts' committees and their divisions;
    # then the points kept by the process, checked by the generations alone.
    with django_assert_max_num_queries(5):
        assert client.get(POINTS).status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get(POINTS, {"q": "街道"}).json()["count"] == 4


def test_the_kept_answers_are_the_serializers(client: Client) -> None:
    listed = client.get(POINTS, {"limit": 100}).json()["results"]
    expected = [
        {
            "body": {"id": point.body.pk, "name": point.body.organization.name},
            "organization": {"id": point.organization.pk, "name": point.organization.name},
        }
        for point in selectors.public_registration_points(by_body=True)
    ]
    assert listed == expected == PublicPointSerializer(expected, many=True).data


def test_a_delegation_revoked_in_another_worker_leaves_the_list_at_once(
    client: Client, body: Body, street_admin: User, django_capture_on_commit_callbacks
) -> None:
    serving, other = generations.LocalStore(), generations.LocalStore()
    for store in (serving, other):
        with as_process(store):
            assert client.get(POINTS).json()["count"] == 9
    delegation = Delegation.objects.get(body=body("430602001-SC"))
    with as_process(other), django_capture_on_commit_callbacks(execute=True):
        services.revoke_delegation(delegation, actor=street_admin)
    with as_process(serving):
        listed = client.get(POINTS, {"q": "郭亮"}).json()
        assert listed["count"] == 0
        assert client.get(POINTS).json()["count"] == 8


def test_a_person_registers_and_confirms_themself(
    client: Client, body: Body, org: Org, outbox, django_capture_on_commit_callbacks
) -> None:
    number, mobile = synthetic_id("19930909"), synthetic_mobile()
    data = person_data(
        name="自助者",
        document_number=number,
        mobile=mobile,
        body=body("430602001-SC").pk,
        organization=org("430602001001-ST").pk,
        consent=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, REGISTER, data)
    assert response.status_code == 201, response.content
    volunteer = Volunteer.objects.get(name="自助者")
    assert response.json() == {"id": volunteer.pk, "status": "applied"}
    assert (volunteer.channel, volunteer.registered_by, volunteer.organization.code) == (
        "self",
        None,
        "430602001001-ST",
    )
    assert [(sms.template, sms.mobile) for sms in outbox] == [("registration_confirm", mobile)]
    wrong = post(client, CONFIRM, {"mobile": mobile, "code": "000000"})
    assert wrong.status_code == 400
    assert wrong.json() == {
        "detail": ["The code is wrong or has expired. Check it, or ask for a new one."]
    }
    code = outbox[0].params["code"]
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = post(client, CONFIRM, {"mobile": f"+86 {mobile}", "code": code})
    assert confirmed.status_code == 200
    volunteer.refresh_from_db()
    assert confirmed.json() == {
        "registration_number": volunteer.registration_number,
        "body": "岳阳楼街道志愿服务中心",
    }
    assert volunteer.status == "active"
    for answer in (response, wrong, confirmed):
        assert number not in answer.content.decode()
        assert mobile not in answer.content.decode()


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
        ({"body": 2**62}, {"body": ["Choose a registration point from the list."]}),
        ({"organization": 2**62}, {"organization": ["Choose a registration point from the list."]}),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        (
            {"document_number": "430602199001010010"},
            {
                "document_number": [
                    "The last character does not match the other 17 digits, so one of them is "
                    "probably mistyped. Check each digit against the card."
                ]
            },
        ),
    ],
)
def test_bad_self_registrations_are_400_and_write_nothing(
    client: Client, body: Body, overrides: dict, errors: dict
) -> None:
    before = snapshot()
    data = {**person_data(body=body("430602001-SC").pk, consent=True), **overrides}
    response = post(client, REGISTER, data)
    assert response.status_code == 400
    assert response.json() == errors
    assert snapshot() == before


def test_points_that_take_no_registrations_are_refused(
    client: Client, body: Body, org: Org
) -> None:
    before = snapshot()
    no_consent = person_data(
        body=body("430602001-SC").pk, organization=org("430602002001-ST").pk, consent=True
    )
    response = post(client, REGISTER, no_consent)
    assert response.json() == {
        "detail": ["This organisation has no consent to register for the body."]
    }
    RegistrationBody.objects.filter(pk=body(OTHER_STREET).pk).update(is_active=False)
    closed = post(client, REGISTER, person_data(body=body(OTHER_STREET).pk, consent=True))
    assert closed.json() == {"detail": ["This registration body does not take registrations now."]}
    assert snapshot() == before


def test_confirming_someone_elses_registration_needs_their_code(
    client: Client, registrar: User, outbox, django_capture_on_commit_callbacks, registered
) -> None:
    """Knowing a mobile gives nothing: no code, no confirmation, no data about the person."""
    mobile = synthetic_mobile()
    held = registered(registrar, mobile=mobile, name="别人")
    before = snapshot()
    for code in ("123456", "000000"):
        response = post(client, CONFIRM, {"mobile": mobile, "code": code})
        assert response.status_code == 400
        assert "别人" not in response.content.decode()
    bad = post(client, CONFIRM, {"mobile": "110", "code": "123456"})
    assert bad.json() == {
        "mobile": ["Enter an 11-digit mainland mobile number, such as 13800138000."]
    }
    assert snapshot() == before
    assert held.status == "active"


def test_public_endpoints_ignore_log_ins(client: Client, body: Body) -> None:
    """A stale token does not turn the public page into a 401."""
    response = client.get(POINTS, HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 200


def test_public_endpoints_are_throttled_apart_from_log_ins(client: Client) -> None:
    throttle = PublicRateThrottle()
    throttle.scope = "public"
    allowed, _seconds = throttle.parse_rate(throttle.get_rate())
    for _ in range(allowed or 0):
        assert client.get(POINTS).status_code == 200
    throttled = post(client, CONFIRM, {"mobile": "13800138000", "code": "123456"})
    assert throttled.status_code == 429
    assert throttled.json()["detail"].startswith("Request was throttled.")
    login = post(client, "/api/v1/auth/login/", {"identifier": "nobody", "password": "wrong"})
    assert login.status_code == 400
