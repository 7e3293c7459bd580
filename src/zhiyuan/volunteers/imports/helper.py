"""The helper process that checks the second half of a large roster on a second core while
this process checks the first half: checking is pure computation (the registration rules),
so two cores halve it. The helper is a forked copy of this process; it never uses the
database (a row needing a look-up it has not cached comes back unchecked, and the parent
checks it) and leaves the connections it inherited untouched. Its outcomes come back pickled
through a pipe; if anything fails, the parent checks the rows itself.

How many processes check is `workers`: 1, 2, or None to decide by the roster's size
(PARALLEL_FROM_ROWS) and the machine's cores.
"""

import os
import pickle
import signal
import threading
from collections.abc import Callable, Generator
from typing import Any, TypeVar

from django.db import connections

from zhiyuan.volunteers.imports.reader import Roster

T = TypeVar("T")
# A row the helper checked: (row number, outcome, None), or (row number, None, cells) for a
# row it could not check without the database.
Checked = tuple[int, Any, list[Any] | None]

# Rosters from this many rows on are checked by two processes when `workers` is None.
PARALLEL_FROM_ROWS = 20_000


class Offline(Exception):
    """A forked helper needs the database for a row: the row is checked by the parent."""


def outcomes(
    sheet: Roster,
    check: Callable[[list[Any]], T],
    *,
    offline: Callable[[], None],
    workers: int | None = None,
) -> Generator[tuple[int, T], None, None]:
    """(row number, `check` of the row) for every row of `sheet`, in order. With two
    `workers` the second half is checked by a forked copy of this process meanwhile
    (`SecondHalf`), which calls `offline()` first: from then on `check` raises Offline for a
    row that needs the database, and this process checks that row. `workers` None: two from
    PARALLEL_FROM_ROWS rows on, on a machine with two cores or more."""
    rows = sheet.rows
    split = _split_row(sheet, workers)
    if split is None:
        for number, cells in rows:
            yield number, check(cells)
        return
    helper = SecondHalf(sheet, split, check, offline)
    try:
        pending: tuple[int, list[Any]] | None = None
        for number, cells in rows:
            if number > split:
                pending = (number, cells)
                break
            yield number, check(cells)
        results = helper.results()
        if results is None:  # the helper failed: check its rows here
            if pending is not None:
                yield pending[0], check(pending[1])
            for number, cells in rows:
                yield number, check(cells)
            return
        for number, outcome, unchecked in results:
            yield number, (check(unchecked) if unchecked is not None else outcome)
    finally:
        helper.close()


def _split_row(sheet: Roster, workers: int | None) -> int | None:
    """The last row this process checks itself when a helper checks the rest; None when this
    process checks alone: one worker (by choice, or for `workers` None a roster under
    PARALLEL_FROM_ROWS rows or a machine with one core), or forking is not safe here (other
    threads running, which a fork would leave holding their locks)."""
    rows = sheet.last_row - sheet.header_row
    if workers is None:
        workers = 2 if rows >= PARALLEL_FROM_ROWS and _cores() >= 2 else 1
    if workers < 2 or not hasattr(os, "fork") or threading.active_count() > 1:
        return None
    return sheet.header_row + rows * 52 // 100  # the parent also gathers the outcomes


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class SecondHalf:
    """The rows after `split`, checked by a forked copy of this process while this one checks
    the rows up to it. The copy never uses the database and leaves the connections it
    inherited untouched (closing one would end the parent's session); `results` is None when
    anything failed."""

    def __init__(
        self,
        sheet: Roster,
        split: int,
        check: Callable[[list[Any]], Any],
        offline: Callable[[], None],
    ) -> None:
        self.reader, writer = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the copy: never returns
            code = 1
            try:
                os.close(self.reader)
                leave_connections()
                offline()
                sheet.skip_to(split + 1)
                found: list[Checked] = []
                for number, cells in sheet.rows:
                    if number > split:
                        try:
                            found.append((number, check(cells), None))
                        except Offline:
                            found.append((number, None, cells))
                with os.fdopen(writer, "wb") as pipe:
                    pickle.dump(found, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                os._exit(code)
        os.close(writer)

    def results(self) -> list[Checked] | None:
        try:
            with os.fdopen(self.reader, "rb") as pipe:
                self.reader = -1
                data = pipe.read()
            _pid, status = os.waitpid(self.pid, 0)
            self.pid = 0
            return pickle.loads(data) if status == 0 and data else None  # noqa: S301 - our own
        except (OSError, pickle.UnpicklingError, EOFError):
            return None

    def close(self) -> None:
        """Reap the copy; if the parent gave up before reading its outcomes (an error), stop
        it first rather than wait for work nobody will read."""
        if self.reader >= 0:
            os.close(self.reader)
            self.reader = -1
            if self.pid:
                os.kill(self.pid, signal.SIGKILL)
        if self.pid:
            os.waitpid(self.pid, 0)
            self.pid = 0


# Connections a forked helper inherited: kept referenced, so that they are never closed (and
# the parent's sessions never ended) by the helper.
_INHERITED: list[Any] = []


def leave_connections() -> None:
    """In a forked helper: put aside the database connections inherited from the parent, so
    that any use opens a connection of its own instead of talking on the parent's."""
    for connection in connections.all(initialized_only=True):
        _INHERITED.append(connection.connection)
        connection.connection = None
