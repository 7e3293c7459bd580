"""Password reset by SMS code: the code is stored hashed, expires, allows 5 tries, is sent at
most once a minute per number, never tells whether the number has an account, and a shared
mobile chooses the person after the code."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.db.models import F
from django.test import Client
from django.utils import timezone

from tests.accounts.conftest import FAMILY_MOBILE
from tests.conftest import PASSWORD
from zhiyuan.accounts import services, sms_codes
from zhiyuan.accounts.models import SmsCode, User
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.sms import SmsMessage

pytestmark = pytest.mark.django_db

STREET_ADMIN_MOBILE = "13900000003"
NEW_PASSWORD = "lantern-river-42"


@pytest.fixture
def send(outbox: list[SmsMessage], django_capture_on_commit_callbacks):
    """`send(mobile)` asks for a code and returns the code texted (or None)."""

    def ask(mobile: str) -> str | None:
        before = len(outbox)
        with django_capture_on_commit_callbacks(execute=True):
            services.send_reset_code(mobile)
        return outbox[-1].params["code"] if len(outbox) > before else None

    return ask


def _codes(exc: ValidationError) -> set[str]:
    return {error.code or "" for error in exc.error_list}


def test_code_is_sent_hashed_and_resets_the_password(send, street_admin: User) -> None:
    code = send("139 0000 0003")
    assert code is not None and len(code) == 6 and code.isdigit()
    stored = SmsCode.objects.get()
    assert code not in stored.code_hash
    lifetime = stored.expires_at - stored.created_at
    assert timedelta(minutes=10) - timedelta(seconds=1) < lifetime <= timedelta(minutes=10)
    ticket = services.verify_reset_code(STREET_ADMIN_MOBILE, code)
    assert ticket.accounts == [street_admin]
    services.reset_password(ticket.token, user_id=street_admin.pk, password=NEW_PASSWORD)
    street_admin.refresh_from_db()
    assert street_admin.check_password(NEW_PASSWORD)
    entry = AuditEntry.objects.get(action="account.password_reset")
    assert (entry.actor, entry.organization.code, entry.data) == (
        street_admin,
        "430602001-SC",
        {"username": "street_admin", "via": "sms"},
    )
    with pytest.raises(ValidationError) as caught:  # the code is used up
        services.reset_password(ticket.token, user_id=street_admin.pk, password="other-river-43")
    assert caught.value.code == "invalid_ticket"


def test_sms_text_params(send, outbox: list[SmsMessage], street_admin: User) -> None:
    code = send(STREET_ADMIN_MOBILE)
    assert outbox == [
        SmsMessage(STREET_ADMIN_MOBILE, "password_reset_code", {"code": code, "minutes": "10"})
    ]


def test_unknown_number_gets_no_sms_but_the_same_answer(send, outbox: list[SmsMessage]) -> None:
    assert send("13712340000") is None
    assert outbox == []
    assert SmsCode.objects.count() == 1  # recorded all the same: the rate limit applies too
    with pytest.raises(ValidationError) as caught:
        services.send_reset_code("13712340000")
    assert _codes(caught.value) == {"too_soon"}


def test_one_code_per_minute_per_number(send, street_admin: User, city_admin: User) -> None:
    send(STREET_ADMIN_MOBILE)
    with pytest.raises(ValidationError) as caught:
        send(STREET_ADMIN_MOBILE)
    assert _codes(caught.value) == {"too_soon"}
    assert send("13900000001") is not None  # another number is not held up
    SmsCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    assert send(STREET_ADMIN_MOBILE) is not None


def test_at_most_five_codes_a_day_per_number(send, street_admin: User) -> None:
    """A code a minute all day long was 1,440 messages to one person, sent by anyone."""
    for _ in range(sms_codes.CODES_PER_DAY):
        assert send(STREET_ADMIN_MOBILE) is not None
        SmsCode.objects.update(created_at=F("created_at") - timedelta(seconds=61))
    with pytest.raises(ValidationError) as caught:
        send(STREET_ADMIN_MOBILE)
    assert _codes(caught.value) == {"too_many_today"}
    SmsCode.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    assert send(STREET_ADMIN_MOBILE) is not None


def test_wrong_codes_count_and_the_sixth_try_fails_even_when_right(
    send, street_admin: User
) -> None:
    code = send(STREET_ADMIN_MOBILE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ValidationError) as caught:
            services.verify_reset_code(STREET_ADMIN_MOBILE, wrong)
        assert _codes(caught.value) == {"invalid_code"}
    assert SmsCode.objects.get().attempts == 5
    with pytest.raises(ValidationError) as caught:
        services.verify_reset_code(STREET_ADMIN_MOBILE, code)
    assert _codes(caught.value) == {"too_many_attempts"}


def test_expired_code_fails(send, street_admin: User) -> None:
    code = send(STREET_ADMIN_MOBILE)
    SmsCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError) as caught:
        services.verify_reset_code(STREET_ADMIN_MOBILE, code)
    assert _codes(caught.value) == {"invalid_code"}


def test_only_the_latest_code_works(send, street_admin: User) -> None:
    first = send(STREET_ADMIN_MOBILE)
    SmsCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    second = send(STREET_ADMIN_MOBILE)
    if first != second:
        with pytest.raises(ValidationError):
            services.verify_reset_code(STREET_ADMIN_MOBILE, first)
    assert services.verify_reset_code(STREET_ADMIN_MOBILE, second).accounts == [street_admin]


def test_ticket_is_for_the_accounts_of_that_mobile_only(
    send, street_admin: User, city_admin: User
) -> None:
    ticket = services.verify_reset_code(STREET_ADMIN_MOBILE, send(STREET_ADMIN_MOBILE))
    with pytest.raises(ValidationError) as caught:
        services.reset_password(ticket.token, user_id=city_admin.pk, password=NEW_PASSWORD)
    assert caught.value.code == "invalid_ticket"
    with pytest.raises(ValidationError):
        services.reset_password(ticket.token + "x", user_id=street_admin.pk, password=NEW_PASSWORD)
    city_admin.refresh_from_db()
    assert city_admin.check_password(PASSWORD)


def test_weak_password_leaves_the_code_usable(send, street_admin: User) -> None:
    ticket = services.verify_reset_code(STREET_ADMIN_MOBILE, send(STREET_ADMIN_MOBILE))
    with pytest.raises(ValidationError) as caught:
        services.reset_password(ticket.token, user_id=street_admin.pk, password="1234")
    assert set(caught.value.error_dict) == {"password"}
    assert SmsCode.objects.get().used_at is None
    services.reset_password(ticket.token, user_id=street_admin.pk, password=NEW_PASSWORD)


def test_reset_lifts_a_log_in_lockout(en_client: Client, send, street_admin: User) -> None:
    for _ in range(5):
        en_client.post(
            "/accounts/login/", {"identifier": "street_admin", "password": "wrong-pw-000"}
        )
    assert AccessAttempt.objects.exists()
    ticket = services.verify_reset_code(STREET_ADMIN_MOBILE, send(STREET_ADMIN_MOBILE))
    services.reset_password(ticket.token, user_id=street_admin.pk, password=NEW_PASSWORD)
    response = en_client.post(
        "/accounts/login/", {"identifier": "street_admin", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302


# --- the pages ------------------------------------------------------------------------------


def _start(client: Client, mobile: str, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password-reset/", {"mobile": mobile})
    assert response.status_code == 200
    return response.content.decode()


def test_pages_reset_a_shared_mobile_for_the_chosen_person(
    en_client: Client,
    family: list[User],
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks,
) -> None:
    page = _start(en_client, FAMILY_MOBILE, django_capture_on_commit_callbacks)
    assert "If an account uses 137****5678, a 6-digit code was sent to it by SMS." in page
    assert len(outbox) == 1  # one SMS for the number, not one per person
    code = outbox[0].params["code"]
    assert FAMILY_MOBILE not in str(en_client.session.items())
    wrong = en_client.post(
        "/accounts/password-reset/code/", {"mobile": FAMILY_MOBILE, "code": "12345"}
    )
    assert "The code has 6 digits." in wrong.content.decode()
    response = en_client.post(
        "/accounts/password-reset/code/", {"mobile": FAMILY_MOBILE, "code": code}
    )
    assert response["Location"] == "/accounts/password-reset/new/"
    chooser = en_client.get("/accounts/password-reset/new/").content.decode()
    assert "Several people use this mobile number." in chooser
    assert "张*明 (parent)" in chooser and "张*明 (child)" in chooser
    parent, child = family
    done = en_client.post(
        "/accounts/password-reset/new/",
        {"user_id": child.pk, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert done["Location"] == "/accounts/login/"
    child.refresh_from_db()
    parent.refresh_from_db()
    assert child.check_password(NEW_PASSWORD)
    assert parent.check_password(PASSWORD)
    again = en_client.get("/accounts/password-reset/new/")
    assert again["Location"] == "/accounts/password-reset/"


def _visible_answer(page: str, masked: str) -> str:
    """The page's main part without the number and the per-request tokens."""
    main = page.split("<main", 1)[1].split("</main>")[0].replace(masked, "X")
    lines = main.splitlines()
    return "\n".join(
        line for line in lines if "csrfmiddlewaretoken" not in line and "mobile" not in line
    )


def test_pages_answer_the_same_for_an_unknown_number(
    en_client: Client, street_admin: User, django_capture_on_commit_callbacks
) -> None:
    known = _start(en_client, STREET_ADMIN_MOBILE, django_capture_on_commit_callbacks)
    unknown = _start(en_client, "13712340000", django_capture_on_commit_callbacks)
    assert _visible_answer(known, "139****0003") == _visible_answer(unknown, "137****0000")
    response = en_client.post(
        "/accounts/password-reset/code/", {"mobile": "13712340000", "code": "123456"}
    )
    assert "The code is wrong or has expired." in response.content.decode()


def test_page_refuses_a_second_code_within_a_minute(
    en_client: Client, street_admin: User, django_capture_on_commit_callbacks
) -> None:
    _start(en_client, STREET_ADMIN_MOBILE, django_capture_on_commit_callbacks)
    response = en_client.post("/accounts/password-reset/", {"mobile": STREET_ADMIN_MOBILE})
    assert "A code was sent less than a minute ago." in response.content.decode()


def test_page_limits_the_codes_one_address_asks_for(en_client: Client) -> None:
    """Ten an hour from one address, whichever numbers: otherwise one client could have
    every account holder texted in turn."""
    for i in range(10):
        response = en_client.post("/accounts/password-reset/", {"mobile": f"1391234{i:04d}"})
        assert response.status_code == 200
    refused = en_client.post("/accounts/password-reset/", {"mobile": "13912349999"})
    assert refused.status_code == 429
    assert "Too many codes were asked for from your network." in refused.content.decode()
    assert SmsCode.objects.count() == 10
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert elsewhere.post("/accounts/password-reset/", {"mobile": "13912349999"}).status_code == 200


def test_page_rejects_a_malformed_mobile(en_client: Client) -> None:
    response = en_client.post("/accounts/password-reset/", {"mobile": "12345"})
    assert "Enter an 11-digit mainland mobile number" in response.content.decode()
    assert not SmsCode.objects.exists()


def test_new_password_step_needs_a_verified_code(en_client: Client) -> None:
    assert en_client.get("/accounts/password-reset/new/")["Location"] == "/accounts/password-reset/"
    assert en_client.post("/accounts/password-reset/new/", {"user_id": 1})["Location"] == (
        "/accounts/password-reset/"
    )
