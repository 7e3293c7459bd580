"""Writes to the organisation tree (zhiyuan.organizations.services)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zhiyuan.accounts.models import User
from zhiyuan.accounts.services import grant_role
from zhiyuan.divisions.models import Division
from zhiyuan.organizations import services
from zhiyuan.organizations.access import covers, forget_scope
from zhiyuan.organizations.enums import OrgKind, OrgLevel, RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.structure import (
    add_management_area,
    build_structure,
    build_structure_for,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "code", ["430602099-SC", "430699-GC", "nhfjq-va", "X-GT", " YY-ST ", "A-TM"]
)
def test_codes_of_the_standard_structure_are_reserved(street_admin: User, org, code: str) -> None:
    before = Organization.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.create_organization(
            org("430602001-SC"),
            actor=street_admin,
            code=code,
            name="自建中心",
            kind=OrgKind.SERVICE_CENTRE,
            level=OrgLevel.STREET,
        )
    assert [e.code for e in caught.value.error_dict["code"]] == ["reserved_code"]
    assert Organization.objects.count() == before


@pytest.mark.parametrize("code", ["430602001-TM2", "GC-1", "TEAM-SC-A"])
def test_other_codes_with_dashes_are_free(street_admin: User, org, code: str) -> None:
    created = services.create_organization(
        org("430602001-SC"),
        actor=street_admin,
        code=code,
        name="自建队",
        kind=OrgKind.SERVICE_TEAM,
        level=OrgLevel.STREET,
    )
    assert created.code == code


def test_a_later_build_never_hands_a_street_admin_a_new_township(
    street_admin: User, city_admin: User, org
) -> None:
    """The attack the reservation stops: a street administrator squats the centre code of a
    township that next year's codes add, holds a role on it, and the next build would have
    moved it (and the role) under the district as that township's centre."""
    with pytest.raises(ValidationError):
        services.create_organization(
            org("430602001-SC"),
            actor=street_admin,
            code="430602099-SC",
            name="新街道志愿服务中心",
            kind=OrgKind.SERVICE_CENTRE,
            level=OrgLevel.STREET,
        )
    district = Division.objects.get(code="430602000000")
    Division.objects.create(code="430602099000", name="新街道", level=4, parent=district, year=2024)
    Division.objects.create(
        code="430602099001", name="新社区", level=5, parent_id="430602099000", year=2024
    )
    build_structure(Division.objects.get(code="430600000000"), actor=city_admin)
    centre = org("430602099-SC")
    assert Organization.objects.get_parent(centre).code == "430602-GC"
    forget_scope(street_admin)
    assert not covers(street_admin, centre)
    assert not covers(street_admin, org("430602099001-ST"))
    with pytest.raises(PermissionDenied):
        grant_role(
            street_admin, actor=street_admin, organization=centre, kind=RoleKind.ADMINISTRATOR
        )


@pytest.mark.parametrize(
    "field", ["name", "address", "responsible_department", "responsible_person"]
)
@pytest.mark.parametrize("text", ["岳阳\x00楼", "\u202e站务", "a\x1b[31mb", "两\n行"])
def test_text_with_control_characters_is_refused(
    street_admin: User, org, field: str, text: str
) -> None:
    before = Organization.objects.count()
    fields = {"name": "服务队", field: text}
    with pytest.raises(ValidationError) as caught:
        services.create_organization(
            org("430602001-SC"),
            actor=street_admin,
            code="TEAM-9",
            kind=OrgKind.SERVICE_TEAM,
            level=OrgLevel.STREET,
            **fields,
        )
    assert list(caught.value.message_dict) == [field]
    assert Organization.objects.count() == before


def test_an_edit_keeps_what_changed_in_the_tree_meanwhile(street_admin: User, org) -> None:
    """The edit page loads the organisation, then saves it: a whole-row save wrote back the
    child count as loaded, so a child added in between was forgotten, and the next child
    took the first one's path (a unique violation, a 500)."""
    loaded = org("430602001001-ST")
    children = loaded.numchild
    services.create_organization(
        org("430602001001-ST"),
        actor=street_admin,
        code="TEAM-NEW",
        name="新服务队",
        kind=OrgKind.SERVICE_TEAM,
        level=OrgLevel.COMMUNITY,
    )
    services.update_organization(loaded, actor=street_admin, address="郭亮社区一号")
    station = org("430602001001-ST")
    assert station.numchild == children + 1
    assert station.address == "郭亮社区一号"
    services.create_organization(
        station,
        actor=street_admin,
        code="TEAM-NEWER",
        name="又一服务队",
        kind=OrgKind.SERVICE_TEAM,
        level=OrgLevel.COMMUNITY,
    )
    assert all(not problems for problems in Organization.objects.find_problems())


def test_credit_code_is_checked_normalised_and_unique(city_admin, org) -> None:
    from django.core.exceptions import ValidationError

    from zhiyuan.organizations.services import update_organization

    unit = org("430602001-SC")
    # A published sample code (python-stdnum's documentation); codes may start with a letter.
    updated = update_organization(unit, actor=city_admin, credit_code=" 91110000600037341l ")
    assert updated.credit_code == "91110000600037341L"
    with pytest.raises(ValidationError) as raised:
        update_organization(org("430602002-SC"), actor=city_admin, credit_code="91110000600037341L")
    assert [e.code for e in raised.value.error_dict["credit_code"]] == [None]
    assert list(raised.value.message_dict) == ["credit_code"]


def test_every_write_checks_its_actor_in_the_service_itself(
    outsider: User, team_leader: User, org
) -> None:
    """The web page and the API find out-of-scope objects absent; a caller that skips them
    (a command, a task, the next interface) still meets the same refusal in the service."""
    station = org("430602001001-ST")
    committee = org("4306-GC")
    before = {o.pk: (o.name, o.is_active) for o in Organization.objects.all()}
    attempts = {
        "create": lambda actor: services.create_organization(
            station,
            actor=actor,
            code="OUTSIDE-1",
            name="越权队",
            kind=OrgKind.SERVICE_TEAM,
            level=OrgLevel.COMMUNITY,
        ),
        "update": lambda actor: services.update_organization(station, actor=actor, name="改名"),
        "deactivate": lambda actor: services.set_organization_active(
            station, actor=actor, active=False
        ),
        "build": lambda actor: build_structure_for(committee, actor=actor),
        "area": lambda actor: add_management_area(
            committee, actor=actor, name="越权区", code="OUTSIDE", townships=[]
        ),
    }
    refused = []
    for name, attempt in attempts.items():
        for actor in (outsider, team_leader):
            with pytest.raises(PermissionDenied):
                attempt(actor)
            refused.append((name, actor.username))
    assert len(refused) == 10
    assert {o.pk: (o.name, o.is_active) for o in Organization.objects.all()} == before
