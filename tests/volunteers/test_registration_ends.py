"""When a registration ends, what hangs on it ends too: its teams, and the way to ask for a
cancellation. An ended registration is never approved into a team."""

from collections.abc import Callable, Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.volunteers.people import STATION
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import services
from zhiyuan.volunteers.enums import MembershipStatus, RegistrationStatus, RequestKind
from zhiyuan.volunteers.models import Membership, VolunteerRequest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


TEAM = "430602001001-TM"
Org = Callable[[str], Organization]


def test_a_cancelled_registration_leaves_its_teams(
    registrar: User, team_leader: User, street_admin: User, org: Org, registered
) -> None:
    volunteer = registered(registrar)
    member = services.apply_for_team(volunteer, org(TEAM))
    services.decide_membership(member, actor=team_leader, approve=True)
    pending = services.apply_for_team(volunteer, org(STATION))
    services.cancel_registration(
        volunteer, actor=registrar, kind="refusal_of_duties", reason="长期拒绝履行义务"
    )
    rows = Membership.objects.filter(volunteer=volunteer).order_by("pk")
    assert [(m.team.code, m.status, m.left_on is not None) for m in rows] == [
        (TEAM, MembershipStatus.LEFT, True),
        (STATION, MembershipStatus.LEFT, True),
    ]
    left = AuditEntry.objects.filter(action="volunteer.membership.left").order_by("pk")
    assert [(e.object_id, e.actor, e.data) for e in left] == [
        (str(member.pk), registrar, {"reason": "registration_cancelled"}),
        (str(pending.pk), registrar, {"reason": "registration_cancelled"}),
    ]


def test_an_application_of_a_volunteer_no_longer_active_is_not_approved(
    registrar: User, team_leader: User, org: Org, registered
) -> None:
    volunteer = registered(registrar)
    membership = services.apply_for_team(volunteer, org(TEAM))
    services.suspend_registration(volunteer, actor=registrar, reason="暂停")
    with pytest.raises(ValidationError) as caught:
        services.decide_membership(membership, actor=team_leader, approve=True)
    assert caught.value.messages == ["Only active registered volunteers join teams."]
    services.decide_membership(membership, actor=team_leader, approve=False)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REJECTED


@pytest.mark.parametrize("ended", ["cancel", "withdraw"])
def test_an_ended_registration_takes_no_cancellation_request(
    registrar: User, ended: str, apply, registered
) -> None:
    if ended == "cancel":
        volunteer = registered(registrar)
        services.cancel_registration(
            volunteer, actor=registrar, kind="volunteer_request", reason="搬家"
        )
    else:
        volunteer = apply(registrar)
        services.withdraw_application(volunteer, actor=registrar, reason="填错了")
    volunteer.refresh_from_db()
    assert volunteer.status in (RegistrationStatus.CANCELLED, RegistrationStatus.CLOSED)
    with pytest.raises(ValidationError) as caught:
        services.submit_request(volunteer, kind=RequestKind.CANCELLATION, message="")
    assert caught.value.messages == ["This registration has already ended."]
    assert not VolunteerRequest.objects.exists()
