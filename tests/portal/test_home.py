"""The site's root: a public landing page for residents (what the platform is, register, my
registration), with the office log-in one click away; office users who are logged in go on
to their work, the dashboard."""

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from zhiyuan.accounts.models import User

pytestmark = pytest.mark.django_db


def _links(html: str) -> list[str]:
    return re.findall(r'<a[^>]* href="([^"]+)"', html)


def test_the_root_is_a_public_landing_page_with_the_ways_in(client: Client) -> None:
    page = client.get("/")
    html = page.content.decode()
    assert page.status_code == 200
    assert page.templates[0].name == "portal/home.html"
    links = _links(html)
    for way_in in ("/join/", "/me/", "/accounts/login/"):
        assert way_in in links
    assert "志愿服务平台" in html
    assert "注册成为志愿者" in html
    assert "我的注册" in html


def test_the_landing_page_reads_in_english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/").content.decode()
    assert "Register as a volunteer" in html
    assert "My registration" in html
    assert "Office staff: log in" in html


def test_a_logged_in_office_user_goes_on_to_their_work(
    login: Callable[[User], Client], registrar: User
) -> None:
    response = login(registrar).get("/")
    assert (response.status_code, response["Location"]) == (302, "/reports/dashboard/")


def test_every_public_page_offers_the_office_log_in(client: Client) -> None:
    for url in ("/join/", "/me/"):
        assert "/accounts/login/" in _links(client.get(url).content.decode())
