"""A small hand-checked fixture for the targets and Attachment 3, on the test world's city.

Units (work units):
- 市一中 under 岳阳楼街道's centre: a school (70 %); headcount 50 from two years ago, 114 from
  30 days ago: target ceil(0.7 × 114) = ceil(79.8) = 80 today, ceil(0.7 × 50) = 35 before.
- 区政府办 directly under 岳阳楼区's committee: party and government (60 %); headcount 16:
  target ceil(9.6) = 10.
- 无人数公司 under 三眼桥街道's centre: an enterprise (50 %) without a headcount.

Communities (their stations, 15 % of the resident population):
- 郭亮社区 (430602001001): 1000 people, target 150.
- 汴河社区 (430602001002): 99 people, target ceil(14.85) = 15.
- every other community: no population.

The city marks 岳阳楼区 (430602000000) as its built-up area, 200000 people: 10 % = 20000.

Registrations, all today:
- v1 through 郭亮社区's station, work unit 市一中, registered;
- v2 through 郭亮社区's station, no work unit, registered;
- v3 through 郭亮社区's station, work unit 市一中, applied only (pending);
- v4 through 岳阳楼街道's centre, work unit 区政府办, registered;
- v5 through 岳阳楼街道's centre, work unit 区政府办, registered then suspended (not counted);
- v6 through 三眼桥街道's centre, work unit 无人数公司, registered.

So: 市一中 counts v1 (1 of 80: 1.25 % → 1.3 % half up), pending v3; 郭亮社区 counts v1 and v2
(2 of 150: 1.3 %), pending v3; 区政府办 counts v4 (1 of 10); 无人数公司 counts v6; the city
as a whole counts v1, v2, v4, v6 once each (4).
"""

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import kept_for_the_module
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.enums import OrgKind, OrgLevel, UnitCategory
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import selectors, services
from zhiyuan.reports.models import Headcount
from zhiyuan.volunteers.services import suspend_registration

CITY = "4306-GC"
DISTRICT = "430602-GC"
STREET_CENTRE = "430602001-SC"
OTHER_CENTRE = "430602002-SC"
GUOLIANG = "430602001001"
BIANHE = "430602001002"


@dataclass
class Fixture:
    school: Organization
    office: Organization
    company: Organization
    today: date
    before: date  # a day when the school's earlier headcount was in force


def _unit(parent: str, code: str, name: str, category: str) -> Organization:
    """A work unit under `parent` (added through treebeard, as WorkUnitFactory does, without
    advancing the factory's name sequence that other tests count on)."""
    unit = Organization(
        code=code, name=name, kind=OrgKind.WORK_UNIT, level=OrgLevel.STREET, unit_category=category
    )
    return Organization.objects.add_child(Organization.objects.get(code=parent), instance=unit)


def make_targets() -> Fixture:
    """The rows of the fixture, returned as `Fixture`."""
    today = selectors.local_today()
    school = _unit(STREET_CENTRE, "U-SCHOOL", "市一中", UnitCategory.CIVILISED_UNIT_SCHOOL)
    office = _unit(DISTRICT, "U-OFFICE", "区政府办", UnitCategory.PARTY_GOVERNMENT)
    company = _unit(OTHER_CENTRE, "U-COMPANY", "无人数公司", UnitCategory.ENTERPRISE_INSTITUTION)
    two_years_ago = today - timedelta(days=730)
    Headcount.objects.create(organization=school, headcount=50, valid_from=two_years_ago)
    Headcount.objects.create(organization=school, headcount=114, valid_from=today - timedelta(30))
    Headcount.objects.create(organization=office, headcount=16, valid_from=two_years_ago)
    for code, population in ((GUOLIANG, 1000), (BIANHE, 99), ("430602000000", 200000)):
        services.record_population(
            Division.objects.get(code=code),
            actor=None,
            population=population,
            valid_from=two_years_ago,
        )
    services.set_target_policy(
        Organization.objects.get(code=CITY),
        actor=None,
        rates={},
        built_up_area=[Division.objects.get(code="430602000000")],
    )
    registrar = User.objects.get(username="registrar")
    outsider = User.objects.get(username="outsider")
    station = people.STATION
    people.registered(registrar, through=station, work_unit=school.code)
    people.registered(registrar, through=station)
    people.apply(registrar, through=station, work_unit=school.code)
    people.registered(registrar, work_unit=office.code)
    suspended = people.registered(registrar, work_unit=office.code)
    suspend_registration(suspended, actor=User.objects.get(username="street_admin"), reason="x")
    people.registered(outsider, people.OTHER_STREET, work_unit=company.code)
    return Fixture(school, office, company, today, today - timedelta(days=31))


@pytest.fixture(scope="module")
def _targets(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any
) -> Iterator[Fixture]:
    """`make_targets()` once for all the tests of a module. A module where some tests do not ask
    for `targets` (they must not see it) defines its own, made for each test that does."""
    with kept_for_the_module(request, django_db_blocker, "targets"):
        yield make_targets()


@pytest.fixture
def targets(_targets: Fixture, db: None) -> Fixture:
    return copy.deepcopy(_targets)


def targets_for_each_test() -> Any:
    """For a module where not every test asks for `targets` (`targets = targets_for_each_test()`
    at its top): the fixture made anew for each test that does."""

    @pytest.fixture(name="targets")
    def made_for_the_test(db: None) -> Fixture:
        return make_targets()

    return made_for_the_test


@pytest.fixture
def login_en(login: Callable[[User], Client]) -> Callable[[User], Client]:
    """`login_en(user)`: a logged-in client reading the pages in English (the language switch's
    cookie: pages ignore the browser's Accept-Language)."""

    def make(user: User) -> Client:
        client = login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


# The fixture of Attachments 5, 6 and 7 builds on `targets` (tests/reports/statistics.py).
from tests.reports.statistics import statistics  # noqa: E402, F401
