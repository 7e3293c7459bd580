"""Every answer of the site carries the security headers (issue 9, item 10): a
Content-Security-Policy with no inline script, Referrer-Policy, X-Content-Type-Options, and
`Cache-Control: no-store` (pages and API answers hold personal data; none may sit in a
browser's or a proxy's cache). Templates hold no inline script, event handler or style, so the
policy needs no 'unsafe-inline'."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.volunteers.people import STREET
from zhiyuan.accounts.models import User
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import RegistrationBody

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; img-src 'self' data: blob:; "
    "object-src 'none'; script-src 'self'; style-src 'self'"
)
_INLINE = [
    # A script element without src (JSON data islands, type="application/json", run nothing).
    re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE),
    re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),  # onclick=, onfocus=, onchange= …
    re.compile(r"<style[\s>]", re.IGNORECASE),
    re.compile(r"\sstyle\s*=", re.IGNORECASE),
    re.compile(r"javascript:", re.IGNORECASE),
]


def _routes(patterns: list[object], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        route = str(getattr(entry, "pattern", ""))
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


def _urls(ids: dict[str, str]) -> list[str]:
    """Every route of the URLconf, its parameters filled with ids of real objects where the
    route's prefix says which (else 1: a 404 must carry the headers too)."""
    urls = []
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(("^", "admin/")):  # Django's admin: its index stands for it
            continue
        sample = next((value for prefix, value in ids.items() if route.startswith(prefix)), "1")
        filled = re.sub(r"<int:\w+>", sample, route)
        urls.append("/" + re.sub(r"<\w+:\w+>", "x", filled))
    return [*sorted(set(urls)), "/admin/", "/static/zhiyuan/app.css", "/no-such-page/"]


@pytest.fixture
def ids(registrar: User, registered: object) -> dict[str, str]:
    volunteer = registered(registrar)  # type: ignore[operator]
    street = Organization.objects.get(code=STREET)
    body = RegistrationBody.objects.get(organization=street)
    return {
        "volunteers/bodies/": str(body.pk),
        "volunteers/": str(volunteer.pk),
        "organizations/": str(street.pk),
        "accounts/users/": str(registrar.pk),
        "api/v1/volunteers/": str(volunteer.pk),
        "api/v1/organizations/": str(street.pk),
        "api/v1/registration-bodies/": str(body.pk),
        "api/v1/accounts/": str(registrar.pk),
    }


def _directives(policy: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {name: value for name, value in parts}


def _missing(response: object, url: str) -> list[str]:
    headers = response.headers  # type: ignore[attr-defined]
    wrong = []
    if url.startswith("/static/"):  # not a page: no personal data, cached for ever
        return [] if headers.get("X-Content-Type-Options") == "nosniff" else ["nosniff"]
    if _directives(headers.get("Content-Security-Policy", "")) != _directives(POLICY):
        wrong.append(f"CSP {headers.get('Content-Security-Policy')!r}")
    if headers.get("Referrer-Policy") != "same-origin":
        wrong.append(f"Referrer-Policy {headers.get('Referrer-Policy')!r}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        wrong.append("X-Content-Type-Options")
    if "no-store" not in headers.get("Cache-Control", ""):
        wrong.append(f"Cache-Control {headers.get('Cache-Control')!r}")
    content_type = headers.get("Content-Type", "")
    if content_type.startswith("text/html") and response.status_code == 200:  # type: ignore[attr-defined]
        html = response.content.decode()  # type: ignore[attr-defined]
        wrong += [f"inline {m[0]!r}" for rule in _INLINE for m in rule.finditer(html)]
    return wrong


@pytest.mark.slow
@pytest.mark.parametrize("who", ["anonymous", "registrar", "city_admin", "staff"])
def test_every_url_answers_with_the_security_headers(who: str, ids: dict[str, str]) -> None:
    client = Client()
    if who != "anonymous":
        client.force_login(User.objects.get(username=who))
    wrong = {}
    for url in _urls(ids):
        missing = _missing(client.get(url), url)
        if missing:
            wrong[url] = missing
    assert wrong == {}


def test_api_answers_and_downloads_are_not_stored(
    registrar: User, login: object, registered: object
) -> None:
    volunteer = registered(registrar)  # type: ignore[operator]
    client = login(registrar)  # type: ignore[operator]
    export = reverse("volunteers:export-ledger")
    for url in (f"/api/v1/volunteers/{volunteer.pk}/", export, f"/volunteers/{volunteer.pk}/"):
        response = client.get(url)
        assert "no-store" in response.headers["Cache-Control"], url


def test_no_template_holds_an_inline_script_handler_or_style() -> None:
    root = Path(__file__).resolve().parents[2] / "src" / "zhiyuan" / "templates"
    found = [
        (str(path.relative_to(root)), match[0])
        for path in sorted(root.rglob("*.html"))
        for rule in _INLINE
        for match in rule.finditer(path.read_text())
    ]
    assert found == []
