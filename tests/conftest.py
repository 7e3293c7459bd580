"""Shared fixtures: a small real city (from tests/data/mini-divisions.csv) and personas.

The world is built once per test session for `db` tests; transactional tests (browser,
concurrency) flush the database afterwards, so they build it again with `world_tx`.

Personas (password: PASSWORD):
- city_admin: administrator of 岳阳市 (4306-GC)
- district_admin: administrator of 岳阳楼区 (430602-GC)
- street_admin / registrar / checker / viewer: on 岳阳楼街道 service centre (430602001-SC)
- team_leader: on 郭亮社区 service team (430602001001-TM)
- outsider: administrator of another street, 三眼桥街道 (430602002-SC)
- etdz_admin: administrator of the management area 岳阳经济技术开发区 (YYETDZ-GC)
- nobody: an account with no role; staff: platform superuser

Registration bodies: every volunteer association and service centre, codes 4306001… in tree
order (`body(org_code)`); 郭亮社区's station (430602001001-ST) registers for 岳阳楼街道's centre.

Volunteers: the fixtures `apply`, `registered` and `confirm` of tests/volunteers/conftest.py
(synthetic people of tests/volunteers/people.py), imported here for every test directory.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import translation

from tests.volunteers.conftest import apply, confirm, registered  # noqa: F401 (fixtures)
from zhiyuan.accounts.models import Role, User
from zhiyuan.common import generations
from zhiyuan.common.sms import OutboxSmsBackend, SmsMessage
from zhiyuan.divisions.importer import import_divisions
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.structure import build_structure, create_management_area
from zhiyuan.volunteers.models import RegistrationBody
from zhiyuan.volunteers.services import designate_standard_bodies, grant_delegation

DATA = Path(__file__).parent / "data"
MINI_DIVISIONS = DATA / "mini-divisions.csv"
PASSWORD = "correct-horse-battery-9"

PERSONAS = {
    "city_admin": ("周文明", "4306-GC", RoleKind.ADMINISTRATOR, "13900000001"),
    "district_admin": ("李区管", "430602-GC", RoleKind.ADMINISTRATOR, ""),
    "street_admin": ("王街道", "430602001-SC", RoleKind.ADMINISTRATOR, "13900000003"),
    "registrar": ("陈登记", "430602001-SC", RoleKind.REGISTRAR, ""),
    "checker": ("吴核查", "430602001-SC", RoleKind.CHECKER, ""),
    "viewer": ("郑查看", "430602001-SC", RoleKind.VIEWER, ""),
    "team_leader": ("刘队长", "430602001001-TM", RoleKind.TEAM_LEADER, ""),
    "outsider": ("孙三眼", "430602002-SC", RoleKind.ADMINISTRATOR, ""),
    "etdz_admin": ("赵开发", "YYETDZ-GC", RoleKind.ADMINISTRATOR, ""),
}


def build_world() -> None:
    import_divisions(MINI_DIVISIONS, year=2023)
    city = Division.objects.get(code="430600000000")
    build_structure(city, actor=None)
    create_management_area(
        "岳阳经济技术开发区",
        code="YYETDZ",
        parent_division=city,
        townships=[Division.objects.get(code="430602402000")],
        actor=None,
    )
    for username, (name, org_code, kind, mobile) in PERSONAS.items():
        user = User.objects.create_user(username, PASSWORD, name=name, mobile=mobile)
        Role.objects.create(
            user=user, organization=Organization.objects.get(code=org_code), kind=kind
        )
    designate_standard_bodies(Organization.objects.get(code="4306-GC"), prefix="4306", actor=None)
    grant_delegation(
        RegistrationBody.objects.get(organization__code="430602001-SC"),
        Organization.objects.get(code="430602001001-ST"),
        actor=None,
    )
    User.objects.create_user("nobody", PASSWORD, name="无角色")
    User.objects.create_superuser("staff", PASSWORD, name="平台")


#: pytest-django's fixtures that open the test database (the persona fixtures ask for `db`).
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "database: uses the test database (set at collection: the django_db mark or a database "
        "fixture); the others never reach it, so they run alike on SQLite and PostgreSQL",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that use the database `database`, before `-m` selects: CI's PostgreSQL
    pass runs only those (`-m database`), since pytest-django blocks the database for the
    others and the SQLite pass runs them already."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("django_db") or fixtures & DATABASE_FIXTURES:
            item.add_marker(pytest.mark.database)


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        fixtures & (DATABASE_FIXTURES - {"db"})
    )


@contextmanager
def kept_for_the_module(
    request: pytest.FixtureRequest, django_db_blocker: object, name: str
) -> Iterator[None]:
    """For a module-scoped fixture `name` whose rows take long to write: they are written once,
    in a transaction rolled back after the module's last test, and each test runs in a savepoint
    inside it (pytest-django's `db`), so it starts from these rows and from nothing another test
    wrote, as if it had made them itself. Hand each test a copy of what the fixture returns
    (`copy.deepcopy`), as Django's setUpTestData does, so that no test sees another's changes to
    the objects in memory.

    The rows are there for every test of the module, so every test must ask for `name`, and
    none may be transactional (it would flush inside the open transaction): fails otherwise.
    """
    module = request.node
    tests = [item for item in request.session.items if item.getparent(pytest.Module) is module]
    strangers = [item.name for item in tests if name not in getattr(item, "fixturenames", ())]
    strangers += [item.name for item in tests if _transactional(item)]
    if strangers:
        pytest.fail(
            f"{module.name} shares {name!r} through an open transaction: every test must ask"
            f" for it and none may be transactional, unlike {strangers}"
        )
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        build_world()


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in the default language (Simplified Chinese): requests activate the
    language they ask for, and Django keeps it active in the thread afterwards."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _nothing_kept() -> Iterator[None]:
    """What the process keeps (`common.generations`) outlives a test's rolled-back transaction,
    whose generation counters roll back with it: each test starts with nothing kept."""
    generations.local.clear()
    yield
    generations.local.clear()


@pytest.fixture(autouse=True)
def _cache_cleared() -> Iterator[None]:
    """Counters kept in the cache (rate limits of log-ins, public checks, objections) outlive a
    test's rolled-back transaction: each test starts with an empty cache, so one test's requests
    never throttle another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def outbox() -> Iterator[list[SmsMessage]]:
    """The SMS messages sent during the test (the test settings' backend is the outbox), empty
    at the start of every test; ask for it by name to read it."""
    OutboxSmsBackend.outbox.clear()
    yield OutboxSmsBackend.outbox
    OutboxSmsBackend.outbox.clear()


@pytest.fixture
def world_tx(transactional_db: None) -> None:
    """The same world for transactional tests, which start from an empty database."""
    if not User.objects.filter(username="city_admin").exists():
        build_world()


@pytest.fixture
def empty_db_tx(transactional_db: None) -> None:
    """An empty database for transactional tests (the session world may still be there), as
    `migrate` leaves one: the flush empties the rows a migration seeds too, so the plan's
    activity categories (which the demo's activities use) are seeded again."""
    call_command("flush", interactive=False, verbosity=0)
    import_module("zhiyuan.activities.migrations.0001_initial").seed_categories(apps, None)


def _persona(username: str) -> Callable[..., User]:
    @pytest.fixture
    def fixture(db: None) -> User:
        return User.objects.get(username=username)

    return fixture


city_admin = _persona("city_admin")
district_admin = _persona("district_admin")
street_admin = _persona("street_admin")
registrar = _persona("registrar")
checker = _persona("checker")
viewer = _persona("viewer")
team_leader = _persona("team_leader")
outsider = _persona("outsider")
etdz_admin = _persona("etdz_admin")
nobody = _persona("nobody")
staff = _persona("staff")


@pytest.fixture
def login() -> Callable[[User], Client]:
    """`login(user)` gives a test client logged in as `user`."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def body() -> Callable[[str], RegistrationBody]:
    """`body(org_code)` fetches the registration body of an organisation of the world."""
    return lambda code: RegistrationBody.objects.get(organization__code=code)


@pytest.fixture
def org() -> Callable[[str], Organization]:
    """`org(code)` fetches an organisation of the world by its code."""
    return lambda code: Organization.objects.get(code=code)
