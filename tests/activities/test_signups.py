"""Signing up (issue 12 §2): registered volunteers only, capacity never exceeded, a FIFO
waiting list promoted when a place frees up, approvals holding no place, requirements checked
on the slot's day in Asia/Shanghai, no double or overlapping sign-ups, one row per volunteer
and slot, a leader's group within capacity. Messages are read in English (`refusal`)."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.activities.conftest import at
from tests.activities.test_activities import add, refusal
from tests.factories import TEAM, MembershipFactory
from tests.volunteers import people
from tests.volunteers.people import OTHER_STREET
from zhiyuan.accounts.models import User
from zhiyuan.activities import services
from zhiyuan.activities.enums import SignUpSource, SignUpStatus, Visibility
from zhiyuan.activities.models import SignUp, Slot
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.sms import SmsMessage
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import services as volunteer_services
from zhiyuan.volunteers.enums import MembershipStatus, Skill
from zhiyuan.volunteers.models import RegistrationPolicy, Volunteer

pytestmark = pytest.mark.django_db
OpenSlot = Callable[..., Slot]
NewVolunteer = Callable[..., Volunteer]
Org = Callable[[str], Organization]


def statuses(slot: Slot) -> list[tuple[str, str, int | None]]:
    """(name, status, waiting position) of the slot's sign-ups, in sign-up order."""
    return [
        (s.volunteer.name, s.status, s.waitlist_position)
        for s in slot.signups.select_related("volunteer").order_by("signed_up_at", "pk")
    ]


def member(volunteer: Volunteer, team: str = TEAM) -> Volunteer:
    MembershipFactory(
        volunteer=volunteer,
        team=Organization.objects.get(code=team),
        status=MembershipStatus.APPROVED,
    )
    return volunteer


# --- places and the waiting list ------------------------------------------------------------


def test_signups_beyond_capacity_go_to_the_waiting_list_in_order(
    open_slot: OpenSlot, volunteer: NewVolunteer
) -> None:
    slot = open_slot(capacity=2)
    for name in ("甲", "乙", "丙", "丁"):
        services.sign_up(slot, volunteer(name=name))
    assert statuses(slot) == [
        ("甲", SignUpStatus.CONFIRMED, None),
        ("乙", SignUpStatus.CONFIRMED, None),
        ("丙", SignUpStatus.WAITLISTED, 1),
        ("丁", SignUpStatus.WAITLISTED, 2),
    ]
    entries = AuditEntry.objects.filter(action="activity.signup.created").order_by("pk")
    assert [(e.actor, e.data) for e in entries] == [
        (None, {"slot": slot.pk, "status": "confirmed"}),
        (None, {"slot": slot.pk, "status": "confirmed"}),
        (None, {"slot": slot.pk, "status": "waitlisted"}),
        (None, {"slot": slot.pk, "status": "waitlisted"}),
    ]


def test_a_slot_with_no_places_takes_nobody(
    open_slot: OpenSlot, volunteer: NewVolunteer, team_leader: User
) -> None:
    """A capacity of 0 means none, not unlimited."""
    slot = open_slot()
    closed = add(slot.activity, start=40, capacity=0)
    assert refusal(lambda: services.sign_up(closed, volunteer())) == ["This slot has no places."]
    assert not SignUp.objects.exists()


def test_a_cancelled_place_goes_to_the_first_waiting_who_is_told(
    open_slot: OpenSlot,
    volunteer: NewVolunteer,
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    slot = open_slot(capacity=1)
    first = services.sign_up(slot, volunteer(name="甲"))
    second = volunteer(name="乙")
    services.sign_up(slot, second)
    services.sign_up(slot, volunteer(name="丙"))
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_signup(first, reason="临时有事")
    assert statuses(slot) == [
        ("甲", SignUpStatus.CANCELLED, None),
        ("乙", SignUpStatus.CONFIRMED, None),
        ("丙", SignUpStatus.WAITLISTED, 2),
    ]
    assert [(m.mobile, m.template) for m in outbox] == [(second.mobile, "signup_promoted")]
    assert outbox[0].params == {
        "activity": "周末社区读书会",
        "time": f"{timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M}",
    }
    assert list(
        AuditEntry.objects.filter(action__startswith="activity.signup.")
        .order_by("pk")
        .values_list("action", flat=True)
    )[-2:] == ["activity.signup.cancelled", "activity.signup.promoted"]


def test_cancelling_a_waiting_place_promotes_nobody(
    open_slot: OpenSlot, volunteer: NewVolunteer
) -> None:
    slot = open_slot(capacity=1)
    services.sign_up(slot, volunteer(name="甲"))
    waiting = services.sign_up(slot, volunteer(name="乙"))
    services.sign_up(slot, volunteer(name="丙"))
    services.cancel_signup(waiting)
    assert statuses(slot) == [
        ("甲", SignUpStatus.CONFIRMED, None),
        ("乙", SignUpStatus.CANCELLED, None),
        ("丙", SignUpStatus.WAITLISTED, 2),
    ]


def test_promotion_passes_over_a_volunteer_no_longer_registered(
    open_slot: OpenSlot, volunteer: NewVolunteer, org: Org
) -> None:
    """乙 stops counting without a change of status (the city requires the yearly
    re-registration and 乙 registered last year): nothing released 乙's place yet (the
    periodic job will: test_registration_ended), and the promotion passes over 乙."""
    slot = open_slot(capacity=1)
    first = services.sign_up(slot, volunteer(name="甲"))
    lapsed = volunteer(name="乙")
    services.sign_up(slot, lapsed)
    services.sign_up(slot, volunteer(name="丙"))
    last_year = timezone.localdate().replace(year=timezone.localdate().year - 1, day=1)
    Volunteer.objects.filter(pk=lapsed.pk).update(registered_on=last_year)
    RegistrationPolicy.objects.create(organization=org("4306-GC"), reregistration_required=True)
    services.cancel_signup(first)
    assert statuses(slot) == [
        ("甲", SignUpStatus.CANCELLED, None),
        ("乙", SignUpStatus.WAITLISTED, 1),
        ("丙", SignUpStatus.CONFIRMED, None),
    ]


def test_signing_up_again_after_cancelling_reuses_the_one_row(
    open_slot: OpenSlot, volunteer: NewVolunteer
) -> None:
    slot = open_slot(capacity=1)
    person = volunteer()
    first = services.sign_up(slot, person)
    services.cancel_signup(first)
    again = services.sign_up(slot, person)
    assert (again.pk, again.status, SignUp.objects.count()) == (
        first.pk,
        SignUpStatus.CONFIRMED,
        1,
    )


def test_a_volunteer_signs_up_once_per_slot(open_slot: OpenSlot, volunteer: NewVolunteer) -> None:
    slot = open_slot(capacity=1)
    person = volunteer()
    services.sign_up(slot, person)
    assert refusal(lambda: services.sign_up(slot, person)) == ["Already signed up for this slot."]
    services.sign_up(slot, other := volunteer())
    assert refusal(lambda: services.sign_up(slot, other)) == ["Already signed up for this slot."]
    assert SignUp.objects.count() == 2


def test_overlapping_slots_are_refused_adjacent_ones_taken(
    open_slot: OpenSlot, volunteer: NewVolunteer
) -> None:
    morning = open_slot(start=24, hours=3)
    overlapping = open_slot(start=26, hours=3)
    afternoon = add(morning.activity, start=27, hours=2)
    person = volunteer()
    services.sign_up(morning, person)
    assert refusal(lambda: services.sign_up(overlapping, person)) == [
        f"Already signed up for {morning} at an overlapping time."
    ]
    assert services.sign_up(afternoon, person).status == SignUpStatus.CONFIRMED


def test_a_waiting_place_counts_as_taken_time(open_slot: OpenSlot, volunteer: NewVolunteer) -> None:
    full = open_slot(capacity=1)
    services.sign_up(full, volunteer())
    person = volunteer()
    assert services.sign_up(full, person).status == SignUpStatus.WAITLISTED
    assert refusal(lambda: services.sign_up(open_slot(start=25), person)) == [
        f"Already signed up for {full} at an overlapping time."
    ]


# --- capacity changes -----------------------------------------------------------------------


def test_lowering_capacity_below_the_confirmed_is_refused_with_the_count(
    open_slot: OpenSlot, volunteer: NewVolunteer, team_leader: User
) -> None:
    slot = open_slot(capacity=5)
    for _ in range(3):
        services.sign_up(slot, volunteer())
    assert refusal(lambda: services.change_slot(slot, actor=team_leader, capacity=2)) == {
        "capacity": [
            "3 volunteers are confirmed for this slot: the capacity cannot be lower than 3. "
            "Cancel sign-ups first."
        ]
    }
    slot.refresh_from_db()
    assert slot.capacity == 5
    assert services.change_slot(slot, actor=team_leader, capacity=3).capacity == 3


def test_raising_capacity_promotes_the_waiting_list(
    open_slot: OpenSlot,
    volunteer: NewVolunteer,
    team_leader: User,
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    slot = open_slot(capacity=1)
    for name in ("甲", "乙", "丙", "丁"):
        services.sign_up(slot, volunteer(name=name))
    with django_capture_on_commit_callbacks(execute=True):
        services.change_slot(slot, actor=team_leader, capacity="3")
    assert statuses(slot) == [
        ("甲", SignUpStatus.CONFIRMED, None),
        ("乙", SignUpStatus.CONFIRMED, None),
        ("丙", SignUpStatus.CONFIRMED, None),
        ("丁", SignUpStatus.WAITLISTED, 3),
    ]
    assert [m.template for m in outbox] == ["signup_promoted", "signup_promoted"]
    assert AuditEntry.objects.get(action="activity.slot.changed").data == {
        "slot": slot.pk,
        "fields": ["capacity"],
        "capacity": 3,
        "promoted": 2,
    }


def test_a_slot_with_sign_ups_keeps_its_times(
    open_slot: OpenSlot, volunteer: NewVolunteer, team_leader: User
) -> None:
    slot = open_slot()
    services.sign_up(slot, volunteer())
    assert refusal(
        lambda: services.change_slot(slot, actor=team_leader, starts_at=at(30), ends_at=at(32))
    ) == {
        "starts_at": [
            "Volunteers have signed up for this slot: its times cannot change. Add a new slot "
            "instead."
        ]
    }
    assert refusal(lambda: services.remove_slot(slot, actor=team_leader)) == [
        "Volunteers have signed up for this slot: cancel the activity instead."
    ]


# --- who signs up ---------------------------------------------------------------------------


def test_an_applicant_is_told_to_confirm_first(open_slot: OpenSlot, registrar: User) -> None:
    applicant = people.apply(registrar)
    assert refusal(lambda: services.sign_up(open_slot(), applicant)) == [
        "Your registration is not confirmed yet: confirm it with the code texted to you (or at "
        "your registration body), then sign up."
    ]
    assert not SignUp.objects.exists()


def test_a_suspended_volunteer_does_not_sign_up(
    open_slot: OpenSlot, volunteer: NewVolunteer, registrar: User
) -> None:
    person = volunteer()
    volunteer_services.suspend_registration(person, actor=registrar, reason="本人申请暂停")
    assert refusal(lambda: services.sign_up(open_slot(), person)) == [
        "Only registered volunteers sign up for activities."
    ]


def _shanghai(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def test_the_minimum_age_is_reached_on_the_slots_day_in_shanghai(
    draft: Callable[..., Any], team_leader: User, volunteer: NewVolunteer
) -> None:
    """At 00:30 in Shanghai it is still the previous day in UTC: the age is that of the
    Shanghai day."""
    activity = draft(minimum_age=30)
    day = timezone.localdate() + timedelta(days=3)
    slot = services.add_slot(
        activity,
        actor=team_leader,
        starts_at=_shanghai(day, 0, 30),
        ends_at=_shanghai(day, 3),
        capacity=5,
    )
    services.publish_activity(activity, actor=team_leader)
    slot.refresh_from_db()
    birthday = day.replace(year=day.year - 30)
    turns_30 = volunteer(birth=f"{birthday:%Y%m%d}")
    tomorrow_30 = volunteer(birth=f"{birthday + timedelta(days=1):%Y%m%d}")
    assert services.sign_up(slot, turns_30).status == SignUpStatus.CONFIRMED
    assert refusal(lambda: services.sign_up(slot, tomorrow_30)) == [
        "Volunteers must be 30 or older on the day of the activity."
    ]


def test_required_skills_are_checked(open_slot: OpenSlot, volunteer: NewVolunteer) -> None:
    slot = open_slot(skills=[Skill.FIRST_AID, Skill.SIGN_LANGUAGE])
    assert refusal(lambda: services.sign_up(slot, volunteer(skills=[Skill.FIRST_AID]))) == [
        "This activity needs these skills: Sign language."
    ]
    skilled = volunteer(skills=[Skill.SIGN_LANGUAGE, Skill.FIRST_AID, Skill.DRIVING])
    assert services.sign_up(slot, skilled).status == SignUpStatus.CONFIRMED


def test_a_started_slot_and_a_passed_deadline_take_no_sign_ups(
    open_slot: OpenSlot, volunteer: NewVolunteer
) -> None:
    slot = open_slot()
    Slot.objects.filter(pk=slot.pk).update(starts_at=at(-1))
    slot.refresh_from_db()
    assert refusal(lambda: services.sign_up(slot, volunteer())) == [
        "This slot has already started."
    ]
    late = open_slot()
    late.activity.signup_deadline = at(-1)
    late.activity.save()
    assert refusal(lambda: services.sign_up(late, volunteer())) == [
        "The sign-up deadline has passed."
    ]


def test_a_team_activity_is_for_its_members(
    open_slot: OpenSlot, volunteer: NewVolunteer, org: Org
) -> None:
    slot = open_slot(visibility=Visibility.TEAM, audience=org(TEAM))
    assert refusal(lambda: services.sign_up(slot, volunteer())) == [
        "Only members of the team organising it sign up."
    ]
    assert services.sign_up(slot, member(volunteer())).status == SignUpStatus.CONFIRMED


def test_a_subtree_activity_is_for_the_subtrees_volunteers(
    open_slot: OpenSlot, volunteer: NewVolunteer, org: Org, outsider: User
) -> None:
    slot = open_slot(visibility=Visibility.SUBTREE, audience=org("430602001-SC"))
    elsewhere = people.registered(outsider, OTHER_STREET)
    assert refusal(lambda: services.sign_up(slot, elsewhere)) == [
        "This activity is open to volunteers of another area only."
    ]
    assert services.sign_up(slot, volunteer()).status == SignUpStatus.CONFIRMED
    assert services.sign_up(slot, member(elsewhere)).status == SignUpStatus.CONFIRMED


def test_a_public_activity_takes_volunteers_of_other_subtrees(
    open_slot: OpenSlot, outsider: User
) -> None:
    elsewhere = people.registered(outsider, OTHER_STREET)
    assert services.sign_up(open_slot(), elsewhere).status == SignUpStatus.CONFIRMED


# --- approval -------------------------------------------------------------------------------


def test_signups_awaiting_approval_hold_no_place(
    open_slot: OpenSlot,
    volunteer: NewVolunteer,
    team_leader: User,
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    slot = open_slot(capacity=1, needs_approval=True)
    first, second, third = (services.sign_up(slot, volunteer(name=n)) for n in ("甲", "乙", "丙"))
    assert statuses(slot) == [(n, SignUpStatus.PENDING, None) for n in ("甲", "乙", "丙")]
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_signup(second, actor=team_leader)
        services.approve_signup(first, actor=team_leader)
        services.reject_signup(third, actor=team_leader, reason="年龄不符合要求")
    assert statuses(slot) == [
        ("甲", SignUpStatus.WAITLISTED, 1),
        ("乙", SignUpStatus.CONFIRMED, None),
        ("丙", SignUpStatus.REJECTED, None),
    ]
    assert [(m.mobile, m.template) for m in outbox] == [
        (second.volunteer.mobile, "signup_approved"),
        (third.volunteer.mobile, "signup_rejected"),
    ]
    third.refresh_from_db()
    assert (third.reason, third.decided_by) == ("年龄不符合要求", team_leader)
    assert refusal(lambda: services.sign_up(slot, third.volunteer)) == [
        "The organiser declined your sign-up for this slot."
    ]
    assert refusal(lambda: services.approve_signup(second, actor=team_leader)) == [
        "This sign-up is not awaiting approval."
    ]


def test_only_the_organiser_decides(
    open_slot: OpenSlot, volunteer: NewVolunteer, outsider: User, registrar: User
) -> None:
    signup = services.sign_up(open_slot(needs_approval=True), volunteer())
    for user in (outsider, registrar):
        with pytest.raises(PermissionDenied):
            services.approve_signup(signup, actor=user)
        with pytest.raises(PermissionDenied):
            services.reject_signup(signup, actor=user, reason="不合适")
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.PENDING


# --- cancelling -----------------------------------------------------------------------------


def test_a_started_slots_sign_up_is_not_cancelled(
    open_slot: OpenSlot, volunteer: NewVolunteer
) -> None:
    slot = open_slot()
    signup = services.sign_up(slot, volunteer())
    Slot.objects.filter(pk=slot.pk).update(starts_at=at(-1))
    assert refusal(lambda: services.cancel_signup(signup)) == [
        "This slot has started: it can no longer be cancelled."
    ]
    services.cancel_signup  # noqa: B018 (the refusal above wrote nothing)
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CONFIRMED


def test_staff_cancel_only_where_they_manage(
    open_slot: OpenSlot, volunteer: NewVolunteer, outsider: User, team_leader: User
) -> None:
    signup = services.sign_up(open_slot(), volunteer())
    with pytest.raises(PermissionDenied):
        services.cancel_signup(signup, actor=outsider)
    assert services.cancel_signup(signup, actor=team_leader, reason="重复报名").status == (
        SignUpStatus.CANCELLED
    )
    assert refusal(lambda: services.cancel_signup(signup)) == [
        "This sign-up is not live: nothing to cancel."
    ]


# --- a leader's group -----------------------------------------------------------------------


def test_a_leader_signs_up_a_group_of_members_who_are_told(
    open_slot: OpenSlot,
    volunteer: NewVolunteer,
    team_leader: User,
    org: Org,
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    slot = open_slot(capacity=3)
    group = [member(volunteer(name=n)) for n in ("甲", "乙")]
    with django_capture_on_commit_callbacks(execute=True):
        signups = services.sign_up_group(slot, group, actor=team_leader, team=org(TEAM))
    assert [(s.volunteer.name, s.status, s.source, s.signed_up_by) for s in signups] == [
        ("甲", SignUpStatus.CONFIRMED, SignUpSource.LEADER, team_leader),
        ("乙", SignUpStatus.CONFIRMED, SignUpSource.LEADER, team_leader),
    ]
    assert [(m.mobile, m.template, m.params["team"]) for m in outbox] == [
        (group[0].mobile, "signup_by_leader", "郭亮社区志愿服务队"),
        (group[1].mobile, "signup_by_leader", "郭亮社区志愿服务队"),
    ]
    # The leader who signed them up may cancel for them.
    assert services.cancel_signup(signups[0], actor=team_leader).status == SignUpStatus.CANCELLED


def test_a_group_larger_than_the_places_left_is_refused_whole(
    open_slot: OpenSlot, volunteer: NewVolunteer, team_leader: User, org: Org
) -> None:
    slot = open_slot(capacity=3)
    services.sign_up(slot, volunteer())
    group = [member(volunteer()) for _ in range(3)]
    assert refusal(
        lambda: services.sign_up_group(slot, group, actor=team_leader, team=org(TEAM))
    ) == {"volunteers": ["The group has 3 members but only 2 places are left."]}
    assert SignUp.objects.count() == 1


def test_a_group_is_of_the_leaders_team_members(
    open_slot: OpenSlot, volunteer: NewVolunteer, team_leader: User, outsider: User, org: Org
) -> None:
    slot = open_slot()
    stranger = volunteer(name="外人")
    assert refusal(
        lambda: services.sign_up_group(
            slot, [member(volunteer()), stranger], actor=team_leader, team=org(TEAM)
        )
    ) == {"volunteers": ["Not approved members of 郭亮社区志愿服务队: 外人."]}
    with pytest.raises(PermissionDenied):
        services.sign_up_group(slot, [member(volunteer())], actor=outsider, team=org(TEAM))
    assert not SignUp.objects.exists()


def test_a_groups_members_each_pass_the_checks(
    open_slot: OpenSlot, volunteer: NewVolunteer, team_leader: User, org: Org
) -> None:
    slot = open_slot(skills=[Skill.FIRST_AID])
    group = [
        member(volunteer(name="甲", skills=[Skill.FIRST_AID])),
        member(volunteer(name="乙", skills=[])),
    ]
    assert refusal(
        lambda: services.sign_up_group(slot, group, actor=team_leader, team=org(TEAM))
    ) == {"volunteers": ["乙: This activity needs these skills: First aid."]}
    assert not SignUp.objects.exists()
