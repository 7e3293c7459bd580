"""A volunteer whose registration ends holds no places: suspending or cancelling the
registration cancels their sign-ups for slots not yet started in the same transaction (the
volunteers' hook, `volunteers.hooks.registration_ended`), each freed place goes to the waiting
list, and the rosters stop listing them as expected; those who stop counting without a change
of status (the yearly re-registration missed) are released by the periodic job."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from tests.activities.test_signups import member, statuses
from tests.factories import SignUpFactory, SlotFactory
from zhiyuan.accounts.models import User
from zhiyuan.activities import selectors, services
from zhiyuan.activities.enums import SignUpReason, SignUpStatus
from zhiyuan.activities.models import SignUp, Slot
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.periodic import run_jobs
from zhiyuan.common.sms import SmsMessage
from zhiyuan.hours import selectors as hours_selectors
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import services as volunteer_services
from zhiyuan.volunteers.enums import CancellationKind, MembershipStatus
from zhiyuan.volunteers.models import RegistrationPolicy, Volunteer

pytestmark = pytest.mark.django_db
OpenSlot = Callable[..., Slot]
NewVolunteer = Callable[..., Volunteer]


def test_a_suspension_cancels_upcoming_signups_and_promotes_the_waiting(
    open_slot: OpenSlot,
    volunteer: NewVolunteer,
    registrar: User,
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    full = open_slot(capacity=1)
    later = open_slot(capacity=1, start=72)
    person, waiting, first_there = volunteer(name="甲"), volunteer(name="乙"), volunteer(name="丙")
    services.sign_up(full, person)
    services.sign_up(full, waiting)
    services.sign_up(later, first_there)
    services.sign_up(later, person)  # waiting for the later slot
    outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        volunteer_services.suspend_registration(person, actor=registrar, reason="本人申请暂停")

    assert statuses(full) == [
        ("甲", SignUpStatus.CANCELLED, None),
        ("乙", SignUpStatus.CONFIRMED, None),
    ]
    assert statuses(later) == [
        ("丙", SignUpStatus.CONFIRMED, None),
        ("甲", SignUpStatus.CANCELLED, None),
    ]
    assert set(SignUp.objects.filter(volunteer=person).values_list("reason", flat=True)) == {
        SignUpReason.REGISTRATION_SUSPENDED
    }
    assert [(m.mobile, m.template) for m in outbox] == [(waiting.mobile, "signup_promoted")]
    entries = AuditEntry.objects.filter(action__startswith="activity.signup.", actor=registrar)
    assert sorted((e.action, e.data["slot"]) for e in entries) == sorted(
        [
            ("activity.signup.cancelled", full.pk),
            ("activity.signup.cancelled", later.pk),
            ("activity.signup.promoted", full.pk),
        ]
    )
    assert {e.data.get("reason") for e in entries if e.action.endswith("cancelled")} == {
        "registration_suspended"
    }
    # The leader's check-in roster lists the promoted volunteer, not the suspended one.
    assert [line.signup.volunteer.name for line in hours_selectors.roster(full)] == ["乙"]


def test_a_cancelled_registration_leaves_its_signups_with_the_reason_in_words(
    open_slot: OpenSlot, volunteer: NewVolunteer, registrar: User
) -> None:
    slot = open_slot()
    person = volunteer(name="甲")
    signup = services.sign_up(slot, person)
    volunteer_services.cancel_registration(
        person, actor=registrar, kind=CancellationKind.VOLUNTEER_REQUEST, reason="本人申请注销"
    )
    signup.refresh_from_db()
    assert (signup.status, signup.reason) == (SignUpStatus.CANCELLED, "registration_cancelled")
    with translation.override("en"):
        assert signup.reason_text == "the registration was cancelled"
        rows = selectors.roster(slot)
    assert [(row.name, row.status) for row in rows] == [("甲", SignUpStatus.CANCELLED)]


def test_a_slot_under_way_keeps_its_signup(
    volunteer: NewVolunteer, registrar: User, team_leader: User
) -> None:
    """The sign-up of a slot that has started is the record of who was expected there."""
    person = volunteer()
    now = timezone.now()
    running = SlotFactory(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2))
    kept = SignUpFactory(slot=running, volunteer=person)
    volunteer_services.suspend_registration(person, actor=registrar, reason="本人申请暂停")
    kept.refresh_from_db()
    assert (kept.status, kept.reason) == (SignUpStatus.CONFIRMED, "")


def test_a_reinstated_volunteer_signs_up_again(
    open_slot: OpenSlot, volunteer: NewVolunteer, registrar: User
) -> None:
    slot = open_slot()
    person = volunteer()
    first = services.sign_up(slot, person)
    volunteer_services.suspend_registration(person, actor=registrar, reason="本人申请暂停")
    volunteer_services.reinstate_registration(person, actor=registrar)
    again = services.sign_up(slot, person)
    assert (again.pk, again.status, again.reason) == (first.pk, SignUpStatus.CONFIRMED, "")


def test_a_registered_volunteer_keeps_their_places(
    open_slot: OpenSlot, volunteer: NewVolunteer
) -> None:
    slot = open_slot()
    signup = services.sign_up(slot, volunteer())
    assert services.release_signups(signup.volunteer) == []
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CONFIRMED


def test_the_periodic_job_releases_those_not_reregistered(
    open_slot: OpenSlot,
    volunteer: NewVolunteer,
    org: Callable[[str], Organization],
) -> None:
    """Turning on the yearly re-registration changes no status: the job finds who stopped
    counting, cancels their sign-ups and promotes the waiting list, once."""
    slot = open_slot(capacity=1)
    lapsed, renewed, waiting = volunteer(name="甲"), volunteer(name="乙"), volunteer(name="丙")
    last_year = timezone.localdate().replace(year=timezone.localdate().year - 1, day=1)
    Volunteer.objects.filter(pk__in=[lapsed.pk, renewed.pk]).update(registered_on=last_year)
    Volunteer.objects.filter(pk=renewed.pk).update(reregistered_year=timezone.localdate().year)
    other = open_slot(capacity=1, start=72)
    services.sign_up(slot, lapsed)
    services.sign_up(slot, waiting)
    services.sign_up(other, renewed)
    RegistrationPolicy.objects.create(organization=org("4306-GC"), reregistration_required=True)

    assert run_jobs(["release_unregistered_signups"]) == {"release_unregistered_signups": "ok"}

    assert statuses(slot) == [
        ("甲", SignUpStatus.CANCELLED, None),
        ("丙", SignUpStatus.CONFIRMED, None),
    ]
    assert statuses(other) == [("乙", SignUpStatus.CONFIRMED, None)]
    assert SignUp.objects.get(volunteer=lapsed).reason == "not_registered"
    cancelled = AuditEntry.objects.get(action="activity.signup.cancelled")
    assert (cancelled.actor, cancelled.data) == (
        None,
        {"slot": slot.pk, "reason": "not_registered"},
    )
    assert services.release_unregistered_signups() == 0


def test_a_leaders_group_member_suspended_leaves_the_group_signup(
    open_slot: OpenSlot, volunteer: NewVolunteer, registrar: User, team_leader: User
) -> None:
    slot = open_slot(capacity=2)
    team = Organization.objects.get(code="430602001001-TM")
    first, second = member(volunteer(name="甲")), member(volunteer(name="乙"))
    services.sign_up_group(slot, [first, second], actor=team_leader, team=team)
    volunteer_services.suspend_registration(first, actor=registrar, reason="本人申请暂停")
    assert statuses(slot) == [
        ("甲", SignUpStatus.CANCELLED, None),
        ("乙", SignUpStatus.CONFIRMED, None),
    ]
    assert first.memberships.get(team=team).status == MembershipStatus.APPROVED
