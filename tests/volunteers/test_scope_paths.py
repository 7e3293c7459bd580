"""A registration carries copies of the two tree paths it is reached by (the organisation it was
registered through, and its body's organisation: `Volunteer.ACCESS_PATHS`), indexed, so that
a street's ledger reads the street's rows and not the city's (issue 10, item 2). The copies
must stay true whatever moves: a transfer, a change of body or organisation, a roster import,
an organisation moved in the tree (a management area created later, a sibling put first), and
the scoped lists must return exactly what the joined paths gave before."""

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Q

from tests.factories import WorkUnitFactory
from tests.volunteers.people import OTHER_STREET, STATION, STREET
from tests.volunteers.rosters import person, roster_xlsx
from zhiyuan.accounts.models import Role, User
from zhiyuan.divisions.models import Division
from zhiyuan.organizations import access
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.structure import create_management_area
from zhiyuan.volunteers import selectors, services
from zhiyuan.volunteers.enums import ImportMode, RegistrationChannel, RequestKind
from zhiyuan.volunteers.imports.check import check_roster
from zhiyuan.volunteers.imports.upload import upload_roster
from zhiyuan.volunteers.imports.write import import_roster
from zhiyuan.volunteers.models import RegistrationBody, Volunteer, VolunteerRequest

pytestmark = pytest.mark.django_db

CHANGLING = "430603001-SC"  # 长岭街道's centre, in 云溪区 (no persona works there)
ASSOCIATION = "430602-VA"
PERSONAS = (
    "city_admin",
    "district_admin",
    "street_admin",
    "registrar",
    "checker",
    "viewer",
    "team_leader",
    "outsider",
    "etdz_admin",
    "nobody",
    "staff",
)


def copies() -> list[tuple[str, str, str, str]]:
    """(name, organisation path, its copy, body organisation path, its copy) of every row whose
    copy differs from the joined path."""
    rows = Volunteer.objects.values_list(
        "name",
        "organization__path",
        "organization_path",
        "body__organization__path",
        "body_organization_path",
    )
    return [row for row in rows if row[1] != row[2] or row[3] != row[4]]


def joined(user: User, model: Any = Volunteer, via: str = "") -> set[int]:
    """What `scope` returned before the copies: a prefix match of the joined paths."""
    prefixes = access.scope_prefixes(user)
    rows = model.objects.all()
    if prefixes is None:
        return set(rows.values_list("pk", flat=True))
    condition = Q(pk__in=[])
    for prefix in prefixes:
        condition |= Q(**{f"{via}organization__path__startswith": prefix})
        condition |= Q(**{f"{via}body__organization__path__startswith": prefix})
    return set(rows.filter(condition).values_list("pk", flat=True))


@pytest.fixture
def users() -> dict[str, User]:
    return {user.username: user for user in User.objects.filter(username__in=PERSONAS)}


@pytest.fixture
def unit(org: Callable[[str], Organization]) -> Organization:
    """A district unit the district's association delegated to: its registrations lie outside
    the association's subtree (tests/volunteers/test_body_access.py)."""
    unit = WorkUnitFactory(parent=org("430602-GC"), code="UNIT-SCOPE")
    services.grant_delegation(
        RegistrationBody.objects.get(organization__code=ASSOCIATION), unit, actor=None
    )
    return unit


@pytest.fixture
def city_wide(registrar: User, unit: Organization, apply, registered) -> list[Volunteer]:
    """Registrations all over the small city: the street's own and its station's, the other
    street's, 长岭街道's, the district association's through its unit, the city's."""
    self_service = {"channel": RegistrationChannel.SELF}
    made = [
        registered(registrar, STREET, name="街道甲"),
        apply(registrar, STREET, through=STATION, name="社区乙"),
        apply(None, OTHER_STREET, name="三眼桥丙", **self_service),
        apply(None, CHANGLING, name="长岭丁", **self_service),
        apply(None, ASSOCIATION, through=unit.code, name="单位戊", **self_service),
        apply(None, "4306-VA", name="市协会己", **self_service),
    ]
    services.submit_request(made[1], kind=RequestKind.CORRECTION, message="姓名有误")
    services.submit_request(made[3], kind=RequestKind.CORRECTION, message="姓名有误")
    return made


def test_a_registration_carries_both_paths(
    registrar: User, org: Callable[[str], Organization], apply
) -> None:
    volunteer = apply(registrar, STREET, through=STATION)
    volunteer.refresh_from_db()
    assert (volunteer.organization_path, volunteer.body_organization_path) == (
        org(STATION).path,
        org(STREET).path,
    )


def test_scoped_lists_return_what_the_joined_paths_returned(
    city_wide: list[Volunteer], users: dict[str, User]
) -> None:
    for user in users.values():
        assert set(selectors.ledger(user).values_list("pk", flat=True)) == joined(user)
        requests = set(selectors.volunteer_requests(user).values_list("pk", flat=True))
        assert requests == joined(user, VolunteerRequest, via="volunteer__")
    seen = {
        name: sorted(selectors.ledger(users[name]).values_list("name", flat=True))
        for name in ("street_admin", "outsider", "district_admin", "etdz_admin", "nobody")
    }
    assert seen == {
        "street_admin": ["社区乙", "街道甲"],
        "outsider": ["三眼桥丙"],
        "district_admin": ["三眼桥丙", "单位戊", "社区乙", "街道甲"],
        "etdz_admin": [],
        "nobody": [],
    }
    assert selectors.ledger(users["city_admin"]).count() == 6


def test_the_subtree_filter_reads_the_copies(
    city_wide: list[Volunteer], org: Callable[[str], Organization], city_admin: User
) -> None:
    """The ledger's, progress page's and API's organisation filter (`selectors.in_subtree`)."""
    ledger = selectors.ledger(city_admin)
    named = {
        code: sorted(selectors.in_subtree(ledger, org(code)).values_list("name", flat=True))
        for code in (STREET, STATION, ASSOCIATION, "430602-GC", "430603-GC")
    }
    assert named == {
        STREET: ["社区乙", "街道甲"],
        STATION: ["社区乙"],
        ASSOCIATION: ["单位戊"],
        "430602-GC": ["三眼桥丙", "单位戊", "社区乙", "街道甲"],
        "430603-GC": ["长岭丁"],
    }


def test_a_transfer_moves_both_paths(
    registrar: User,
    street_admin: User,
    outsider: User,
    org: Callable[[str], Organization],
    body: Callable[[str], RegistrationBody],
    registered,
) -> None:
    volunteer = registered(registrar, STREET, through=STATION)
    other = body(OTHER_STREET)
    services.transfer_registration(
        volunteer, actor=registrar, body=other, organization=other.organization
    )
    volunteer.refresh_from_db()
    assert (volunteer.organization_path, volunteer.body_organization_path) == (
        org(OTHER_STREET).path,
        org(OTHER_STREET).path,
    )
    assert not selectors.ledger(street_admin).filter(pk=volunteer.pk).exists()
    assert selectors.ledger(outsider).filter(pk=volunteer.pk).exists()


def test_a_new_body_or_organisation_saved_by_name_takes_its_path(
    registrar: User,
    org: Callable[[str], Organization],
    body: Callable[[str], RegistrationBody],
    apply,
) -> None:
    """`save(update_fields=[…])` passes only the named fields to `pre_save`: the model names the
    copies of a relation that changed (`access.with_scope_paths`)."""
    volunteer = Volunteer.objects.get(pk=apply(registrar, STREET, through=STATION).pk)
    volunteer.organization = org(STREET)
    volunteer.save(update_fields=["organization"])
    volunteer = Volunteer.objects.get(pk=volunteer.pk)
    volunteer.body = body(CHANGLING)
    volunteer.save(update_fields=["body_id"])
    volunteer.refresh_from_db()
    assert (volunteer.organization_path, volunteer.body_organization_path) == (
        org(STREET).path,
        org(CHANGLING).path,
    )
    assert copies() == []


def test_a_body_given_another_organisation_takes_its_ledger_along(
    outsider: User, org: Callable[[str], Organization], apply
) -> None:
    """Platform staff may give a body another organisation (the Django admin): the registrations
    it keeps carry the new organisation's path, and its new subtree sees them."""
    volunteer = apply(None, CHANGLING, channel=RegistrationChannel.SELF)
    changling = RegistrationBody.objects.get(organization__code=CHANGLING)
    unit = WorkUnitFactory(parent=org(OTHER_STREET), code="UNIT-MOVED-BODY")
    changling.organization = unit
    changling.save()
    volunteer.refresh_from_db()
    assert volunteer.body_organization_path == unit.path
    assert copies() == []
    assert selectors.ledger(outsider).filter(pk=volunteer.pk).exists()


def test_a_saved_row_without_its_relations_loaded_keeps_its_paths(
    registrar: User, apply, django_assert_num_queries
) -> None:
    """A status change loads the row alone: saving it asks for no organisation."""
    volunteer = Volunteer.objects.get(pk=apply(registrar, STREET).pk)
    with django_assert_num_queries(1):
        volunteer.save()
    assert copies() == []


def test_a_roster_import_writes_both_paths(
    registrar: User, body: Callable[[str], RegistrationBody], org: Callable[[str], Organization]
) -> None:
    street = body(STREET)
    roster_import = upload_roster(
        roster_xlsx([person(1, "名册甲"), person(2, "名册乙")]),
        filename="名册.xlsx",
        body=street,
        organization=org(STATION),
        actor=registrar,
        consent_affirmed=True,
        check=False,
    )
    check_roster(roster_import)
    import_roster(roster_import, actor=registrar, mode=ImportMode.ALL_OR_NOTHING)
    rows = Volunteer.objects.filter(roster_import=roster_import)
    assert sorted(rows.values_list("name", "organization_path", "body_organization_path")) == [
        ("名册乙", org(STATION).path, org(STREET).path),
        ("名册甲", org(STATION).path, org(STREET).path),
    ]


def test_a_street_moved_under_a_new_management_area_takes_its_registrations_along(
    city_wide: list[Volunteer], users: dict[str, User], org: Callable[[str], Organization]
) -> None:
    before = org(CHANGLING).path
    create_management_area(
        "长岭管理区",
        code="CLAREA",
        parent_division=Division.objects.get(code="430600000000"),
        townships=[Division.objects.get(code="430603001000")],
        actor=None,
    )
    assert org(CHANGLING).path != before
    assert org(CHANGLING).path.startswith(org("CLAREA-GC").path)
    assert copies() == []
    area_admin = User.objects.create_user("cl_admin", None, name="长岭区管")
    Role.objects.create(user=area_admin, organization=org("CLAREA-GC"), kind=RoleKind.ADMINISTRATOR)
    assert list(selectors.ledger(area_admin).values_list("name", flat=True)) == ["长岭丁"]
    for user in users.values():
        assert set(selectors.ledger(user).values_list("pk", flat=True)) == joined(user)


def test_siblings_shifted_by_a_move_take_their_registrations_along(
    city_wide: list[Volunteer], users: dict[str, User], org: Callable[[str], Organization]
) -> None:
    """Putting 三眼桥街道 first among the district's children shifts every sibling after it
    (treebeard rewrites each subtree in turn; the copies follow each rewrite in order)."""
    paths = {code: org(code).path for code in (STREET, OTHER_STREET)}
    Organization.objects.move(org(OTHER_STREET), org("430602-VA"), "left")
    assert {code: org(code).path for code in paths} != paths
    assert copies() == []
    for user in users.values():
        assert set(selectors.ledger(user).values_list("pk", flat=True)) == joined(user)
    assert sorted(selectors.ledger(users["street_admin"]).values_list("name", flat=True)) == [
        "社区乙",
        "街道甲",
    ]


def test_the_migration_fills_the_registrations_already_there(city_wide: list[Volunteer]) -> None:
    Volunteer.objects.update(organization_path="", body_organization_path="")
    assert len(copies()) == 6
    migration = importlib.import_module("zhiyuan.volunteers.migrations.0007_scope_paths")
    migration.fill_paths(apps, None)
    assert copies() == []


# --- PostgreSQL: the plan of a street administrator's ledger --------------------------------


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's query plan")
def test_a_street_admins_ledger_reads_the_scope_through_its_indexes(
    street_admin: User, org: Callable[[str], Organization], body: Callable[[str], RegistrationBody]
) -> None:
    """With 4,000 registrations elsewhere in the city and 20 in the street, and statistics
    gathered (ANALYZE), the planner reaches the street's rows through the two path indexes
    (a BitmapOr of two index scans) instead of reading the table. Real statistics, not
    `enable_seqscan = off`: the test shows the plan PostgreSQL chooses, on a table large enough
    that choosing matters. Before the copies, the OR over two joined tables left it no index
    to use, and it read every row."""
    elsewhere = [body(OTHER_STREET), body(CHANGLING), body("4306-VA")]
    street = body(STREET)
    rows = [_row(elsewhere[n % 3], n) for n in range(4_000)]
    rows += [_row(street, 4_000 + n) for n in range(20)]
    Volunteer.objects.bulk_create(rows, batch_size=1_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE volunteers_volunteer")
    page = selectors.ledger(street_admin).order_by("-applied_at", "-pk")[:50]
    plan = page.explain()
    assert "volunteer_organization_path" in plan, plan
    assert "volunteer_body_path" in plan, plan
    assert "Seq Scan on volunteers_volunteer" not in plan, plan
    assert len(page) == 20


def _row(body: RegistrationBody, n: int) -> Volunteer:
    """An application, written as a bulk path writes it (no save(): no digest needed)."""
    from django.utils import timezone

    return Volunteer(
        body=body,
        organization=body.organization,
        channel=RegistrationChannel.IMPORT,
        name=f"批量{n}",
        gender="male",
        document_type="resident_id",
        document_number=f"43060219900101{n:04d}",
        birth_date="1990-01-01",
        mobile=f"1990{n:07d}",
        privacy_notice_version="2026-1",
        id_consent_at=timezone.now(),
    )
