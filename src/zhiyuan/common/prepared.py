"""Reads on a hot path that the ORM builds once and PostgreSQL plans once.

A storm of check-ins at a venue's gate (benchmarks/bench_checkin.py) asked the ORM to build the
same two queries anew for every request and PostgreSQL to plan them anew: building them was a
third of a check-in's CPU in gunicorn, planning the join of a sign-up with its slot, activity and
volunteer most of the database's (0.4 ms of planning for 0.04 ms of work).

`PreparedRead` takes a function that makes the queryset with `Param` placeholders where each
call's values go; the ORM compiles it once per thread and database, and each call runs that SQL
with its values and builds the objects as the queryset would (`select_related`, `only`). On
PostgreSQL the statement is prepared (psycopg's server-side binding, `prepare=True`): planned once
per connection, then only executed. Django's query log and execute wrappers (the tests' query
counts) see every statement as usual.

Limits: a `Param` stands where the ORM would put a value (`filter(field=Param("name"))`); a
None given for it compares as SQL NULL (equal to nothing), not as `IS NULL`. Only querysets
whose SQL PostgreSQL can type with bound parameters (plain comparisons, as here) belong here.
`DATABASE_PREPARED_STATEMENTS=0` turns the preparing off (a pooler in transaction mode that
keeps no prepared statements, such as PgBouncer before 1.21).
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Expression, Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Slot:
    """Where a named value goes among a compiled statement's parameters."""

    name: str


class Param(Expression):
    """A value given when the `PreparedRead` runs: `filter(slot_id=Param("slot"))`."""

    def __init__(self, name: str, output_field: Any = None) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        return "%s", [_Slot(self.name)]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    compiler: SQLCompiler


class PreparedRead(Generic[M]):
    """A read whose SQL is built once per thread and database, run with each call's values.

    `build()` makes the queryset (with `Param`s); `objects(**values)` runs it and returns its
    model instances, with what it selects related and defers, as the queryset would. Raises
    KeyError when a `Param`'s value is not given."""

    def __init__(self, build: Callable[[], QuerySet[M]]) -> None:
        self._build = build
        self._local = threading.local()

    def objects(self, *, using: str = "default", **values: Any) -> list[M]:
        compiled = self._compiled(using)
        params = [values[p.name] if isinstance(p, _Slot) else p for p in compiled.params]
        rows = _fetch(connections[using], compiled.sql, params)
        return _instances(compiled.compiler, rows, using)

    def _compiled(self, using: str) -> _Compiled:
        cache: dict[str, _Compiled] = self._local.__dict__
        found = cache.get(using)
        if found is None:
            compiler = self._build().query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            found = cache[using] = _Compiled(sql, tuple(params), compiler)
        return found


def cursor(connection: BaseDatabaseWrapper) -> Any:
    """A cursor of `connection` whose statements are prepared on PostgreSQL (unless
    DATABASE_PREPARED_STATEMENTS is off), for a hot path's statement run again and again with
    other values; Django's ordinary cursor elsewhere."""
    if connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS:
        return _preparing_cursor(connection)
    return connection.cursor()


def _fetch(connection: BaseDatabaseWrapper, sql: str, params: list[Any]) -> list[Sequence[Any]]:
    with cursor(connection) as cursor_:
        cursor_.execute(sql, params)
        return list(cursor_.fetchall())


def _instances(compiler: SQLCompiler, rows: list[Sequence[Any]], using: str) -> list[Any]:
    """The rows as the queryset's model instances (Django's ModelIterable, without what a
    related manager or annotations add)."""
    if compiler.has_extra_select:
        rows = [row[: compiler.col_count] for row in rows]
    select, klass_info = compiler.select, compiler.klass_info
    assert klass_info is not None  # noqa: S101 - a model queryset, not values()
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    names = [column[0].target.attname for column in select[start:end]]
    # Django 5.2's signature (its stubs already follow 6.0, which adds a fetch mode).
    populators = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]
    made = []
    for row in compiler.results_iter(results=[rows]):
        instance = klass_info["model"].from_db(using, names, row[start:end])
        for populator in populators:
            populator.populate(row, instance)
        made.append(instance)
    return made


class _Preparing:
    """A psycopg cursor with server-side binding whose every statement is prepared."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Any = None) -> Any:
        # Django opens connections with psycopg's preparing turned off (prepare_threshold None,
        # for poolers), which also ignores prepare=True: turned on for this statement alone.
        connection = self._cursor.connection
        threshold = connection.prepare_threshold
        connection.prepare_threshold = 0
        try:
            return self._cursor.execute(sql, params, prepare=True)
        finally:
            connection.prepare_threshold = threshold

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def _preparing_cursor(connection: Any) -> Any:
    """Django's cursor (its query log, execute wrappers and error mapping) over a preparing
    psycopg cursor on the same connection, as `connection.cursor()` makes its own."""
    from django.db.backends.postgresql.base import ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg import adapters
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = cast(Any, ServerBindingCursor)(connection.connection)
        loader = connection.connection.adapters.get_loader(
            adapters.types["timestamptz"].oid, Format.TEXT
        )
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, cursor)
    if connection.queries_logged:
        return _DebugCursor(_Preparing(cursor), connection)
    return connection.make_cursor(_Preparing(cursor))


class _DebugCursor(CursorDebugWrapper):
    """Logs the statement with its values, as Django logs its own: the text psycopg sent for
    a prepared statement has only placeholders."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)
