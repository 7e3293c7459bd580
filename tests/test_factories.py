"""The factories of tests/factories.py make valid rows, tied to the world as they say."""

import re
from collections.abc import Callable

import pytest

from tests.factories import (
    DelegationFactory,
    MembershipFactory,
    RegistrationBodyFactory,
    RosterImportFactory,
    VolunteerRequestFactory,
)
from zhiyuan.accounts.models import User
from zhiyuan.organizations.enums import OrgKind
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import (
    ImportStatus,
    MembershipStatus,
    RegistrationStatus,
    RequestKind,
    RequestStatus,
)

pytestmark = pytest.mark.django_db
Org = Callable[[str], Organization]


def test_a_registration_body_belongs_to_a_new_work_unit_of_the_district(org: Org) -> None:
    body = RegistrationBodyFactory()
    body.full_clean()
    unit = body.organization
    assert (unit.kind, Organization.objects.get_parent(unit), body.is_active) == (
        OrgKind.WORK_UNIT,
        org("430602-GC"),
        True,
    )
    assert re.fullmatch(r"99\d{5}", body.code)
    assert RegistrationBodyFactory().code != body.code


def test_a_delegation_is_live_and_hangs_under_its_body(city_admin: User) -> None:
    delegation = DelegationFactory()
    delegation.full_clean()
    assert (delegation.is_live, delegation.granted_by) == (True, city_admin)
    assert Organization.objects.get_parent(delegation.organization) == delegation.body.organization
    assert list(delegation.body.delegations.all()) == [delegation]


def test_a_membership_is_an_application_of_a_registered_volunteer_to_the_team(
    org: Org, registrar: User
) -> None:
    membership = MembershipFactory()
    membership.full_clean()
    volunteer = membership.volunteer
    assert (membership.status, membership.team) == (
        MembershipStatus.APPLIED,
        org("430602001001-TM"),
    )
    assert (volunteer.status, volunteer.body.organization.code, volunteer.registered_by) == (
        RegistrationStatus.ACTIVE,
        "430602001-SC",
        registrar,
    )


def test_a_volunteer_request_is_an_open_correction() -> None:
    request = VolunteerRequestFactory()
    request.full_clean()
    assert (request.kind, request.status, request.message) == (
        RequestKind.CORRECTION,
        RequestStatus.OPEN,
        "名字写错了",
    )
    assert request.volunteer.status == RegistrationStatus.ACTIVE


def test_a_roster_import_waits_at_the_street_centre(org: Org, registrar: User) -> None:
    roster = RosterImportFactory()
    roster.full_clean()
    assert (roster.status, roster.body.code, roster.organization, roster.uploaded_by) == (
        ImportStatus.UPLOADED,
        "4306003",
        org("430602001-SC"),
        registrar,
    )
    assert re.fullmatch(r"[0-9a-f]{64}", roster.file_sha256)
    assert RosterImportFactory().file_sha256 != roster.file_sha256
