"""Status badges look different per status, by colour and by a sign: a registration that is
active, awaiting confirmation, suspended, cancelled or closed is told apart at a glance, and
so are the states of roster imports, team memberships and volunteers' requests."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from zhiyuan.accounts.models import User
from zhiyuan.activities.enums import ActivityStatus, SignUpStatus
from zhiyuan.common.enums import ExportStatus
from zhiyuan.volunteers.enums import (
    ImportStatus,
    MembershipStatus,
    RegistrationStatus,
    RequestStatus,
)

CSS = Path(__file__).parents[2] / "src/zhiyuan/static/zhiyuan/app.css"
BADGES = {
    "status": RegistrationStatus,
    "import": ImportStatus,
    "membership": MembershipStatus,
    "request": RequestStatus,
    "export": ExportStatus,
    "activity": ActivityStatus,
    "signup": SignUpStatus,
}


def declarations() -> dict[str, str]:
    """Selector -> its declarations, from app.css (comments left out)."""
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    found: dict[str, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        for selector in selectors.split(","):
            key = " ".join(selector.split())
            found[key] = found.get(key, "") + body
    return found


def look(rules: dict[str, str], prefix: str, value: str) -> tuple[str, str]:
    body = rules.get(f".badge.{prefix}-{value}", "")
    sign = rules.get(f".badge.{prefix}-{value}::before", "")
    background = re.search(r"background:\s*([^;]+)", body)
    content = re.search(r"content:\s*([^;]+)", sign)
    return (background.group(1).strip() if background else "", content.group(1) if content else "")


@pytest.mark.parametrize("prefix", sorted(BADGES))
def test_every_status_has_a_look_of_its_own_kind(prefix: str) -> None:
    rules = declarations()
    looks = {value: look(rules, prefix, value) for value in BADGES[prefix].values}
    assert [value for value, (colour, sign) in looks.items() if not colour or not sign] == []


def test_the_registrations_statuses_all_look_different() -> None:
    rules = declarations()
    looks = [look(rules, "status", value) for value in RegistrationStatus.values]
    assert len(set(looks)) == len(looks) == 5
    assert len({colour for colour, _sign in looks}) == 5
    assert len({sign for _colour, sign in looks}) == 5


@pytest.mark.django_db
def test_pages_mark_each_status_by_its_kind(
    registrar: User,
    login: Callable[[User], Client],
    registered: Callable[..., Any],
    apply: Callable[..., Any],
) -> None:
    active, applied = registered(registrar), apply(registrar)
    html = login(registrar).get("/volunteers/").content.decode()
    assert '<span class="badge status-active">' in html
    assert '<span class="badge status-applied">' in html
    detail = login(registrar).get(f"/volunteers/{active.pk}/").content.decode()
    assert '<span class="badge status-active">' in detail
    assert applied.pk != active.pk
