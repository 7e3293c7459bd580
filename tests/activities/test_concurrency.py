"""Sign-ups and cancellations arriving at the same moment (PostgreSQL): a slot never holds
more confirmed sign-ups than its places, the waiting list keeps its order, freed places go to
the first waiting exactly once, and one person never holds two overlapping slots."""

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from tests.activities.conftest import make_open_slot, make_volunteer
from tests.concurrency import at_once, in_pool, postgres_only
from zhiyuan.activities import services
from zhiyuan.activities.enums import SignUpStatus
from zhiyuan.activities.models import SignUp, Slot
from zhiyuan.common.sms import SmsMessage
from zhiyuan.volunteers.models import Volunteer

pytestmark = postgres_only


def sign_up(slot_pk: int, volunteer_pk: int) -> str:
    """Sign up on this thread's connection; the status taken."""
    slot = Slot.objects.select_related("activity").get(pk=slot_pk)
    return services.sign_up(slot, Volunteer.objects.get(pk=volunteer_pk)).status


def test_500_signups_for_50_places_through_50_connections(world_tx: None) -> None:
    """Issue 12, "Done when": exactly 50 confirmed, 450 waiting in a gap-free queue, no
    errors."""
    slot = make_open_slot(capacity=50)
    # Birth dates vary: the synthetic ID numbers of one birth date run out at 500.
    first = date(1980, 1, 1)
    pks = [make_volunteer(birth=f"{first + timedelta(days=i):%Y%m%d}").pk for i in range(500)]

    results = in_pool(50, pks, lambda pk: sign_up(slot.pk, pk))

    assert [r for r in results if not isinstance(r, str)] == []
    assert Counter(results) == {SignUpStatus.CONFIRMED: 50, SignUpStatus.WAITLISTED: 450}
    stored = Counter(slot.signups.values_list("status", flat=True))
    assert stored == {SignUpStatus.CONFIRMED: 50, SignUpStatus.WAITLISTED: 450}
    positions = sorted(
        slot.signups.filter(status=SignUpStatus.WAITLISTED).values_list(
            "waitlist_position", flat=True
        )
    )
    assert positions == list(range(1, 451))


def test_concurrent_cancellations_promote_the_first_waiting_once_each(
    world_tx: None, outbox: list[SmsMessage]
) -> None:
    slot = make_open_slot(capacity=10)
    confirmed = [services.sign_up(slot, make_volunteer()) for _ in range(10)]
    waiting = [services.sign_up(slot, make_volunteer()) for _ in range(30)]
    assert {s.status for s in waiting} == {SignUpStatus.WAITLISTED}
    outbox.clear()

    def cancel(index: int) -> Any:
        return services.cancel_signup(SignUp.objects.get(pk=confirmed[index].pk)).status

    results = at_once(10, cancel)

    assert results == [SignUpStatus.CANCELLED] * 10
    promoted = set(slot.signups.filter(status=SignUpStatus.CONFIRMED).values_list("pk", flat=True))
    assert promoted == {s.pk for s in waiting[:10]}
    still = slot.signups.filter(status=SignUpStatus.WAITLISTED).order_by("waitlist_position")
    assert [s.pk for s in still] == [s.pk for s in waiting[10:]]
    promoted_mobiles = sorted(m.mobile for m in outbox if m.template == "signup_promoted")
    assert promoted_mobiles == sorted(s.volunteer.mobile for s in waiting[:10])


def test_cancellations_and_sign_ups_at_once_never_overfill(world_tx: None) -> None:
    slot = make_open_slot(capacity=5)
    confirmed = [services.sign_up(slot, make_volunteer()) for _ in range(5)]
    newcomers = [make_volunteer().pk for _ in range(20)]

    def work(index: int) -> Any:
        if index < 5:
            return services.cancel_signup(SignUp.objects.get(pk=confirmed[index].pk)).status
        return sign_up(slot.pk, newcomers[index - 5])

    results = at_once(25, work)

    assert [r for r in results if not isinstance(r, str)] == []
    assert Counter(slot.signups.values_list("status", flat=True)) == {
        SignUpStatus.CANCELLED: 5,
        SignUpStatus.CONFIRMED: 5,
        SignUpStatus.WAITLISTED: 15,
    }


def test_one_person_signing_up_for_overlapping_slots_at_once_gets_one(world_tx: None) -> None:
    slots = [make_open_slot(start=24 + i * 0.25, hours=3).pk for i in range(8)]
    person = make_volunteer().pk

    results = at_once(8, lambda index: sign_up(slots[index], person))

    assert sum(r == SignUpStatus.CONFIRMED for r in results) == 1
    assert {str(r) for r in results if not isinstance(r, str)} == {
        "['已报名时间重叠的时段 " + str(Slot.objects.get(signups__volunteer_id=person)) + "。']"
    }
    assert SignUp.objects.filter(volunteer_id=person).count() == 1


@pytest.mark.parametrize("threads", [20])
def test_a_leaders_groups_and_singles_at_once_stay_within_capacity(
    world_tx: None, threads: int
) -> None:
    from tests.activities.test_signups import member
    from tests.factories import TEAM
    from zhiyuan.accounts.models import User
    from zhiyuan.organizations.models import Organization

    slot = make_open_slot(capacity=12)
    groups = [[member(make_volunteer()).pk for _ in range(3)] for _ in range(5)]
    singles = [make_volunteer().pk for _ in range(threads - 5)]
    team = Organization.objects.get(code=TEAM)
    leader = User.objects.get(username="team_leader")

    def work(index: int) -> Any:
        if index < 5:
            fresh = Slot.objects.select_related("activity").get(pk=slot.pk)
            people = list(Volunteer.objects.filter(pk__in=groups[index]))
            return [
                s.status for s in services.sign_up_group(fresh, people, actor=leader, team=team)
            ]
        return sign_up(slot.pk, singles[index - 5])

    results = at_once(threads, work)

    unexpected = [r for r in results if not isinstance(r, str | list) and "个名额" not in str(r)]
    assert unexpected == []
    assert slot.signups.filter(status=SignUpStatus.CONFIRMED).count() == 12
