"""Log-in by username or mobile, the shared-mobile chooser, throttling by django-axes, the
password policy and the idle time-out."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tests.accounts.conftest import FAMILY_MOBILE
from tests.conftest import PASSWORD
from zhiyuan.accounts.models import User, mobile_digest

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _session_user(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def _post(client: Client, identifier: str, password: str = PASSWORD, **extra: str):
    return client.post(LOGIN, {"identifier": identifier, "password": password, **extra})


def test_log_in_with_username(en_client: Client, street_admin: User) -> None:
    response = _post(en_client, "street_admin")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _session_user(en_client) == street_admin.pk


@pytest.mark.parametrize("written", ["13900000003", "139 0000 0003", "+86 139-0000-0003"])
def test_log_in_with_mobile_in_any_writing(
    en_client: Client, street_admin: User, written: str
) -> None:
    response = _post(en_client, written)
    assert response.status_code == 302
    assert _session_user(en_client) == street_admin.pk


def test_wrong_password_says_so_without_naming_the_part(
    en_client: Client, street_admin: User
) -> None:
    response = _post(en_client, "street_admin", "not-the-password-1")
    assert response.status_code == 200
    assert "The mobile number/username or the password is wrong." in response.content.decode()
    assert _session_user(en_client) is None


def test_deactivated_account_cannot_log_in(en_client: Client, viewer: User) -> None:
    User.objects.filter(pk=viewer.pk).update(is_active=False)
    assert _post(en_client, "viewer").status_code == 200
    assert _session_user(en_client) is None


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting how often a password is hashed (to verify or to encode)."""

    calls = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.mark.parametrize("api", [False, True], ids=["web", "api"])
def test_a_known_name_costs_as_many_password_hashes_as_an_unknown_one(
    en_client: Client, street_admin: User, settings, api: bool
) -> None:
    """Real hashes take a good part of a second: a known username that was hashed twice
    (once to look for people sharing a mobile, once to log in) answered measurably later than
    an unknown one, so anyone could learn who has an account, or which mobile numbers do."""
    settings.PASSWORD_HASHERS = ["tests.accounts.test_login.CountingHasher"]

    def hashes(identifier: str) -> int:
        CountingHasher.calls = 0
        if api:
            body = {"identifier": identifier, "password": "wrong-password-00"}
            en_client.post("/api/v1/auth/login/", body, content_type="application/json")
        else:
            _post(en_client, identifier, "wrong-password-00")
        return CountingHasher.calls

    assert hashes("street_admin") == hashes("no_such_person") == 1
    assert hashes("13900000003") == hashes("13900000099") == 1


def test_next_stays_on_this_site(en_client: Client, street_admin: User) -> None:
    assert (
        _post(en_client, "street_admin", next="/accounts/users/")["Location"] == "/accounts/users/"
    )
    en_client.post("/accounts/logout/")
    assert _post(en_client, "street_admin", next="https://evil.example/")["Location"] == "/"


def test_login_page_links_to_password_reset(en_client: Client) -> None:
    assert 'href="/accounts/password-reset/"' in en_client.get(LOGIN).content.decode()


# --- a mobile shared by several people ------------------------------------------------------


def test_shared_mobile_asks_which_person(en_client: Client, family: list[User]) -> None:
    response = _post(en_client, FAMILY_MOBILE)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Who is logging in?" in page
    assert "张*明" in page  # masked names: both people appear, neither in full
    assert "张大明" not in page and "张小明" not in page
    assert page.count('name="user_id"') == 2
    assert _session_user(en_client) is None
    child = family[1]
    response = en_client.post("/accounts/login/choose/", {"user_id": child.pk})
    assert response.status_code == 302
    assert _session_user(en_client) == child.pk


def test_shared_mobile_with_one_matching_password_logs_in_directly(
    en_client: Client, family: list[User]
) -> None:
    parent, child = family
    child.set_password("another-long-password-7")
    child.save()
    assert _post(en_client, FAMILY_MOBILE).status_code == 302
    assert _session_user(en_client) == parent.pk


def test_chooser_refuses_a_person_not_offered(
    en_client: Client, family: list[User], city_admin: User
) -> None:
    _post(en_client, FAMILY_MOBILE)
    response = en_client.post("/accounts/login/choose/", {"user_id": city_admin.pk})
    assert response["Location"] == LOGIN
    assert _session_user(en_client) is None


def test_chooser_without_a_verified_password_logs_nobody_in(
    en_client: Client, family: list[User]
) -> None:
    response = en_client.post("/accounts/login/choose/", {"user_id": family[0].pk})
    assert response["Location"] == LOGIN
    assert _session_user(en_client) is None


def test_chooser_works_once(en_client: Client, family: list[User]) -> None:
    _post(en_client, FAMILY_MOBILE)
    en_client.post("/accounts/login/choose/", {"user_id": family[0].pk})
    en_client.post("/accounts/logout/")
    response = en_client.post("/accounts/login/choose/", {"user_id": family[1].pk})
    assert response["Location"] == LOGIN
    assert _session_user(en_client) is None


# --- throttling (django-axes) ---------------------------------------------------------------


def _fail(client: Client, identifier: str, times: int) -> list[int]:
    return [_post(client, identifier, "wrong-password-00").status_code for _ in range(times)]


def test_fifth_failure_locks_out_even_the_right_password(
    en_client: Client, street_admin: User
) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert _fail(en_client, "street_admin", 5) == [200, 200, 200, 200, 429]
    response = _post(en_client, "street_admin")
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert _session_user(en_client) is None


def test_four_failures_do_not_lock_out(en_client: Client, street_admin: User) -> None:
    _fail(en_client, "street_admin", 4)
    assert _post(en_client, "street_admin").status_code == 302


def test_writing_a_mobile_differently_buys_no_extra_attempts(
    en_client: Client, street_admin: User
) -> None:
    writings = [
        "13900000003",
        "139 0000 0003",
        "+8613900000003",
        "0086 13900000003",
        "139-0000-0003",
    ]
    codes = [_post(en_client, w, "wrong-password-00").status_code for w in writings]
    assert codes == [200, 200, 200, 200, 429]
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "m:" + mobile_digest("13900000003")  # never the number in clear
    assert "13900000003" not in attempt.post_data
    assert "0003" not in attempt.post_data
    assert _post(en_client, "13900000003").status_code == 429


@pytest.mark.parametrize(
    "typed", ["139000000031", "1390000003", "139 0000 003", "１３９０００００００３１"]
)
def test_a_mistyped_mobile_is_not_kept_in_clear_either(en_client: Client, typed: str) -> None:
    """Not a valid number, so not hashed as one: it went into django-axes' table as typed,
    which is somebody's number but for a digit."""
    _post(en_client, typed, "wrong-password-00")
    attempt = AccessAttempt.objects.get()
    assert attempt.username.startswith("p:")
    digits = "".join(ch for ch in typed if ch.isdigit())
    for record in (attempt.username, attempt.post_data, attempt.get_data):
        assert "1390000" not in record
        assert digits not in record


def test_shared_mobile_chooser_cannot_bypass_a_lockout(
    en_client: Client, family: list[User]
) -> None:
    _fail(en_client, FAMILY_MOBILE, 5)
    response = _post(en_client, FAMILY_MOBILE)  # the right password for both people
    page = response.content.decode()
    assert response.status_code == 429
    assert 'name="user_id"' not in page
    assert "login_pending" not in en_client.session
    assert en_client.post("/accounts/login/choose/", {"user_id": family[0].pk})["Location"] == LOGIN
    assert _session_user(en_client) is None


def test_lockout_is_per_identifier(en_client: Client, street_admin: User, viewer: User) -> None:
    _fail(en_client, "street_admin", 5)
    assert _post(en_client, "viewer").status_code == 302


def _from(client: Client, forwarded_for: str, password: str = PASSWORD):
    body = {"identifier": "street_admin", "password": password}
    return client.post(LOGIN, body, HTTP_X_FORWARDED_FOR=forwarded_for)


def test_a_forged_forwarded_for_header_buys_no_extra_attempts(
    en_client: Client, street_admin: User
) -> None:
    codes = [_from(en_client, f"10.0.0.{i}", f"wrong-{i}").status_code for i in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    assert _from(en_client, "10.0.1.1").status_code == 429


def test_behind_a_trusted_proxy_a_lockout_is_per_client_not_per_proxy(
    en_client: Client, street_admin: User, settings
) -> None:
    """Behind nginx every request comes from the proxy's address: one person's five wrong
    passwords would lock the account for everyone. With TRUSTED_PROXIES=1 the address nginx
    appended counts, and what the client wrote in front of it does not."""
    settings.TRUSTED_PROXIES = 1
    for i in range(5):
        _from(en_client, f"10.0.0.{i}, 203.0.113.7", f"wrong-{i}")
    assert _from(en_client, "203.0.113.7").status_code == 429
    assert _from(Client(), "198.51.100.2").status_code == 302


# --- password policy and idle time-out ------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short-9", "password_too_short"),
        ("48203917562094", "password_entirely_numeric"),
        ("password1234", "password_too_common"),
    ],
)
def test_password_policy(password: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_password(password)
    assert code in {error.code for error in caught.value.error_list}


def test_password_similar_to_the_username_is_refused(street_admin: User) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_password("street_admin2", street_admin)
    assert "password_too_similar" in {error.code for error in caught.value.error_list}


def test_a_good_password_passes(street_admin: User) -> None:
    validate_password("lantern-river-42", street_admin)
    assert settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"] == {"min_length": 10}


def test_session_expires_after_the_idle_time(en_client: Client, street_admin: User) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    response = _post(en_client, "street_admin")
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60
    assert en_client.get("/accounts/users/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = en_client.get("/accounts/users/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/users/"


def test_each_request_extends_the_session(en_client: Client, street_admin: User) -> None:
    _post(en_client, "street_admin")
    soon = timezone.now() + timedelta(minutes=1)
    Session.objects.update(expire_date=soon)
    en_client.get("/accounts/users/")
    expiry = Session.objects.get().expire_date
    assert expiry > timezone.now() + timedelta(minutes=29)


def test_logging_out_tells_the_browser_to_drop_the_pages_it_kept(
    en_client: Client, street_admin: User
) -> None:
    """The service worker keeps leaders' rosters (names) for offline use: a log-out clears them."""
    _post(en_client, "street_admin")
    response = en_client.post("/accounts/logout/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert response["Clear-Site-Data"] == '"cache"'
    assert "_auth_user_id" not in en_client.session
