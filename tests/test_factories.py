"""The factories of tests/factories.py make valid rows, tied to the world as they say."""

import re
from collections.abc import Callable

import pytest
from django.utils import timezone

from tests.factories import (
    ActivityFactory,
    DelegationFactory,
    MembershipFactory,
    RegistrationBodyFactory,
    RosterImportFactory,
    SignUpFactory,
    SlotFactory,
    VolunteerRequestFactory,
)
from zhiyuan.accounts.models import User
from zhiyuan.activities.enums import ActivityStatus, SignUpStatus, Visibility
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


def test_an_activity_is_published_by_the_team_of_guoliang(org: Org, team_leader: User) -> None:
    activity = ActivityFactory()
    activity.full_clean()
    assert (
        activity.organizer,
        activity.category.code,
        activity.division.code,
        activity.status,
        activity.visibility,
        activity.created_by,
    ) == (
        org("430602001001-TM"),
        "culture",
        "430602001001",
        ActivityStatus.PUBLISHED,
        Visibility.PUBLIC,
        team_leader,
    )


def test_a_slot_is_tomorrow_morning_in_shanghai_with_ten_places() -> None:
    slot = SlotFactory()
    slot.full_clean()
    start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    assert (start.date() - timezone.localdate()).days == 1
    assert (f"{start:%H:%M}", f"{end:%H:%M}", slot.capacity) == ("09:00", "12:00", 10)


def test_a_signup_is_a_confirmed_place_of_a_registered_volunteer() -> None:
    signup = SignUpFactory()
    signup.full_clean()
    assert (signup.status, signup.waitlist_position, signup.volunteer.status) == (
        SignUpStatus.CONFIRMED,
        None,
        RegistrationStatus.ACTIVE,
    )
