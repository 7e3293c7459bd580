"""Every page URL of the site answers a GET with a page: a reload, a bookmark or the way back
from the SMS app to a form's action URL shows the form (or the page that holds the action),
never a bare 405."""

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from zhiyuan.accounts.models import User

# The API answers in JSON and documents its methods; the admin is Django's own.
NOT_PAGES = ("api/", "admin/")
SAMPLE = {"int": "1", "str": "x", "slug": "x", "path": "x"}


def _page_routes(patterns: list[object], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        route = str(getattr(entry, "pattern", ""))
        if isinstance(entry, URLResolver):
            yield from _page_routes(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern) and not route.startswith("^"):
            yield prefix + route


def page_urls() -> list[str]:
    urls = []
    for route in _page_routes(get_resolver().url_patterns):
        if route.startswith(NOT_PAGES):
            continue
        urls.append("/" + re.sub(r"<(\w+):\w+>", lambda m: SAMPLE[m.group(1)], route))
    return urls


def test_the_walk_finds_the_post_only_actions() -> None:
    urls = page_urls()
    for url in ("/me/login/", "/me/code/", "/accounts/logout/", "/volunteers/1/suspend/"):
        assert url in urls


@pytest.mark.parametrize("who", ["anonymous", "staff", "registrar"])
def test_every_page_url_answers_a_get_with_a_page(who: str, db: None) -> None:
    client = Client()
    if who != "anonymous":
        client.force_login(User.objects.get(username=who))
    refused = []
    for url in page_urls():
        response = client.get(url, follow=True)
        if response.status_code == 405 or not response.content.strip():
            refused.append((url, response.status_code))
    assert refused == []


@pytest.mark.parametrize(
    ("url", "shows"),
    [
        ("/me/login/", "/me/"),
        ("/me/code/", "/me/"),
        ("/me/logout/", "/me/"),
        ("/me/teams/join/", "/me/"),
        ("/me/teams/leave/", "/me/"),
        ("/me/requests/", "/me/"),
        ("/join/confirm/resend/", "/join/confirm/"),
        ("/prefs/large-text/", "/"),
        ("/accounts/login/choose/", "/accounts/login/"),
        ("/accounts/password-reset/code/", "/accounts/password-reset/"),
    ],
)
def test_a_public_form_action_opened_directly_shows_its_form(
    url: str, shows: str, client: Client
) -> None:
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, shows)
    assert client.get(shows).status_code == 200


def test_the_sms_log_in_opened_directly_shows_the_mobile_form(client: Client) -> None:
    page = client.get("/me/login/", follow=True)
    assert page.status_code == 200
    assert b'name="mobile"' in page.content
    assert b'action="/me/login/"' in page.content


def test_an_office_action_opened_directly_shows_the_page_with_the_action(
    staff: User, login: object, registered: object
) -> None:
    volunteer = registered(staff)
    client = login(staff)
    for action in ("suspend", "reinstate", "cancel", "transfer", "reveal", "photo/upload"):
        response = client.get(f"/volunteers/{volunteer.pk}/{action}/")
        assert (response.status_code, response["Location"]) == (
            302,
            f"/volunteers/{volunteer.pk}/",
        )
    for url, shows in [
        ("/organizations/1/active/", "/organizations/1/"),
        ("/organizations/1/build-structure/", "/organizations/1/"),
        (f"/accounts/users/{staff.pk}/invite/", f"/accounts/users/{staff.pk}/"),
        (f"/accounts/users/{staff.pk}/roles/9/revoke/", f"/accounts/users/{staff.pk}/"),
        ("/volunteers/work/requests/1/handle/", "/volunteers/work/requests/"),
        ("/volunteers/work/memberships/1/decide/", "/volunteers/work/memberships/"),
        ("/volunteers/bodies/1/delegations/", "/volunteers/bodies/1/"),
        ("/volunteers/imports/1/commit/", "/volunteers/imports/1/"),
    ]:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, shows)
