"""Check-ins, check-outs and confirmations at the same moment (PostgreSQL, real threads): retries
and double scans never count twice, and one organiser's chain never forks."""

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.concurrency import at_once, in_pool, postgres_only
from tests.factories import ActivityFactory, SignUpFactory, SlotFactory
from tests.hours.conftest import days_ago
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.activities.models import Activity, Slot
from zhiyuan.hours import chain, checkin, services, tallies
from zhiyuan.hours.models import Attendance, HourRecord, OrganizerYear
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

pytestmark = postgres_only


def leader() -> User:
    return User.objects.get(username="team_leader")


def past_slot_with(count: int) -> tuple[Slot, list[int]]:
    """A slot 3 days ago, 09:00–12:00, and `count` volunteers signed up for it."""
    slot = SlotFactory(
        activity=ActivityFactory(),
        starts_at=days_ago(3, 9),
        ends_at=days_ago(3, 12),
        capacity=count,
    )
    registrar = User.objects.get(username="registrar")
    volunteers = [people.registered(registrar) for _ in range(count)]
    for volunteer in volunteers:
        SignUpFactory(slot=slot, volunteer=volunteer)
    return slot, [volunteer.pk for volunteer in volunteers]


def test_concurrent_check_ins_with_retries_count_each_volunteer_once(world_tx: None) -> None:
    slot, volunteer_ids = past_slot_with(40)
    # each volunteer: three sends of one request (retries with its key) and a second scan
    jobs = [(pk, f"key-{pk}") for pk in volunteer_ids for _ in range(3)]
    jobs += [(pk, None) for pk in volunteer_ids]

    def work(job: tuple[int, str | None]) -> int:
        pk, key = job
        checked = checkin.check_in(
            Slot.objects.select_related("activity__organizer").get(pk=slot.pk),
            Volunteer.objects.get(pk=pk),
            actor=leader(),
            key=key,
            at=days_ago(3, 9),
        )
        return checked.attendance.pk

    results = in_pool(20, jobs, work)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert Attendance.objects.filter(slot=slot).count() == 40
    per_volunteer = Counter(Attendance.objects.values_list("volunteer_id", flat=True))
    assert set(per_volunteer.values()) == {1}
    assert len(set(results)) == 40


def test_one_volunteer_scanning_at_once_from_ten_phones_opens_one_interval(world_tx: None) -> None:
    slot, (pk,) = past_slot_with(1)

    def work(index: int) -> int:
        checked = checkin.check_in(
            Slot.objects.select_related("activity__organizer").get(pk=slot.pk),
            Volunteer.objects.get(pk=pk),
            actor=leader(),
            key=f"phone-{index}",
            at=days_ago(3, 9),
        )
        return checked.attendance.pk

    results = at_once(10, work)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert len(set(results)) == 1
    assert Attendance.objects.count() == 1


def test_concurrent_check_outs_make_one_record(world_tx: None) -> None:
    slot, (pk,) = past_slot_with(1)
    checkin.check_in(slot, Volunteer.objects.get(pk=pk), actor=leader(), at=days_ago(3, 9))

    def work(index: int) -> int:
        checked = checkin.check_out(
            Slot.objects.select_related("activity__organizer").get(pk=slot.pk),
            Volunteer.objects.get(pk=pk),
            actor=leader(),
            key=f"out-{index % 2}",
            at=days_ago(3, 11),
        )
        return checked.attendance.pk

    results = at_once(8, work)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert HourRecord.objects.count() == 1
    assert HourRecord.objects.get().minutes == 120


def test_concurrent_confirmations_keep_one_chain_per_organiser(world_tx: None) -> None:
    slot, volunteer_ids = past_slot_with(12)
    record_ids = [
        services.record_hours(
            Volunteer.objects.get(pk=pk),
            activity=slot.activity,
            slot=slot,
            start=days_ago(3, 9),
            end=days_ago(3, 9) + timedelta(minutes=20 + n),
            actor=leader(),
        ).pk
        for n, pk in enumerate(volunteer_ids)
    ]

    def work(index: int) -> list[int]:
        mine = HourRecord.objects.filter(pk__in=record_ids[index * 2 : index * 2 + 2])
        return [r.chain_position for r in services.confirm_records(list(mine), actor=leader())]

    results = at_once(6, work)
    assert [r for r in results if isinstance(r, Exception)] == []
    positions = sorted(HourRecord.objects.values_list("chain_position", flat=True))
    assert positions == list(range(1, 13))
    assert list(chain.verify()) == []


def test_concurrent_confirmations_count_each_volunteer_of_the_year_once(world_tx: None) -> None:
    # Three volunteers, four records each on four days, confirmed two at a time by six
    # threads: the organiser's year has three distinct volunteers, whatever the interleaving.
    slot, volunteer_ids = past_slot_with(3)
    record_ids = [
        services.record_hours(
            Volunteer.objects.get(pk=pk),
            activity=slot.activity,
            start=days_ago(3, 9) - timedelta(days=day),
            end=days_ago(3, 10) - timedelta(days=day),
            actor=leader(),
        ).pk
        for day in range(4)
        for pk in volunteer_ids
    ]

    def work(index: int) -> int:
        mine = HourRecord.objects.filter(pk__in=record_ids[index::6])
        return len(services.confirm_records(list(mine), actor=leader()))

    results = at_once(6, work)
    assert results == [2] * 6
    years = {
        (r.volunteer_id, timezone.localtime(r.start).year)
        for r in HourRecord.objects.filter(pk__in=record_ids)
    }
    counted = OrganizerYear.objects.filter(organizer=slot.activity.organizer)
    assert sum(counted.values_list("volunteers", flat=True)) == len(years)
    assert tallies.discrepancies() == []


@pytest.mark.parametrize("threads", [4])
def test_concurrent_leader_entries_for_one_volunteer_never_overlap(
    world_tx: None, threads: int
) -> None:
    slot, (pk,) = past_slot_with(1)

    def work(index: int) -> int:
        return services.record_hours(
            Volunteer.objects.get(pk=pk),
            activity=slot.activity,
            start=days_ago(3, 9) + timedelta(minutes=10 * index),
            end=days_ago(3, 11),
            actor=leader(),
        ).pk

    results = at_once(threads, work)
    assert len([r for r in results if isinstance(r, int)]) == 1
    assert HourRecord.objects.count() == 1


DECISIONS: dict[str, Callable[[HourRecord], object]] = {
    "confirm": lambda record: services.confirm_records([record], actor=leader()),
    "reject": lambda record: services.reject_record(record, actor=leader(), reason="不实"),
    "edit": lambda record: services.edit_record(record, actor=leader(), content="清扫"),
}


@pytest.mark.parametrize("decision", list(DECISIONS))
def test_a_decision_locks_the_record_not_its_volunteer_organiser_or_activity(
    world_tx: None, decision: str
) -> None:
    slot, (pk,) = past_slot_with(1)
    record = services.record_hours(
        Volunteer.objects.get(pk=pk),
        activity=slot.activity,
        slot=slot,
        start=days_ago(3, 9),
        end=days_ago(3, 10),
        actor=leader(),
    )
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        # Other writers at work (a registrar, the tree, the activity's page): they lock the rows
        # as an UPDATE of them does, which leaves references to them free.
        try:
            with transaction.atomic():
                Volunteer.objects.select_for_update(no_key=True).get(pk=pk)
                Organization.objects.select_for_update(no_key=True).get(
                    pk=slot.activity.organizer_id
                )
                Activity.objects.select_for_update(no_key=True).get(pk=slot.activity_id)
                held.set()
                release.wait(30)
        finally:
            connections.close_all()

    other = threading.Thread(target=hold)
    other.start()
    try:
        assert held.wait(30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            DECISIONS[decision](record)
    finally:
        release.set()
        other.join()
    assert (
        HourRecord.objects.get(pk=record.pk).status
        == {
            "confirm": "confirmed",
            "reject": "rejected",
            "edit": "pending",
        }[decision]
    )


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_check_in_writes_in_one_statement(world_tx) -> None:
    # What gunicorn runs (autocommit): the interval and its audit entry are one statement, the
    # database's own transaction, with no BEGIN and COMMIT around it.
    from django.test.utils import CaptureQueriesContext

    from zhiyuan.common.models import AuditEntry

    now = timezone.now()
    made = SlotFactory(
        activity=ActivityFactory(), starts_at=now - timedelta(hours=1), ends_at=now + timedelta(1)
    )
    volunteer = people.registered(User.objects.get(username="registrar"))
    SignUpFactory(slot=made, volunteer=volunteer)
    slot = Slot.objects.select_related("activity__organizer").get(pk=made.pk)
    with CaptureQueriesContext(connection) as queries:
        checked = checkin.check_in(slot, volunteer, actor=None, key="one-statement")
    # what is there of the key, the confirmed sign-up, then the one write
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert statements == ["SELECT", "SELECT", "WITH"]
    entry = AuditEntry.objects.get(action="hours.attendance.checked_in")
    assert (entry.object_id, entry.organization_id) == (
        str(checked.attendance.pk),
        slot.activity.organizer_id,
    )
