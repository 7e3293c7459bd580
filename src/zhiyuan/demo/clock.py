"""The demo's clock: the demo city's past year is lived through the platform's own services,
each step at the moment it happened, by setting the time those services read.

The services refuse what a live platform could not do: a slot starting in the past, a sign-up
for a slot under way, hours that end in the future. So a year of activities can only be made
through them the way it would have been made, in its order, on its days. Every service reads the
time through `django.utils.timezone.now()` (model fields too: `default=timezone.now`,
`auto_now`), which asks the name `datetime` of `django.utils.timezone` for `now()`. While
`replaying` is in force that name is a subclass of `datetime` whose `now` answers the moment the
clock was moved to plus the real time passed since (the steps of one moment keep their order);
everything else about it is the real `datetime`. On the way out, whatever happens, the real one
is put back.

For the demo loader only: a command that runs alone before anything serves (`make run` loads
the demo, then starts the server and the worker), never in a process that serves requests. A
replay may run inside another (the demo's tests load the demo as of a fixed day): its moments
may not pass the outer clock, and leaving it puts the outer clock back.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo

import django.utils.timezone as django_timezone


class Clock:
    """The replayed time: `moved_to` is the moment set last, and `now()` runs on from it."""

    def __init__(self, start: datetime, real_now: datetime) -> None:
        self.real_now = real_now
        self.moved_to = start
        self._set_at = time.monotonic()
        self.move_to(start)

    def move_to(self, instant: datetime) -> None:
        """Set the clock to `instant` (aware). Raises ValueError for a naive instant or one
        after the real time the replay began at: the demo's past is in the past."""
        if instant.tzinfo is None:
            raise ValueError("The demo clock takes aware instants.")
        if instant > self.real_now:
            raise ValueError(f"The demo clock replays the past; {instant} is ahead of it.")
        self.moved_to = instant.astimezone(UTC)
        self._set_at = time.monotonic()

    def now(self) -> datetime:
        return self.moved_to + timedelta(seconds=time.monotonic() - self._set_at)


@contextmanager
def replaying(start: datetime) -> Iterator[Clock]:
    """Within the block, `django.utils.timezone.now()` reads the returned clock, first set to
    `start`. Raises ValueError (`Clock.move_to`) for a `start` after the time it begins at."""
    real: type[datetime] = vars(django_timezone)["datetime"]
    clock = Clock(start, real_now=real.now(UTC))

    class Replayed(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            instant = clock.now()
            return (
                instant.astimezone(tz)
                if tz is not None
                else instant.astimezone().replace(tzinfo=None)
            )

    vars(django_timezone)["datetime"] = Replayed
    try:
        yield clock
    finally:
        vars(django_timezone)["datetime"] = real
