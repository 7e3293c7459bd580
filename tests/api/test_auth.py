"""Token log-in, log-out, lockout, throttling and CSRF for the API."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken

from tests.conftest import PASSWORD
from zhiyuan.accounts import services
from zhiyuan.accounts.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login/"
ME = "/api/v1/me/"
WRONG = {"non_field_errors": ["The mobile number/username or the password is wrong."]}
LOCKED = {"detail": "Too many failed log-ins. Please try again later."}


def log_in(client: Client, **body: object):
    return client.post(LOGIN, body, content_type="application/json")


def test_login_with_username_gives_an_expiring_token(client: Client, street_admin: User) -> None:
    before = timezone.now()
    response = log_in(client, identifier="street_admin", password=PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"id": street_admin.pk, "username": "street_admin", "name": "王街道"}
    expiry = parse_datetime(body["expiry"])
    assert expiry is not None
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert before + ttl <= expiry <= timezone.now() + ttl
    (stored,) = AuthToken.objects.filter(user=street_admin)
    # Stored hashed: neither the token nor its secret part is in the database.
    assert stored.digest != body["token"]
    assert body["token"][15:] not in stored.digest
    assert stored.token_key == body["token"][:15]


def test_login_with_a_mobile_number_in_any_spelling(client: Client, street_admin: User) -> None:
    response = log_in(client, identifier="+86 139-0000-0003", password=PASSWORD)
    assert response.status_code == 200
    assert response.json()["user"]["id"] == street_admin.pk


def test_token_works_until_logout(client: Client, street_admin: User) -> None:
    token = log_in(client, identifier="street_admin", password=PASSWORD).json()["token"]
    app = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert app.get(ME).json()["username"] == "street_admin"
    assert app.post("/api/v1/auth/logout/").status_code == 204
    response = app.get(ME)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert response["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.filter(user=street_admin).exists()


def test_logoutall_revokes_every_device(client: Client, street_admin: User) -> None:
    tokens = [
        log_in(client, identifier="street_admin", password=PASSWORD).json()["token"]
        for _ in range(3)
    ]
    phone = Client(HTTP_AUTHORIZATION=f"Token {tokens[0]}")
    assert phone.post("/api/v1/auth/logoutall/").status_code == 204
    for token in tokens:
        assert Client(HTTP_AUTHORIZATION=f"Token {token}").get(ME).status_code == 401


def test_expired_token_is_rejected_and_removed(client: Client, street_admin: User) -> None:
    instance, token = AuthToken.objects.create(user=street_admin)
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert Client(HTTP_AUTHORIZATION=f"Token {token}").get(ME).status_code == 401
    assert not AuthToken.objects.filter(pk=instance.pk).exists()


def test_use_never_keeps_a_token_beyond_30_days_after_the_log_in(street_admin: User) -> None:
    instance, token = AuthToken.objects.create(user=street_admin)
    logged_in = timezone.now() - timedelta(days=29, hours=23)
    expiry = timezone.now() + timedelta(minutes=10)
    AuthToken.objects.filter(pk=instance.pk).update(created=logged_in, expiry=expiry)
    app = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert app.get(ME).status_code == 200
    instance.refresh_from_db()
    assert instance.expiry == logged_in + timedelta(days=30)


def test_token_of_a_deactivated_account_is_rejected(street_admin: User) -> None:
    _, token = AuthToken.objects.create(user=street_admin)
    User.objects.filter(pk=street_admin.pk).update(is_active=False)
    response = Client(HTTP_AUTHORIZATION=f"Token {token}").get(ME)
    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


def test_deactivation_deletes_tokens_so_reactivation_does_not_revive_them(
    client: Client, registrar: User, street_admin: User
) -> None:
    token = log_in(client, identifier="registrar", password=PASSWORD).json()["token"]
    app = Client(HTTP_AUTHORIZATION=f"Token {token}")
    services.deactivate_account(registrar, actor=street_admin)
    assert not AuthToken.objects.filter(user=registrar).exists()
    services.reactivate_account(registrar, actor=street_admin)
    assert app.get(ME).status_code == 401


def test_a_new_password_ends_every_api_log_in(
    client: Client, registrar: User, street_admin: User
) -> None:
    """Someone who resets a password because a phone was lost must shut the thief out of the
    API too: the tokens would otherwise live on, moved forward by every use."""
    tokens = [
        log_in(client, identifier="registrar", password=PASSWORD).json()["token"] for _ in range(2)
    ]
    link = services.invite_account(registrar, actor=street_admin).link
    token = link.rstrip("/").rsplit("/", 1)[1]
    services.accept_invitation(registrar, token, password="a-brand-new-passphrase-7")
    for token in tokens:
        assert Client(HTTP_AUTHORIZATION=f"Token {token}").get(ME).status_code == 401
    assert not AuthToken.objects.filter(user=registrar).exists()


def test_logout_needs_a_token(login, street_admin: User) -> None:
    response = login(street_admin).post("/api/v1/auth/logout/")
    assert response.status_code == 401


def test_unauthenticated_calls_answer_401(client: Client) -> None:
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_wrong_password_is_400_and_issues_nothing(client: Client) -> None:
    response = log_in(client, identifier="street_admin", password="not-the-password")
    assert response.status_code == 400
    assert response.json() == WRONG
    assert not AuthToken.objects.exists()


def test_unknown_identifier_is_the_same_400(client: Client) -> None:
    response = log_in(client, identifier="13911112222", password=PASSWORD)
    assert response.status_code == 400
    assert response.json() == WRONG


def test_deactivated_account_cannot_log_in(client: Client, street_admin: User) -> None:
    User.objects.filter(pk=street_admin.pk).update(is_active=False)
    response = log_in(client, identifier="street_admin", password=PASSWORD)
    assert response.status_code == 400
    assert response.json() == WRONG


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"identifier": ["This field is required."], "password": ["This field is required."]}),
        (
            {"identifier": "", "password": PASSWORD},
            {"identifier": ["This field may not be blank."]},
        ),
        (
            {"identifier": "x" * 51, "password": PASSWORD},
            {"identifier": ["Ensure this field has no more than 50 characters."]},
        ),
        (
            {"identifier": "street_admin", "password": PASSWORD, "user_id": "me"},
            {"user_id": ["A valid integer is required."]},
        ),
        (
            {"identifier": "street_admin", "password": PASSWORD, "user_id": 0},
            {"user_id": ["Ensure this value is greater than or equal to 1."]},
        ),
        (
            {"identifier": "street\x00admin", "password": PASSWORD},
            {"identifier": ["Null characters are not allowed."]},
        ),
    ],
)
def test_malformed_login_is_400_with_field_messages(
    client: Client, body: dict[str, object], errors: dict[str, list[str]]
) -> None:
    response = log_in(client, **body)
    assert response.status_code == 400
    assert response.json() == errors


def test_malformed_json_is_400(client: Client) -> None:
    response = client.post(LOGIN, "{not json", content_type="application/json")
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "The body is not valid JSON (line 1, column 2)."},
    )


@pytest.fixture
def family() -> list[User]:
    """Two people sharing one mobile number and (unwisely) one password, and a third with
    the same number and another password."""
    return [
        User.objects.create_user("mum", PASSWORD, name="张小红", mobile="13700000007"),
        User.objects.create_user("dad", PASSWORD, name="张大明", mobile="13700000007"),
        User.objects.create_user(
            "gran", "another-password-77", name="李奶奶", mobile="13700000007"
        ),
    ]


def test_shared_mobile_asks_which_person(client: Client, family: list[User]) -> None:
    mum, dad, _ = family
    response = log_in(client, identifier="13700000007", password=PASSWORD)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Several people use this mobile number. Choose who is logging in.",
        "choices": [{"user_id": mum.pk, "name": "张*红"}, {"user_id": dad.pk, "name": "张*明"}],
    }
    assert not AuthToken.objects.exists()
    again = log_in(client, identifier="13700000007", password=PASSWORD, user_id=dad.pk)
    assert again.status_code == 200
    assert again.json()["user"]["username"] == "dad"


def test_shared_mobile_with_one_matching_password_logs_that_person_in(
    client: Client, family: list[User]
) -> None:
    response = log_in(client, identifier="13700000007", password="another-password-77")
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "gran"


@pytest.mark.parametrize("chosen", ["gran", "city_admin"])
def test_choosing_someone_the_password_does_not_fit_is_refused(
    client: Client, family: list[User], chosen: str
) -> None:
    other = User.objects.get(username=chosen)
    response = log_in(client, identifier="13700000007", password=PASSWORD, user_id=other.pk)
    assert response.status_code == 400
    assert response.json() == WRONG
    assert not AuthToken.objects.exists()


def test_five_wrong_passwords_lock_the_api_and_the_web(client: Client) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [
        log_in(client, identifier="street_admin", password=f"wrong-{i}").status_code
        for i in range(limit)
    ]
    assert statuses == [400] * (limit - 1) + [429]
    # Now even the right password is refused, through the API and on the web page.
    response = log_in(client, identifier="street_admin", password=PASSWORD)
    assert response.status_code == 429
    assert response.json() == LOCKED
    assert not AuthToken.objects.exists()
    page = client.post("/accounts/login/", {"identifier": "street_admin", "password": PASSWORD})
    assert page.status_code == 429
    # Someone else from the same address is not locked out.
    assert log_in(client, identifier="district_admin", password=PASSWORD).status_code == 200


def test_failures_on_the_web_lock_the_api(client: Client) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"identifier": "13900000003", "password": f"bad-{i}"})
    response = log_in(client, identifier="13900000003", password=PASSWORD)
    assert response.status_code == 429
    assert response.json() == LOCKED


def test_success_resets_the_failure_count(client: Client) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit - 1):
        log_in(client, identifier="street_admin", password=f"wrong-{i}")
    assert log_in(client, identifier="street_admin", password=PASSWORD).status_code == 200
    for i in range(limit - 1):
        assert log_in(client, identifier="street_admin", password=f"again-{i}").status_code == 400


def test_login_is_throttled(client: Client) -> None:
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    # Different unknown names, so that the axes lockout (per name) stays out of the way.
    for i in range(allowed):
        assert log_in(client, identifier=f"nobody-{i}", password="x").status_code == 400
    response = log_in(client, identifier="street_admin", password=PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"].startswith("Request was throttled.")


def test_a_forged_forwarded_for_header_does_not_escape_the_throttle(client: Client) -> None:
    """DRF, left alone, counts per X-Forwarded-For header when one is sent: a new made-up
    address per attempt gave unlimited password guessing across accounts."""
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    for i in range(allowed):
        response = client.post(
            LOGIN,
            {"identifier": f"nobody-{i}", "password": "x"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        )
        assert response.status_code == 400
    response = client.post(
        LOGIN,
        {"identifier": "street_admin", "password": PASSWORD},
        content_type="application/json",
        HTTP_X_FORWARDED_FOR="10.0.1.1",
    )
    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_client_address_has_its_own_allowance(
    client: Client, settings
) -> None:
    """With TRUSTED_PROXIES=1 (one nginx appending the address it saw), the right-most
    X-Forwarded-For entry is the client; what the client itself wrote to its left is not."""
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    for i in range(allowed):
        response = client.post(
            LOGIN,
            {"identifier": f"nobody-{i}", "password": "x"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"10.9.9.{i}, 203.0.113.7",
        )
        assert response.status_code == 400
    again = {"identifier": "street_admin", "password": PASSWORD}
    forged = client.post(
        LOGIN, again, content_type="application/json", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert forged.status_code == 429
    other = client.post(
        LOGIN, again, content_type="application/json", HTTP_X_FORWARDED_FOR="198.51.100.2"
    )
    assert other.status_code == 200


def test_token_limit_per_user(client: Client, street_admin: User) -> None:
    for _ in range(settings.REST_KNOX["TOKEN_LIMIT_PER_USER"]):
        AuthToken.objects.create(user=street_admin)
    response = log_in(client, identifier="street_admin", password=PASSWORD)
    assert response.status_code == 403
    assert response.json() == {
        "detail": "You are logged in on too many devices. Log out on one of them, "
        "or wait until its log-in expires."
    }


def test_session_writes_need_the_csrf_token(street_admin: User, org) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(street_admin)
    station = org("430602001001-ST")
    url = f"/api/v1/organizations/{station.pk}/"
    assert browser.get(url).status_code == 200
    response = browser.patch(url, {"name": "改名"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    station.refresh_from_db()
    assert station.name == "郭亮社区志愿服务站"
    browser.get("/accounts/login/")  # sets the CSRF cookie
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    response = browser.patch(
        url, {"name": "改名"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200
    assert response.json()["name"] == "改名"


def test_token_calls_need_no_csrf_token(api, street_admin: User, org) -> None:
    client = api(street_admin)
    client.handler.enforce_csrf_checks = True
    station = org("430602001001-ST")
    response = client.patch(
        f"/api/v1/organizations/{station.pk}/", {"name": "改名"}, content_type="application/json"
    )
    assert response.status_code == 200
