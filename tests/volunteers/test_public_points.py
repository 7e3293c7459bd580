"""The public registration points as each process keeps them (`selectors.public_points`): a
change that matters (a body or its organisation deactivated, renamed, designated; a delegation
granted or revoked; a centre moved to a management area; a district renamed by a division
import) reaches every gunicorn worker at once, through the generation counters alone.

Each test plays two workers (`tests.processes`) that both read the points before the change;
the change is made in one of them, by the path people use (a service, the admin), and its
transaction commits (`django_capture_on_commit_callbacks(execute=True)`)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.processes import as_process
from tests.volunteers.people import OTHER_STREET, STATION, STREET
from zhiyuan.accounts.models import User
from zhiyuan.common import generations
from zhiyuan.divisions.importer import import_divisions
from zhiyuan.organizations import services as organization_services
from zhiyuan.organizations.structure import add_management_area
from zhiyuan.volunteers import selectors, services
from zhiyuan.volunteers.models import Delegation, RegistrationBody

pytestmark = pytest.mark.django_db

MINI_DIVISIONS = Path(__file__).parent.parent / "data" / "mini-divisions.csv"

# The world's points as (body's organisation, registered through), in tree order.
WORLD_POINTS = [
    ("4306-VA", "4306-VA"),
    ("430602-VA", "430602-VA"),
    (STREET, STREET),
    (STREET, STATION),
    (OTHER_STREET, OTHER_STREET),
    ("430603-VA", "430603-VA"),
    ("430603001-SC", "430603001-SC"),
    ("YYETDZ-VA", "YYETDZ-VA"),
    ("430602402-SC", "430602402-SC"),
]
WORLD_GROUPS = ["岳阳市", "岳阳楼区", "云溪区", "岳阳经济技术开发区发展志愿服务事业指导委员会"]

Workers = tuple[generations.LocalStore, generations.LocalStore]


@pytest.fixture
def workers() -> Workers:
    """Two workers that have both read (and kept) the points."""
    stores = generations.LocalStore(), generations.LocalStore()
    for store in stores:
        with as_process(store):
            assert codes(selectors.public_registration_points()) == WORLD_POINTS
    return stores


@pytest.fixture
def in_worker(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """`in_worker(store, change)`: make the change in that worker; its transaction commits."""

    def run(store: generations.LocalStore, change: Callable[[], Any]) -> Any:
        with as_process(store), django_capture_on_commit_callbacks(execute=True):
            return change()

    return run


def codes(points: list[selectors.RegistrationPoint]) -> list[tuple[str, str]]:
    return [(point.body.organization.code, point.organization.code) for point in points]


def listed(store: generations.LocalStore) -> list[tuple[str, str]]:
    with as_process(store):
        return codes(selectors.public_registration_points())


def names(store: generations.LocalStore) -> list[str]:
    with as_process(store):
        return [str(point) for point in selectors.public_registration_points()]


def groups(store: generations.LocalStore) -> dict[str, list[str]]:
    with as_process(store):
        by_district = selectors.public_points().value.by_district
    return {label: [point.organization.code for point in points] for label, points in by_district}


def without(*gone: tuple[str, str]) -> list[tuple[str, str]]:
    return [point for point in WORLD_POINTS if point not in gone]


def test_a_body_deactivated_in_the_admin_leaves_every_workers_list(
    workers: Workers, in_worker: Callable[..., Any], body: Any, staff: User
) -> None:
    first, second = workers
    closed = body(OTHER_STREET)
    admin = Client()
    admin.force_login(staff)
    url = f"/admin/volunteers/registrationbody/{closed.pk}/change/"
    form = {"organization": closed.organization_id, "code": closed.code}  # is_active unticked
    response = in_worker(first, lambda: admin.post(url, form))
    assert response.status_code == 302
    assert RegistrationBody.objects.get(pk=closed.pk).is_active is False
    gone = (OTHER_STREET, OTHER_STREET)
    assert listed(first) == listed(second) == without(gone)


def test_a_deactivated_organisation_takes_its_body_off_every_workers_list(
    workers: Workers, in_worker: Callable[..., Any], org: Any, district_admin: User
) -> None:
    first, second = workers
    centre = org(OTHER_STREET)
    in_worker(
        first,
        lambda: organization_services.set_organization_active(
            centre, actor=district_admin, active=False
        ),
    )
    assert listed(second) == listed(first) == without((OTHER_STREET, OTHER_STREET))
    in_worker(
        second,
        lambda: organization_services.set_organization_active(
            centre, actor=district_admin, active=True
        ),
    )
    assert listed(first) == listed(second) == WORLD_POINTS


def test_a_revoked_delegation_leaves_every_workers_list(
    workers: Workers, in_worker: Callable[..., Any], body: Any, street_admin: User
) -> None:
    """revoke_delegation writes with update(), which sends no signal: the service bumps."""
    first, second = workers
    delegation = Delegation.objects.get(body=body(STREET))
    in_worker(first, lambda: services.revoke_delegation(delegation, actor=street_admin))
    assert listed(second) == listed(first) == without((STREET, STATION))


def test_a_renamed_body_is_listed_by_its_new_name_in_every_worker(
    workers: Workers, in_worker: Callable[..., Any], org: Any, street_admin: User
) -> None:
    first, second = workers
    centre = org(STREET)
    in_worker(
        first,
        lambda: organization_services.update_organization(
            centre, actor=street_admin, name="岳阳楼街道新时代文明实践志愿服务中心"
        ),
    )
    assert names(second)[2:4] == [
        "岳阳楼街道新时代文明实践志愿服务中心",
        "郭亮社区志愿服务站 (岳阳楼街道新时代文明实践志愿服务中心)",
    ]
    assert names(first) == names(second)


def test_a_new_body_and_a_new_delegation_reach_every_worker(
    workers: Workers, in_worker: Callable[..., Any], org: Any, body: Any, city_admin: User
) -> None:
    first, second = workers
    team = org("430602-GT")  # 岳阳楼区志愿服务总队
    in_worker(first, lambda: services.designate_body(team, code="ZZ01", actor=city_admin))
    far_station = org("430603001003-ST")
    in_worker(
        second,
        lambda: services.grant_delegation(body("4306-VA"), far_station, actor=city_admin),
    )
    expected = [
        *WORLD_POINTS[:2],
        ("430602-GT", "430602-GT"),
        *WORLD_POINTS[2:7],
        ("4306-VA", "430603001003-ST"),
        *WORLD_POINTS[7:],
    ]
    assert listed(first) == listed(second) == expected


def test_a_centre_moved_into_a_management_area_is_regrouped_in_every_worker(
    workers: Workers, in_worker: Callable[..., Any], org: Any, city_admin: User
) -> None:
    """Extending the existing area creates nothing: the builder adds jurisdictions in bulk and
    moves the centre with treebeard (paths rewritten in SQL), neither sending a signal."""
    first, second = workers
    area = "岳阳经济技术开发区发展志愿服务事业指导委员会"
    assert groups(second)["岳阳楼区"] == ["430602-VA", STREET, STATION, OTHER_STREET]
    in_worker(
        first,
        lambda: add_management_area(
            org("4306-GC"),
            name="岳阳经济技术开发区",
            code="YYETDZ",
            townships=["430602402000", "430602002000"],
            actor=city_admin,
        ),
    )
    regrouped = groups(second)
    assert regrouped["岳阳楼区"] == ["430602-VA", STREET, STATION]
    assert regrouped[area] == ["YYETDZ-VA", "430602402-SC", OTHER_STREET]
    assert groups(first) == regrouped


def test_a_district_renamed_by_a_division_import_is_relabelled_in_every_worker(
    workers: Workers, in_worker: Callable[..., Any], tmp_path: Path
) -> None:
    """The import rewrites names with SQL (no signal): the importer bumps."""
    first, second = workers
    renamed = tmp_path / "divisions.csv"
    renamed.write_text(
        MINI_DIVISIONS.read_text(encoding="utf-8").replace(",云溪区,", ",云溪新区,"),
        encoding="utf-8",
    )
    assert list(groups(second)) == WORLD_GROUPS
    in_worker(first, lambda: import_divisions(renamed, year=2023))
    assert (
        list(groups(second))
        == list(groups(first))
        == [
            "岳阳市",
            "岳阳楼区",
            "云溪新区",
            "岳阳经济技术开发区发展志愿服务事业指导委员会",
        ]
    )


def test_a_worker_serves_what_it_kept_until_the_counter_moves(
    workers: Workers, body: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The other way round: a write that bumps nothing (raw SQL, here update()) is not seen
    by a worker that kept the points, which proves it reads them from what it kept; a worker
    starting afresh reads it; the bump that a service would have made reaches both."""
    first, _second = workers
    RegistrationBody.objects.filter(pk=body(OTHER_STREET).pk).update(is_active=False)
    gone = without((OTHER_STREET, OTHER_STREET))
    assert listed(first) == WORLD_POINTS
    assert listed(generations.LocalStore()) == gone
    with django_capture_on_commit_callbacks(execute=True):
        generations.bump(RegistrationBody.GENERATION)
    assert listed(first) == gone


def test_the_points_are_read_with_one_query_while_nothing_changes(
    workers: Workers, django_assert_num_queries: Any
) -> None:
    first, _second = workers
    with as_process(first):
        with django_assert_num_queries(1):  # the generations
            assert len(selectors.public_registration_points(search="街道")) == 4
        with django_assert_num_queries(1):
            assert len(selectors.public_registration_points(by_body=True)) == len(WORLD_POINTS)
