"""Requests inbox for registrars and membership decisions for team leaders."""

import pytest
from django.urls import reverse

from zhiyuan.volunteers import services
from zhiyuan.volunteers.enums import (
    MembershipStatus,
    RegistrationStatus,
    RequestKind,
    RequestStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(registrar, registered):
    return registered(registrar)


def test_cancellation_request_done_cancels_at_the_volunteers_request(
    active, registrar, outsider, login
) -> None:
    item = services.submit_request(active, kind=RequestKind.CANCELLATION, message="搬家了")
    assert list(login(outsider).get(reverse("volunteers:requests")).context["page"]) == []
    assert (
        login(outsider).post(reverse("volunteers:handle-request", args=[item.pk])).status_code
        == 404
    )
    client = login(registrar)
    assert [r.pk for r in client.get(reverse("volunteers:requests")).context["page"]] == [item.pk]
    client.post(
        reverse("volunteers:handle-request", args=[item.pk]), {"done": "1", "response": "已办理"}
    )
    item.refresh_from_db()
    active.refresh_from_db()
    assert (item.status, item.response, item.handled_by) == (
        RequestStatus.DONE,
        "已办理",
        registrar,
    )
    assert (active.status, active.cancellation_kind) == (
        RegistrationStatus.CANCELLED,
        "volunteer_request",
    )


def test_team_leader_approves_a_membership_outsider_cannot(
    active, team_leader, outsider, org, login
) -> None:
    membership = services.apply_for_team(active, org("430602001001-TM"))
    url = reverse("volunteers:decide-membership", args=[membership.pk])
    assert login(outsider).post(url, {"approve": "1"}).status_code == 404
    client = login(team_leader)
    assert [m.pk for m in client.get(reverse("volunteers:memberships")).context["page"]] == [
        membership.pk
    ]
    client.post(url, {"approve": "1"})
    membership.refresh_from_db()
    assert (membership.status, membership.decided_by) == (MembershipStatus.APPROVED, team_leader)
    assert membership.joined_on is not None
