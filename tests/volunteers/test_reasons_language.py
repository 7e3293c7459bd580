"""Reasons the platform gives for a status change are kept as codes and read in the reader's
language; reasons kept in words before (Chinese or English) read the same way."""

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.volunteers.people import synthetic_id
from zhiyuan.accounts.models import User
from zhiyuan.common.audit_display import describe_data
from zhiyuan.volunteers import services
from zhiyuan.volunteers.enums import RegistrationStatus, SystemReason
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(registrar: User, outsider: User, apply: Callable[..., Any]) -> Volunteer:
    """An application closed because the person was confirmed with another body first."""
    number = synthetic_id("19850101")
    here = apply(registrar, document_number=number)
    there = apply(outsider, "430602002-SC", document_number=number)
    services.confirm_in_person(there, actor=outsider, reason="本人到场签字")
    here.refresh_from_db()
    assert here.status == RegistrationStatus.CLOSED
    return here


def test_a_platform_reason_is_kept_as_a_code_and_read_in_the_readers_language(
    closed: Volunteer, registrar: User, login: Callable[[User], Client]
) -> None:
    assert closed.status_reason == "registered_elsewhere"
    client = login(registrar)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/volunteers/{closed.pk}/").content.decode()
    assert "<dd>registered with another body</dd>" in page
    assert "registered_elsewhere" not in page
    with translation.override("en"):
        assert describe_data({"reason": "registered_elsewhere"}) == (
            "reason: registered with another body"
        )


def test_a_reason_kept_in_chinese_before_reads_in_english(closed: Volunteer) -> None:
    with translation.override("zh-hans"):
        chinese = str(SystemReason.REGISTERED_ELSEWHERE.label)
    Volunteer.objects.filter(pk=closed.pk).update(status_reason=chinese)
    closed.refresh_from_db()
    with translation.override("en"):
        assert closed.status_reason_text == "registered with another body"
        assert describe_data({"reason": chinese}) == "reason: registered with another body"
        assert describe_data({"reason": "家中有事"}) == "reason: 家中有事"
