"""Tamper evidence: confirmed records chained per organiser by SHA-256, and `zhiyuan
verify_hours`, which names a record that was changed, removed or moved behind the ledger's back
(the database's trigger dropped first, as someone with the database's rights could)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from tests.factories import ActivityFactory
from tests.hours.conftest import days_ago
from zhiyuan.hours import chain, services
from zhiyuan.hours.models import ChainHead, HourRecord
from zhiyuan.organizations.models import Organization


def drop_ledger_trigger() -> None:
    """What someone with the database's rights could do first (undone with the test's
    transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER hours_hourrecord_confirmed_locked ON hours_hourrecord")
        else:
            cursor.execute("DROP TRIGGER hours_hourrecord_confirmed_locked")


@pytest.fixture
def confirmed(volunteer, activity, team_leader) -> list[HourRecord]:
    """Three confirmed records of one volunteer, in one organiser's chain."""
    made = [
        services.record_hours(
            volunteer,
            activity=activity,
            start=days_ago(day, 9),
            end=days_ago(day, 11),
            actor=team_leader,
        )
        for day in (3, 2, 1)
    ]
    return services.confirm_records(made, actor=team_leader)


def verify(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("verify_hours", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_confirmed_records_are_chained_in_order(confirmed) -> None:
    stored = list(HourRecord.objects.order_by("chain_position"))
    assert [r.chain_position for r in stored] == [1, 2, 3]
    assert [r.previous_hash for r in stored] == ["", stored[0].record_hash, stored[1].record_hash]
    assert all(r.record_hash == chain.digest(r) for r in stored)
    head = ChainHead.objects.get(organizer=stored[0].organizer)
    assert (head.length, head.last_hash) == (3, stored[2].record_hash)


def test_verify_hours_passes_untouched_chains(confirmed) -> None:
    assert verify() == ("All chains hold: 1 organiser(s), 3 confirmed record(s).\n", "")


def test_a_changed_record_fails_verify_hours_and_is_named(confirmed) -> None:
    drop_ledger_trigger()
    HourRecord.objects.filter(pk=confirmed[1].pk).update(minutes=600, actual_minutes=600)
    with pytest.raises(CommandError):
        verify()
    err = StringIO()
    with pytest.raises(CommandError), translation.override("en"):
        call_command("verify_hours", stderr=err)
    assert err.getvalue() == (
        f"service record {confirmed[1].pk} (organiser 430602001001-TM, chain position 2): "
        "its content no longer matches its hash\n"
    )


def test_a_changed_hash_breaks_the_next_link_too(confirmed) -> None:
    drop_ledger_trigger()
    HourRecord.objects.filter(pk=confirmed[0].pk).update(record_hash="0" * 64)
    problems = [(b.record_id, b.problem) for b in chain.verify()]
    assert problems == [
        (confirmed[0].pk, "content_changed"),
        (confirmed[1].pk, "link_broken"),
    ]


def test_a_removed_record_is_found(confirmed) -> None:
    drop_ledger_trigger()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM hours_hourrecord WHERE id = %s", [confirmed[1].pk])
    problems = [(b.record_id, b.position, b.problem) for b in chain.verify()]
    assert problems == [(None, 2, "missing"), (confirmed[2].pk, 3, "link_broken")]


def test_a_removed_last_record_is_found(confirmed) -> None:
    drop_ledger_trigger()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM hours_hourrecord WHERE id = %s", [confirmed[2].pk])
    assert [b.problem for b in chain.verify()] == ["end_missing"]


def test_a_record_unconfirmed_behind_the_ledgers_back_is_found(confirmed) -> None:
    drop_ledger_trigger()
    HourRecord.objects.filter(pk=confirmed[2].pk).update(status="pending")
    assert [(b.record_id, b.problem) for b in chain.verify()] == [
        (confirmed[2].pk, "status_changed"),
        (confirmed[2].pk, "content_changed"),
    ]


def test_each_organiser_has_its_own_chain(confirmed, volunteer, street_admin) -> None:
    other = ActivityFactory(organizer=Organization.objects.get(code="430602001001-ST"))
    made = services.record_hours(
        volunteer, activity=other, start=days_ago(5, 9), end=days_ago(5, 10), actor=street_admin
    )
    services.confirm_records([made], actor=street_admin)
    stored = HourRecord.objects.get(pk=made.pk)
    assert (stored.chain_position, stored.previous_hash) == (1, "")
    assert verify("--organizer", "430602001001-ST")[0] == (
        "All chains hold: 1 organiser(s), 1 confirmed record(s).\n"
    )
    assert list(chain.verify()) == []


def test_verify_hours_refuses_an_unknown_organiser(db) -> None:
    with pytest.raises(CommandError):
        verify("--organizer", "NOPE")


def test_a_move_in_the_tree_rewrites_only_the_path_copy(confirmed) -> None:
    """The organiser's path copy follows the tree (access.follow_path_change); the trigger lets
    that one column change on a confirmed record, and the chain still holds."""
    HourRecord.objects.filter(pk=confirmed[0].pk).update(organizer_path="9999")
    assert HourRecord.objects.get(pk=confirmed[0].pk).organizer_path == "9999"
    assert list(chain.verify()) == []


def test_the_path_copy_is_filled_when_a_record_is_made(confirmed) -> None:
    stored = HourRecord.objects.get(pk=confirmed[0].pk)
    assert stored.organizer_path == stored.organizer.path != ""
