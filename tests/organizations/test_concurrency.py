"""Tree writers running at the same time (PostgreSQL): they wait for each other
(`zhiyuan.common.locks`, TREE_LOCK) instead of failing with unique violations."""

from django.core.exceptions import ValidationError

from tests.concurrency import at_once, postgres_only
from tests.conftest import MINI_DIVISIONS
from zhiyuan.accounts.models import User
from zhiyuan.divisions.importer import import_divisions
from zhiyuan.divisions.models import Division
from zhiyuan.organizations import services
from zhiyuan.organizations.enums import OrgKind, OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.structure import build_structure, create_management_area

pytestmark = postgres_only

CITY = "430600000000"


def _no_tree_problems() -> bool:
    return all(not problems for problems in Organization.objects.find_problems())


def test_builds_of_one_city_at_once_build_it_once(empty_db_tx: None) -> None:
    import_divisions(MINI_DIVISIONS, year=2023)

    def build(_: int) -> int:
        return build_structure(Division.objects.get(code=CITY), actor=None).total_created

    created = at_once(4, build)
    assert sorted(created) == [0, 0, 0, 33]
    codes = list(Organization.objects.values_list("code", flat=True))
    assert len(codes) == 33
    assert len(set(codes)) == 33
    assert _no_tree_problems()


def test_one_management_area_added_twice_at_once_is_made_once(world_tx: None) -> None:
    before = Organization.objects.count()

    def add(_: int) -> str:
        return create_management_area(
            "南湖风景区",
            code="NHFJQ",
            parent_division=Division.objects.get(code=CITY),
            townships=[Division.objects.get(code="430603001000")],
            actor=None,
        ).code

    assert at_once(4, add) == ["NHFJQ-GC"] * 4
    assert Organization.objects.count() == before + 3
    assert _no_tree_problems()


def test_one_code_created_twice_at_once_gives_one_organisation_and_clean_refusals(
    world_tx: None,
) -> None:
    admin = User.objects.get(username="street_admin")
    parent_pk = Organization.objects.get(code="430602001-SC").pk

    def create(index: int) -> str:
        return services.create_organization(
            Organization.objects.get(pk=parent_pk),
            actor=admin,
            code="TEAM-1",
            name=f"第{index}队",
            kind=OrgKind.SERVICE_TEAM,
            level=OrgLevel.STREET,
        ).code

    outcomes = at_once(6, create)
    assert outcomes.count("TEAM-1") == 1
    refusals = [o for o in outcomes if o != "TEAM-1"]
    assert all(isinstance(o, ValidationError) for o in refusals), refusals
    assert Organization.objects.filter(code="TEAM-1").count() == 1
    assert _no_tree_problems()


def test_organisations_created_at_once_under_one_parent_get_their_own_paths(
    world_tx: None,
) -> None:
    admin = User.objects.get(username="street_admin")
    parent_pk = Organization.objects.get(code="430602001-SC").pk

    def create(index: int) -> str:
        return services.create_organization(
            Organization.objects.get(pk=parent_pk),
            actor=admin,
            code=f"TEAM-{index}",
            name=f"第{index}队",
            kind=OrgKind.SERVICE_TEAM,
            level=OrgLevel.STREET,
        ).path

    paths = at_once(6, create)
    assert all(isinstance(path, str) for path in paths), paths
    assert len(set(paths)) == 6
    assert _no_tree_problems()
