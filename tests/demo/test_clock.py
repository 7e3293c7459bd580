"""The demo's clock (`demo.clock`): within a replay the services' time, and the model fields
that default to it, read the replayed moment; it never runs ahead of the time it began at; it
puts back the clock it found, an outer replay's too."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import models
from django.utils import timezone

from zhiyuan.demo.clock import replaying

THEN = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


def test_a_replay_sets_the_time_the_services_and_the_fields_read() -> None:
    recorded = models.DateTimeField(default=timezone.now)  # captured as models capture it
    with replaying(THEN) as clock:
        assert THEN <= timezone.now() < THEN + timedelta(seconds=5)
        assert timezone.localdate().isoformat() == "2025-03-01"
        assert THEN <= recorded.get_default() < THEN + timedelta(seconds=5)
        clock.move_to(THEN + timedelta(days=30))
        assert timezone.localdate().isoformat() == "2025-03-31"
    assert timezone.now() - datetime.now(UTC) < timedelta(seconds=5)


def test_the_clock_never_runs_ahead_of_the_time_it_began_at() -> None:
    with replaying(THEN) as clock:
        with pytest.raises(ValueError, match="replays the past"):
            clock.move_to(datetime.now(UTC) + timedelta(minutes=1))
        with pytest.raises(ValueError, match="aware"):
            clock.move_to(datetime(2025, 3, 2))  # noqa: DTZ001 - the naive instant refused
    with (
        pytest.raises(ValueError, match="replays the past"),
        replaying(datetime.now(UTC) + timedelta(days=1)),
    ):
        pass  # pragma: no cover


def test_a_replay_inside_another_stays_in_its_past_and_gives_it_back() -> None:
    with replaying(THEN):
        with replaying(THEN - timedelta(days=400)) as inner:
            assert timezone.localdate().isoformat() == "2024-01-26"
            with pytest.raises(ValueError, match="replays the past"):
                inner.move_to(THEN + timedelta(days=1))
        assert THEN <= timezone.now() < THEN + timedelta(seconds=5)
    assert timezone.now() - datetime.now(UTC) < timedelta(seconds=5)


def test_the_clock_is_put_back_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError), replaying(THEN):
        raise RuntimeError("a step failed")
    assert timezone.now() - datetime.now(UTC) < timedelta(seconds=5)
