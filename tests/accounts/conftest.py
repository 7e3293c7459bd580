"""Fixtures of the account tests: English-speaking clients, and people who
share a mobile number (a family: a parent and a child, each with an account)."""

from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from tests.conftest import PASSWORD
from zhiyuan.accounts.models import Role, User
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization

FAMILY_MOBILE = "13712345678"


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    """Throttles (reset codes per address) count in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def en_client(db: None) -> Client:
    """An anonymous client that reads English pages (msgids, stable before translation)."""
    return english(Client())


@pytest.fixture
def en_login(login: Callable[[User], Client]) -> Callable[[User], Client]:
    """`en_login(user)`: a client logged in as `user`, reading English pages."""
    return lambda user: english(login(user))


@pytest.fixture
def family(db: None) -> list[User]:
    """Two accounts sharing FAMILY_MOBILE and PASSWORD, both on 郭亮社区志愿服务站."""
    station = Organization.objects.get(code="430602001001-ST")
    people = []
    for username, name in (("parent", "张大明"), ("child", "张小明")):
        user = User.objects.create_user(username, PASSWORD, name=name, mobile=FAMILY_MOBILE)
        Role.objects.create(user=user, organization=station, kind=RoleKind.VIEWER)
        people.append(user)
    return people
