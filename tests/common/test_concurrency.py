"""Generation counters bumped from many connections at once (PostgreSQL): no bump is lost, not
even the first ones of a name, which race to create its row (`common.generations`)."""

from django.db import transaction

from tests.concurrency import at_once, postgres_only
from zhiyuan.common import generations

pytestmark = postgres_only


def test_first_bumps_of_a_name_at_once_all_count(empty_db_tx: None) -> None:
    results = at_once(8, lambda _: generations.bump("new-name"))
    assert results == [None] * 8
    assert generations.current(["new-name"]) == (8,)


def test_bumps_of_transactions_committing_at_once_all_count(empty_db_tx: None) -> None:
    generations.bump("busy")

    def commit(_: int) -> None:
        with transaction.atomic():
            generations.bump("busy")
            generations.bump("busy", "other")

    assert at_once(8, commit) == [None] * 8
    assert generations.current(["busy", "other"]) == (9, 8)
