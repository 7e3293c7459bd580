"""Generations: which version of some shared data every process should be serving.

A page every visitor sees (the public list of registration points) is built once per process
and kept, instead of read from the database on every request. Keeping it per process is only
right while every process learns at once that the data changed; gunicorn runs several worker
processes and the embedded set-up has no shared cache (Redis is optional). So the database
keeps one counter per kind of data (`Generation`): a write bumps it, and a process checks the
counters it depends on (one small query) before it uses what it kept.

- `bump(*names)`: a change to the data `names` stand for. Inside a transaction the counters go
  up once it commits (one UPDATE per name, whatever the number of bumps), never for a rolled-back
  one; outside one, at once. Models name their generation in a `GENERATION` class attribute and
  every `save()`, `delete()` and change of a many-to-many field bumps it (`connect_signals`);
  services bump it themselves after bulk writes (`update()`, `bulk_create`, raw SQL, treebeard's
  moves), which send no signal.
- `cached(key, names, build)`: `build()`'s value as kept in this process, built again when a
  counter of `names` has moved since, or after `MAX_AGE` seconds (a bound on staleness should a
  process die between its commit and its bump). While the current transaction holds an
  unbumped change to `names`, the value is built and not kept: it may be rolled back.

Kept values are shared by the threads of a process: treat them as read-only.
"""

import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save

from zhiyuan.common.models import Generation

T = TypeVar("T")

#: Seconds a kept value lives at most, whatever the counters say.
MAX_AGE = 300.0


# --- the shared counters ----------------------------------------------------------------


def current(names: Sequence[str], *, using: str | None = None) -> tuple[int, ...]:
    """The counters of `names`, in that order (0 for a name never bumped). One query, in SQL:
    it runs on every request of a page that keeps its data, where the ORM's building of the
    query cost more than the database's answer."""
    connection = transaction.get_connection(using)
    table = connection.ops.quote_name(Generation._meta.db_table)
    marks = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, value FROM {table} WHERE name IN ({marks})",  # noqa: S608 - no input
            list(names),
        )
        found = dict(cursor.fetchall())
    return tuple(found.get(name, 0) for name in names)


class _PendingBump:
    """The names bumped in one transaction, incremented once it commits."""

    def __init__(self, using: str | None) -> None:
        self.using = using
        self.names: set[str] = set()
        self.done = False

    def __call__(self) -> None:
        self.done = True
        _increment(sorted(self.names), using=self.using)


_pending: "weakref.WeakKeyDictionary[BaseDatabaseWrapper, _PendingBump]" = (
    weakref.WeakKeyDictionary()
)


def _open_bump(connection: BaseDatabaseWrapper) -> _PendingBump | None:
    """The bump waiting for the connection's transaction to commit, if any."""
    pending = _pending.get(connection)
    if pending is None or pending.done or not connection.in_atomic_block:
        return None
    # Gone from the list when the savepoint that registered it was rolled back.
    if not any(entry[1] is pending for entry in connection.run_on_commit):
        return None
    return pending


def bump(*names: str, using: str | None = None) -> None:
    """Mark the data `names` stand for as changed, for every process: on commit of the
    current transaction (robustly: a failure is logged, not raised), or at once outside one."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        _increment(names, using=using)
        return
    pending = _open_bump(connection)
    if pending is None:
        pending = _PendingBump(using)
        _pending[connection] = pending
        transaction.on_commit(pending, using=using, robust=True)
    pending.names.update(names)


def _increment(names: Iterable[str], *, using: str | None) -> None:
    rows = Generation.objects.using(using)
    for name in names:
        if rows.filter(name=name).update(value=F("value") + 1):
            continue
        try:
            with transaction.atomic(using=using):
                rows.create(name=name, value=1)
        except IntegrityError:  # another process created it meanwhile
            rows.filter(name=name).update(value=F("value") + 1)


def pending_names(*, using: str | None = None) -> frozenset[str]:
    """The names bumped in the current transaction, not yet committed."""
    pending = _open_bump(transaction.get_connection(using))
    return frozenset(pending.names) if pending else frozenset()


# --- signals: saves and deletes of models with a GENERATION ----------------------------------


def _generation_of(model: Any) -> str | None:
    name = getattr(model, "GENERATION", None)
    return name if isinstance(name, str) else None


def _saved_or_deleted(sender: Any, using: str, **kwargs: Any) -> None:
    name = _generation_of(sender)
    if name is not None:
        bump(name, using=using)


def _many_to_many_changed(
    sender: Any, instance: Any, action: str, model: Any, using: str, **kwargs: Any
) -> None:
    if not action.startswith("post_"):
        return
    names = {_generation_of(type(instance)), _generation_of(model)} - {None}
    if names:
        bump(*sorted(name for name in names if name), using=using)


def connect_signals() -> None:
    """Bump a model's GENERATION on every save, delete and change of its many-to-many fields
    (CommonConfig.ready, once every model is loaded). Only those models get receivers: a
    receiver for every model would cost every bulk delete its fast path."""
    for model in apps.get_models():
        if _generation_of(model) is None:
            continue
        uid = f"generations-{model._meta.label_lower}"
        post_save.connect(_saved_or_deleted, sender=model, dispatch_uid=uid)
        post_delete.connect(_saved_or_deleted, sender=model, dispatch_uid=uid)
        for field in model._meta.many_to_many:
            through = field.remote_field.through  # type: ignore[union-attr]
            m2m_changed.connect(_many_to_many_changed, sender=through, dispatch_uid=uid)


# --- what a process keeps ----------------------------------------------------------------


class Snapshot(Generic[T]):
    """A value built while the counters were `versions`, and values derived from it, which
    live and die with it (`derived`)."""

    def __init__(self, versions: tuple[int, ...], value: T) -> None:
        self.versions = versions
        self.value = value
        self.built_at = time.monotonic()
        self._derived: dict[Hashable, Any] = {}

    def derived(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """`build()`'s value, built once for this snapshot (e.g. a page fragment per
        language). Two threads may both build it; either value is kept."""
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = build()
            return value


class LocalStore:
    """What one process keeps, by key. Tests use a second store as a second process."""

    def __init__(self) -> None:
        self.snapshots: dict[str, Snapshot[Any]] = {}
        self.lock = threading.Lock()

    def clear(self) -> None:
        with self.lock:
            self.snapshots.clear()


#: This process's store.
local = LocalStore()


def cached(
    key: str,
    names: Sequence[str],
    build: Callable[[], T],
    *,
    max_age: float = MAX_AGE,
    using: str | None = None,
) -> Snapshot[T]:
    """The snapshot of `build()` this process keeps under `key`, built again when a counter of
    `names` moved, when it is older than `max_age` seconds, or (built and not kept) while the
    current transaction holds an unbumped change to `names`. One query when it is kept."""
    versions = current(names, using=using)
    store = local
    kept = store.snapshots.get(key)
    if (
        kept is not None
        and kept.versions == versions
        and time.monotonic() - kept.built_at < max_age
        and not pending_names(using=using).intersection(names)
    ):
        return kept
    snapshot = Snapshot(versions, build())
    if not pending_names(using=using).intersection(names):
        with store.lock:
            store.snapshots[key] = snapshot
    return snapshot
