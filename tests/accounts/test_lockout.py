"""Log-in lockout per account, besides django-axes' per address (issue 9, item 11): failures
count across the account's identifiers (username and mobile) and across addresses; the lock is
short, then one try per cool-off, so that a stranger cannot lock the real user out for long."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from tests.conftest import PASSWORD
from zhiyuan.accounts import services
from zhiyuan.accounts.lockout import account_locked
from zhiyuan.accounts.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
API_LOGIN = "/api/v1/auth/login/"
MOBILE = "13900000003"  # street_admin's


def _post(identifier: str, password: str, address: str) -> int:
    body = {"identifier": identifier, "password": password}
    return Client().post(LOGIN, body, REMOTE_ADDR=address).status_code


def _wait_out_the_cooloff(seconds: int | None = None) -> None:
    """Move every recorded failure back in time, as if the cool-off had passed."""
    back = timedelta(seconds=(seconds or settings.LOGIN_ACCOUNT_COOLOFF_SECONDS) + 1)
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - back)


def test_failures_by_username_and_mobile_from_many_addresses_lock_the_account_briefly(
    street_admin: User,
) -> None:
    assert (settings.LOGIN_ACCOUNT_FAILURE_LIMIT, settings.LOGIN_ACCOUNT_COOLOFF_SECONDS) == (
        10,
        60,
    )
    codes = [_post("street_admin", "wrong-password-00", f"198.51.100.{i}") for i in range(6)]
    codes += [_post(MOBILE, "wrong-password-00", f"203.0.113.{i}") for i in range(4)]
    # No address reached django-axes' limit (5); the account reached its own (10).
    assert codes == [200] * 9 + [429]
    assert _post("street_admin", PASSWORD, "192.0.2.1") == 429
    assert _post(f"+86 {MOBILE}", PASSWORD, "192.0.2.2") == 429
    _wait_out_the_cooloff()
    assert _post("street_admin", PASSWORD, "192.0.2.3") == 302


def test_after_the_cooloff_the_account_takes_one_try_per_cooloff(street_admin: User) -> None:
    for i in range(10):
        _post("street_admin", "wrong-password-00", f"198.51.100.{i}")
    _wait_out_the_cooloff()
    assert _post("street_admin", "wrong-password-01", "192.0.2.1") == 429  # tried, wrong
    assert _post("street_admin", PASSWORD, "192.0.2.2") == 429  # the next minute: not yet
    _wait_out_the_cooloff()
    assert _post("street_admin", PASSWORD, "192.0.2.2") == 302


def test_a_success_starts_the_account_count_afresh(street_admin: User) -> None:
    for i in range(9):
        _post("street_admin", "wrong-password-00", f"198.51.100.{i}")
    assert _post("street_admin", PASSWORD, "192.0.2.1") == 302
    assert _post(MOBILE, "wrong-password-00", "192.0.2.2") == 200
    assert account_locked("street_admin") is False


def test_a_password_reset_by_sms_lifts_the_account_lock(
    street_admin: User, outbox: list, django_capture_on_commit_callbacks
) -> None:
    for i in range(10):
        _post("street_admin", "wrong-password-00", f"198.51.100.{i}")
    assert account_locked(MOBILE) is True
    with django_capture_on_commit_callbacks(execute=True):
        services.send_reset_code(MOBILE)
    ticket = services.verify_reset_code(MOBILE, outbox[-1].params["code"])
    services.reset_password(ticket.token, user_id=street_admin.pk, password="Nan-hu-2026-qiao")
    assert _post("street_admin", "Nan-hu-2026-qiao", "192.0.2.1") == 302


def test_the_per_address_limit_still_holds(street_admin: User) -> None:
    codes = [_post("street_admin", "wrong-password-00", "198.51.100.1") for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    assert _post("street_admin", PASSWORD, "198.51.100.1") == 429
    # The account as a whole is under its limit: from elsewhere the person logs in.
    assert _post("street_admin", PASSWORD, "192.0.2.1") == 302


def test_another_account_is_not_locked(street_admin: User, viewer: User) -> None:
    for i in range(10):
        _post("street_admin", "wrong-password-00", f"198.51.100.{i}")
    assert _post("viewer", PASSWORD, "192.0.2.1") == 302


def test_an_unknown_identifier_locks_alike(street_admin: User) -> None:
    """The lock tells nobody whether an account exists."""
    known = [_post("street_admin", "wrong-password-00", f"198.51.100.{i}") for i in range(11)]
    unknown = [_post("no_such_user", "wrong-password-00", f"203.0.113.{i}") for i in range(11)]
    assert known == unknown == [200] * 9 + [429, 429]


def test_the_api_counts_and_honours_the_same_account_lock(street_admin: User) -> None:
    for i in range(10):
        _post("street_admin", "wrong-password-00", f"198.51.100.{i}")
    response = Client().post(
        API_LOGIN,
        {"identifier": MOBILE, "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="192.0.2.9",
    )
    assert response.status_code == 429
    _wait_out_the_cooloff()
    response = Client().post(
        API_LOGIN,
        {"identifier": MOBILE, "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="192.0.2.9",
    )
    assert response.status_code == 200
