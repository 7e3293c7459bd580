"""Search boxes and filters never turn odd input into a 500 (zhiyuan.common.params)."""

import pytest
from django.test import RequestFactory

from zhiyuan.accounts.models import User
from zhiyuan.common.params import SEARCH_MAX, search_text

PAGES = [
    ("/organizations/", "q"),
    ("/accounts/users/", "q"),
    ("/divisions/search/", "q"),
    ("/audit/", "action"),
]
ODD = ["a" * 100_000, "\x00", "岳阳\x00楼", "\x1b[31m", "%"]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "name"), PAGES)
@pytest.mark.parametrize("value", ODD, ids=["long", "nul", "inner-nul", "escape", "percent"])
def test_search_pages_take_any_text(
    login, street_admin: User, url: str, name: str, value: str
) -> None:
    client = login(street_admin)
    client.raise_request_exception = False
    assert client.get(url, {name: value}).status_code == 200


def test_search_text_drops_control_characters_and_keeps_at_most_100() -> None:
    factory = RequestFactory()
    assert search_text(factory.get("/", {"q": " 岳阳\x00楼\x1b "})) == "岳阳楼"
    assert search_text(factory.get("/", {"q": "x" * 500})) == "x" * SEARCH_MAX
    assert search_text(factory.get("/", {"action": "role."}), "action") == "role."
    assert search_text(factory.get("/")) == ""
