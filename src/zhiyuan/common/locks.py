"""Named locks for rare writers that must not run side by side.

`hold(name)` waits for the lock `name` and keeps it until the current transaction ends, so two
processes that both build the organisation tree, say, run one after the other and the second
sees what the first wrote. Take it first thing in the transaction, before reading what the
decision depends on (pretix, "locking": lock once per transaction).

On PostgreSQL it is a transaction-level advisory lock (pg_advisory_xact_lock). SQLite needs
none: the project's SQLite transactions are IMMEDIATE (settings), so a writing transaction holds
the database's write lock from BEGIN and writers already run one at a time.
"""

import hashlib

from django.db import connection


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (PostgreSQL's advisory locks take a bigint)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def hold(name: str) -> None:
    """Take the lock `name` until the current transaction commits or rolls back.

    Raises RuntimeError outside `transaction.atomic()`, where a lock would end at once.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("locks.hold() needs a transaction: call it inside transaction.atomic().")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])
