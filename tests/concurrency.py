"""Running one function in several threads at once, for the concurrency tests on PostgreSQL.

Each thread has its own database connection (Django opens one per thread) and closes it when
done, so a test never holds more than `threads` of the server's connections. SQLite runs one
writer at a time (IMMEDIATE transactions), so these tests only mean something on PostgreSQL.
"""

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from django.db import connection, connections

postgres_only = [
    pytest.mark.postgres_only,
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL: SQLite lets one writer in at a time",
    ),
]

Job = TypeVar("Job")


def at_once(threads: int, work: Callable[[int], Any]) -> list[Any]:
    """Call `work(i)` for i in range(threads), all released together; return what each call
    returned or the exception it raised, in order."""
    start = threading.Barrier(threads)

    def run(index: int) -> Any:
        try:
            start.wait(timeout=30)
            return work(index)
        except Exception as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(threads)))


def in_pool(threads: int, jobs: Sequence[Job], work: Callable[[Job], Any]) -> list[Any]:
    """Call `work(job)` for every job on a pool of `threads` threads, all released together;
    each thread takes the next job until none is left, on its one connection, which it closes
    at the end (so at most `threads` connections at once). Return what each call returned or
    the exception it raised, in the order of `jobs`."""
    start = threading.Barrier(threads)
    results: list[Any] = [None] * len(jobs)
    queue = iter(range(len(jobs)))
    take = threading.Lock()

    def run() -> None:
        try:
            start.wait(timeout=30)
            while True:
                with take:
                    index = next(queue, None)
                if index is None:
                    return
                try:
                    results[index] = work(jobs[index])
                except Exception as exc:
                    results[index] = exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for done in [pool.submit(run) for _ in range(threads)]:
            done.result()
    return results
