"""Nobody can have a stranger's mobile texted over and over: the rate limits of confirmation
messages count every application the number was typed into, and each self-registration, on
the page or over the API, counts against one allowance per client address."""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.volunteers.people import person_data, synthetic_mobile
from zhiyuan.accounts import sms_codes
from zhiyuan.accounts.models import SmsCode, User
from zhiyuan.common.sms import SmsMessage
from zhiyuan.volunteers import services
from zhiyuan.volunteers.enums import RegistrationChannel, RegistrationStatus
from zhiyuan.volunteers.models import RegistrationBody, Volunteer
from zhiyuan.volunteers.throttles import RegistrationThrottle

pytestmark = pytest.mark.django_db

STREET = "430602001-SC"


@pytest.fixture(autouse=True)
def _english_and_fresh_throttles(settings: Any) -> Iterator[None]:
    """Messages in English (the msgids); the throttles count in the cache, which outlives a
    test's transaction."""
    settings.LANGUAGE_CODE = "en"
    cache.clear()
    yield
    cache.clear()


def _centre() -> RegistrationBody:
    return RegistrationBody.objects.select_related("organization").get(organization__code=STREET)


def _apply(registrar: User, mobile: str) -> services.Registered:
    """What `register_volunteer` answers, warnings included, when it texts the person."""
    centre = _centre()
    return services.register_volunteer(
        person_data(mobile=mobile),
        body=centre,
        organization=centre.organization,
        actor=registrar,
        channel=RegistrationChannel.REGISTRAR,
        consent=True,
    )


def _texted(outbox: list[SmsMessage], mobile: str) -> int:
    return sum(1 for message in outbox if message.mobile == mobile)


def _a_minute_later() -> None:
    SmsCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))


def test_applications_typed_with_one_mobile_text_it_once_a_minute(
    registrar: User, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    victim = synthetic_mobile()
    with django_capture_on_commit_callbacks(execute=True):
        first = _apply(registrar, victim)
        second = _apply(registrar, victim)
    assert _texted(outbox, victim) == 1
    assert first.warnings == ()
    # The application is kept (it may be confirmed later); the registrar is told why no
    # message went out.
    assert second.volunteer.status == RegistrationStatus.APPLIED
    assert len(second.warnings) == 1
    assert second.warnings[0].startswith(
        "No confirmation code was sent now: A code was sent less than a minute ago. Wait "
    )


def test_applications_typed_with_one_mobile_text_it_five_times_a_day(
    registrar: User, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    victim = synthetic_mobile()
    warnings = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(sms_codes.CODES_PER_DAY + 2):
            warnings.append(_apply(registrar, victim).warnings)
            _a_minute_later()
    assert _texted(outbox, victim) == sms_codes.CODES_PER_DAY
    assert warnings[: sms_codes.CODES_PER_DAY] == [()] * sms_codes.CODES_PER_DAY
    assert (
        warnings[sms_codes.CODES_PER_DAY :]
        == [
            (
                "No confirmation code was sent now: 5 codes were sent to this number in the last 24 "
                "hours. Try again tomorrow, or ask your administrator for an invitation link.",
            )
        ]
        * 2
    )


def test_the_public_page_cannot_be_used_to_text_a_stranger_repeatedly(
    outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    centre = _centre()
    victim = synthetic_mobile()
    page = Client()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            page.post(
                "/join/",
                {**person_data(mobile=victim), "point": f"{centre.pk}:{centre.organization_id}"}
                | {"consent": "on"},
            )
    assert Volunteer.objects.filter(status=RegistrationStatus.APPLIED).count() == 5
    assert _texted(outbox, victim) == 1


def test_bulk_messages_skip_a_mobile_texted_within_the_minute(
    registrar: User, outbox: list[SmsMessage], django_capture_on_commit_callbacks: Any, apply
) -> None:
    shared = synthetic_mobile()  # say, a couple with one phone
    for _ in range(3):
        apply(registrar, mobile=shared)
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.send_confirmation_requests(_centre().organization, actor=registrar)
    assert counts == {"sent": 1, "skipped": 2, "held": 0}
    assert _texted(outbox, shared) == 1


def test_api_self_registrations_count_against_the_pages_allowance_per_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(RegistrationThrottle, "rate", "2/hour")
    centre = _centre()
    client = Client()
    point = f"{centre.pk}:{centre.organization_id}"
    page = client.post("/join/", {**person_data(), "point": point, "consent": "on"})
    assert page.status_code == 302
    answers = [
        client.post(
            "/api/v1/public/registrations/",
            json.dumps({**person_data(), "body": centre.pk, "consent": True}),
            content_type="application/json",
        ).status_code
        for _ in range(2)
    ]
    assert answers == [201, 429]
    refused = client.post("/join/", {**person_data(), "point": point, "consent": "on"})
    assert refused.status_code == 429
    assert Volunteer.objects.count() == 2


def test_codes_tried_from_one_address_are_limited(client, settings) -> None:
    """Five wrong tries end a code: without a limit per address anyone who knows a mobile
    could burn that person's codes. The 31st try in an hour is refused before it counts."""
    from django.core.cache import cache

    cache.clear()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    tried = [
        client.post("/join/confirm/", {"mobile": "13900000077", "code": "000000"})
        for _ in range(31)
    ]
    errors = [list(r.context["form"].non_field_errors()) for r in tried]
    assert errors[:30] == [[]] * 30
    assert errors[30] == ["Too many codes were tried from your network. Try again in an hour."]
    cache.clear()
