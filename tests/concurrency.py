"""Running one function in several threads at once, for the concurrency tests on PostgreSQL.

Each thread has its own database connection (Django opens one per thread) and closes it when
done, so a test never holds more than `threads` of the server's connections. SQLite runs one
writer at a time (IMMEDIATE transactions), so these tests only mean something on PostgreSQL.
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections

postgres_only = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL: SQLite lets one writer in at a time",
    ),
]


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
