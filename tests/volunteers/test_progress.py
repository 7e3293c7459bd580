"""Confirmation progress (/volunteers/progress/ and the API's confirmation-progress): every
registration is counted in exactly one column, the columns add up to the total, and the share
says what it is of (confirmed among those confirmed or still awaiting confirmation)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from knox.models import AuthToken

from zhiyuan.accounts.models import User
from zhiyuan.volunteers import services
from zhiyuan.volunteers.enums import CancellationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def street(registrar: User, apply: Callable[..., Any], registered: Callable[..., Any]) -> None:
    """岳阳楼街道: 8 confirmed (one of them suspended), 1 awaiting, 1 cancelled, 1 withdrawn."""
    confirmed = [registered(registrar) for _ in range(8)]
    services.suspend_registration(confirmed[0], actor=registrar, reason="外出务工")
    apply(registrar)
    services.cancel_registration(
        registered(registrar),
        actor=registrar,
        kind=CancellationKind.VOLUNTEER_REQUEST,
        reason="本人申请注销",
    )
    services.withdraw_application(apply(registrar), actor=registrar, reason="重复录入")


def test_the_columns_add_up_and_the_share_is_of_those_confirmed_or_awaiting(
    street: None, registrar: User, login: Callable[[User], Client]
) -> None:
    client = login(registrar)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/volunteers/progress/")
    assert [
        {key: row[key] for key in ("code", "applied", "confirmed", "cancelled", "closed", "total")}
        | {"share": row["share"]}
        for row in page.context["rows"]
    ] == [
        {
            "code": "430602001-SC",
            "applied": 1,
            "confirmed": 8,
            "cancelled": 1,
            "closed": 1,
            "total": 11,
            "share": 89,
        }
    ]
    html = page.content.decode()
    assert "Confirmed, of confirmed and awaiting" in html
    assert '">89 %</td>' in html


def test_the_api_counts_the_same_columns(street: None, registrar: User) -> None:
    _, token = AuthToken.objects.create(user=registrar)
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get("/api/v1/volunteers/confirmation-progress/")
    assert response.json()["organizations"] == [
        {
            "code": "430602001-SC",
            "name": "岳阳楼街道志愿服务中心",
            "applied": 1,
            "confirmed": 8,
            "cancelled": 1,
            "closed": 1,
            "total": 11,
            "share_confirmed": 89,
        }
    ]


def test_with_nothing_confirmed_or_awaiting_there_is_no_share(
    registrar: User, apply: Callable[..., Any], login: Callable[[User], Client]
) -> None:
    services.withdraw_application(apply(registrar), actor=registrar, reason="重复录入")
    rows = login(registrar).get("/volunteers/progress/").context["rows"]
    assert [(row["closed"], row["total"], row["share"]) for row in rows] == [(1, 1, None)]
