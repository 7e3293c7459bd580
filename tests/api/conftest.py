"""API test helpers: token clients, JSON calls, and a clean throttle cache per test."""

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from knox.models import AuthToken

from zhiyuan.accounts.models import User


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    """The login throttle counts in the cache, which outlives a test's transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    """Messages are asserted in English (the msgids); Chinese is the default language."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def api() -> Callable[[User], Client]:
    """`api(user)`: a client sending a fresh knox token of `user` (as a mobile app would)."""

    def make(user: User) -> Client:
        _, token = AuthToken.objects.create(user=user)
        return Client(HTTP_AUTHORIZATION=f"Token {token}")

    return make
