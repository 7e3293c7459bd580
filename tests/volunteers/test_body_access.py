"""A registration body keeps the ledger of the registrations made for it (MISSION §2), also of
those made through a delegation outside its own subtree: the district's volunteer association
(430602-VA) lets a district unit, which hangs under the district's guidance committee, register
for it. Its registrars registered there and then met a 404 for the very person they entered."""

from collections.abc import Callable

import pytest
from django.test import Client

from tests.factories import WorkUnitFactory
from tests.volunteers.people import synthetic_id
from zhiyuan.accounts.models import Role, User
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import permissions, selectors, services
from zhiyuan.volunteers.enums import RegistrationStatus, RequestKind
from zhiyuan.volunteers.models import RegistrationBody, Volunteer

pytestmark = pytest.mark.django_db

ASSOCIATION = "430602-VA"
UNIT = "UNIT-DISTRICT"  # a district unit the association delegates to (`unit`)
Login = Callable[[User], Client]


@pytest.fixture
def unit(org: Callable[[str], Organization]) -> Organization:
    """A district unit with the association's consent to register for it."""
    unit = WorkUnitFactory(parent=org("430602-GC"), code=UNIT)
    services.grant_delegation(
        RegistrationBody.objects.get(organization__code=ASSOCIATION), unit, actor=None
    )
    return unit


@pytest.fixture
def association_registrar(org: Callable[[str], Organization]) -> User:
    user = User.objects.create_user("va_registrar", "correct-horse-battery-9", name="区协会")
    Role.objects.create(user=user, organization=org(ASSOCIATION), kind=RoleKind.REGISTRAR)
    return user


def test_the_body_registers_through_its_delegation_and_finds_the_person(
    unit: Organization, association_registrar: User, login: Login
) -> None:
    client = login(association_registrar)
    point = next(
        p for p in permissions.registration_points(association_registrar) if p.organization == unit
    )
    response = client.post(
        "/volunteers/register/",
        {
            "point": point.key,
            "name": "单位人",
            "document_type": "resident_id",
            "document_number": synthetic_id(),
            "mobile": "13912340001",
            "political_status": "public",
            "age_basis": "adult",
            "consent": "on",
        },
    )
    volunteer = Volunteer.objects.get(name="单位人")
    assert response["Location"] == f"/volunteers/{volunteer.pk}/"
    assert client.get(response["Location"]).status_code == 200
    assert [v.name for v in client.get("/volunteers/").context["page"]] == ["单位人"]
    confirmed = client.post(
        f"/volunteers/{volunteer.pk}/confirm-in-person/", {"reason": "本人到场签字"}
    )
    assert confirmed.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.status == RegistrationStatus.ACTIVE


def test_the_bodys_registrars_run_the_lifecycle_of_delegated_registrations(
    unit: Organization, association_registrar: User, registered
) -> None:
    volunteer = registered(association_registrar, ASSOCIATION, through=UNIT)
    assert permissions.covers_registration(
        association_registrar, volunteer, permissions.REGISTERING
    )
    services.reveal_personal_data(volunteer, "mobile", actor=association_registrar, reason="回访")
    services.suspend_registration(volunteer, actor=association_registrar, reason="长期未参加")
    services.reinstate_registration(volunteer, actor=association_registrar)
    request = services.submit_request(volunteer, kind=RequestKind.CANCELLATION, message="")
    services.handle_request(request, actor=association_registrar, done=True)
    volunteer.refresh_from_db()
    assert volunteer.status == RegistrationStatus.CANCELLED


def test_the_bodys_pages_and_api_list_delegated_registrations(
    unit: Organization, association_registrar: User, login: Login, apply
) -> None:
    volunteer = apply(association_registrar, ASSOCIATION, through=UNIT)
    services.submit_request(volunteer, kind=RequestKind.CORRECTION, message="名字写错了")
    client = login(association_registrar)
    inbox = client.get("/volunteers/work/requests/")
    assert [item.volunteer_id for item in inbox.context["page"]] == [volunteer.pk]
    progress = client.get("/volunteers/progress/", {"org": ASSOCIATION})
    assert [(row["code"], row["applied"]) for row in progress.context["rows"]] == [
        ("UNIT-DISTRICT", 1)
    ]
    assert client.get(f"/volunteers/bodies/form/{volunteer.pk}.pdf").status_code == 200
    assert [v.pk for v in client.get("/volunteers/", {"org": ASSOCIATION}).context["page"]] == [
        volunteer.pk
    ]


def test_others_still_do_not_see_them(
    unit: Organization,
    association_registrar: User,
    registrar: User,
    outsider: User,
    login: Login,
    registered,
) -> None:
    volunteer = registered(association_registrar, ASSOCIATION, through=UNIT)
    for user in (registrar, outsider):  # streets of the district, neither body nor unit
        assert login(user).get(f"/volunteers/{volunteer.pk}/").status_code == 404
        assert not selectors.ledger(user).filter(pk=volunteer.pk).exists()


def test_a_transfer_takes_the_registration_out_of_the_bodys_ledger(
    unit: Organization,
    association_registrar: User,
    body: Callable[[str], RegistrationBody],
    registered,
) -> None:
    volunteer = registered(association_registrar, ASSOCIATION, through=UNIT)
    other = body("430602002-SC")
    services.transfer_registration(
        volunteer, actor=association_registrar, body=other, organization=other.organization
    )
    assert not selectors.ledger(association_registrar).filter(pk=volunteer.pk).exists()
