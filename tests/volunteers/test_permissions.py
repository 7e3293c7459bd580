"""The volunteers' policy (zhiyuan.volunteers.permissions), and the services that ask it
themselves rather than trusting their callers."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from zhiyuan.accounts.models import User
from zhiyuan.volunteers import permissions, services
from zhiyuan.volunteers.models import Membership

pytestmark = pytest.mark.django_db


def test_only_registering_roles_over_the_registration_apply_for_a_volunteer(
    registered, registrar: User, outsider: User, team_leader: User, checker: User, org
) -> None:
    volunteer = registered(registrar)
    team = org("430602001001-TM")
    for actor in (outsider, team_leader, checker):
        with pytest.raises(PermissionDenied) as caught, translation.override("en"):
            services.apply_for_team(volunteer, team, actor=actor)
        assert str(caught.value) == "Only registrars and administrators apply for volunteers."
    assert Membership.objects.filter(volunteer=volunteer).count() == 0
    services.apply_for_team(volunteer, team, actor=registrar)
    services.leave_team(volunteer.memberships.get(), actor=None)
    services.apply_for_team(volunteer, team)  # the person, from the portal
    assert list(volunteer.memberships.values_list("status", flat=True).order_by("pk")) == [
        "left",
        "applied",
    ]


def test_who_may_see_which_full_value(
    registered, registrar: User, checker: User, viewer: User, outsider: User
) -> None:
    volunteer = registered(registrar)
    phones = ("mobile", "guardian_mobile")
    everything = tuple(permissions.REVEALING)
    assert [permissions.may_reveal(u, volunteer, phones) for u in (registrar, checker)] == [
        True,
        True,
    ]
    assert [permissions.may_reveal(u, volunteer, everything) for u in (registrar, checker)] == [
        True,
        False,
    ]
    assert permissions.may_reveal(viewer, volunteer, phones) is False
    assert permissions.may_reveal(outsider, volunteer, phones) is False
    assert sorted(permissions.revealable_anywhere(checker, everything)) == [
        "guardian_mobile",
        "mobile",
    ]
    assert permissions.revealable_anywhere(viewer, everything) == {}


@pytest.mark.parametrize(
    ("reason", "fields", "message"),
    [
        ("", 1, "Say why you need the full value."),
        (" 查", 2, "Say why you need the full values."),
    ],
)
def test_a_full_value_needs_a_reason(reason: str, fields: int, message: str) -> None:
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        permissions.reason_to_see_full_values(reason, fields=fields)
    assert caught.value.message_dict == {"reason": [message]}


def test_a_reason_is_kept_tidy_and_never_holds_a_number() -> None:
    assert permissions.reason_to_see_full_values("  电话   抽查 ") == "电话 抽查"
    with pytest.raises(ValidationError) as caught:
        permissions.reason_to_see_full_values("核对 13900001234 的号码")
    assert list(caught.value.message_dict) == ["reason"]
