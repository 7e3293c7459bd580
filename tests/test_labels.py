"""A box's meaning is never only its placeholder: on a 375 px phone a placeholder is cut off,
and it vanishes as one types. Every text box with a placeholder has a visible label."""

from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client

from zhiyuan.accounts.models import User

pytestmark = pytest.mark.django_db

PAGES = [
    ("/", None),
    ("/join/", None),
    ("/me/", None),
    ("/accounts/login/", None),
    ("/volunteers/", "street_admin"),
    ("/volunteers/progress/", "street_admin"),
    ("/volunteers/imports/", "street_admin"),
    ("/organizations/", "street_admin"),
    ("/divisions/search/", "street_admin"),
    ("/accounts/users/", "street_admin"),
    ("/audit/", "street_admin"),
]


class Boxes(HTMLParser):
    """Boxes with a placeholder, and whether a label names them."""

    def __init__(self) -> None:
        super().__init__()
        self.labelled_ids: set[str] = set()
        self.inside_label = 0
        self.boxes: list[tuple[str, str, bool]] = []  # (name, id, inside a label)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "label":
            self.inside_label += 1
            if values.get("for"):
                self.labelled_ids.add(str(values["for"]))
        elif tag in ("input", "textarea") and values.get("placeholder") is not None:
            name, box_id = str(values.get("name", "")), str(values.get("id", ""))
            self.boxes.append((name, box_id, self.inside_label > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.inside_label = max(0, self.inside_label - 1)

    def unlabelled(self) -> list[str]:
        return [
            name
            for name, box_id, inside in self.boxes
            if not inside and box_id not in self.labelled_ids
        ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_box_with_a_placeholder_has_a_visible_label(
    language: str, login: Callable[[User], Client]
) -> None:
    unlabelled = []
    for url, who in PAGES:
        client = login(User.objects.get(username=who)) if who else Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        parser = Boxes()
        parser.feed(client.get(url, follow=True).content.decode())
        unlabelled += [f"{url} {name}" for name in parser.unlabelled()]
    assert unlabelled == []
