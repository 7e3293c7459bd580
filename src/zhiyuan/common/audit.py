"""The one audit service: every business change writes an entry here.

`log_action` records one change; `log_actions` records many in one bulk insert for bulk paths
(signals do not see `bulk_create` or `update`). The origin (web, api, cli, task) comes from the
request or command that is running (`origin_scope`), so services need not pass it.
ID numbers and phone numbers must never be put into `data`: pass masked values.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, models, router, transaction
from django.db.models.sql import InsertQuery
from django.utils import translation

from zhiyuan.common import prepared
from zhiyuan.common.enums import Origin
from zhiyuan.common.models import AuditEntry

_origin: ContextVar[str] = ContextVar("audit_origin", default=Origin.SYSTEM)


@contextmanager
def origin_scope(origin: str) -> Iterator[None]:
    token = _origin.set(origin)
    try:
        yield
    finally:
        _origin.reset(token)


def current_origin() -> str:
    return _origin.get()


@dataclass
class Change:
    """One change for `log_actions`."""

    action: str
    obj: models.Model
    organization: Any = None
    data: dict[str, Any] = field(default_factory=dict)


def object_repr(obj: models.Model) -> str:
    """What the entry calls its object when written: `str(obj)` with no translation active,
    so that no language is stored (pages name objects in the reader's language,
    `audit_display`)."""
    with translation.override(None):
        return str(obj)[:200]


def _entry(actor: Any, change: Change) -> AuditEntry:
    obj = change.obj
    return AuditEntry(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=change.action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=object_repr(obj),
        organization=change.organization,
        data=change.data,
        origin=current_origin(),
    )


def log_action(
    actor: Any,
    action: str,
    obj: models.Model,
    *,
    organization: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record `action` (dotted, e.g. "organization.created") by `actor` on `obj`."""
    entry = _entry(actor, Change(action, obj, organization, data or {}))
    entry.save()
    return entry


def create_with_entry(
    obj: models.Model,
    actor: Any,
    action: str,
    *,
    organization: Any = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Insert the new `obj` (no id yet) and the entry of `action` on it, as `obj.save()` then
    `log_action` in one transaction would, for a hot path (a storm of check-ins): on
    PostgreSQL in one statement, the entry's INSERT taking the object's id from the object's
    INSERT in a WITH clause, prepared (`common.prepared`): one round trip instead of four
    (BEGIN, two INSERTs, COMMIT); elsewhere as those two inserts in a transaction. Inside a
    transaction it is a savepoint, as `transaction.atomic()` is, so that a refused insert
    leaves the transaction usable. The entry names the object by `str(obj)` taken before the
    insert (so not by its id). No signals are sent. Raises IntegrityError as `save()` does;
    sets `obj`'s id."""
    connection = connections[router.db_for_write(type(obj), instance=obj)]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=connection.alias):
            obj.save(using=connection.alias)
            log_action(actor, action, obj, organization=organization, data=data)
        return
    entry = _entry(actor, Change(action, obj, organization, data or {}))
    if connection.in_atomic_block:
        with transaction.atomic(using=connection.alias):
            _insert_together(obj, entry, connection)
    else:  # autocommit: the statement is its own transaction
        _insert_together(obj, entry, connection)


_NEW_ROW = "new_row"


class _NewRowId(models.Expression):
    """The id the object's INSERT returned, as text (the entry's `object_id`)."""

    def __init__(self, column: str) -> None:
        super().__init__(output_field=models.CharField())
        self.column = column

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        quote = connection.ops.quote_name
        # Quoted names of our own model, no value: nothing here comes from outside.
        return f"(SELECT CAST({quote(self.column)} AS text) FROM {quote(_NEW_ROW)})", []  # noqa: S608


def _insert_together(obj: models.Model, entry: AuditEntry, connection: Any) -> None:
    meta = obj._meta
    assert meta.auto_field is not None and obj.pk is None  # noqa: S101 - a new row's id
    entry.object_id = _NewRowId(str(meta.pk.column))  # type: ignore[assignment]
    row_sql, row_params = _insert_sql(obj, connection, returning=True)
    entry_sql, entry_params = _insert_sql(entry, connection, returning=False)
    quote = connection.ops.quote_name
    statement = f"WITH {quote(_NEW_ROW)} AS ({row_sql}) {entry_sql} RETURNING {quote('object_id')}"
    with prepared.cursor(connection) as cursor:
        cursor.execute(statement, [*row_params, *entry_params])
        (object_id,) = cursor.fetchone()
    obj.pk = meta.pk.to_python(object_id)
    entry.object_id = object_id
    for made in (obj, entry):
        made._state.adding, made._state.db = False, connection.alias


def _insert_sql(
    obj: models.Model, connection: Any, *, returning: bool
) -> tuple[str, tuple[Any, ...]]:
    """The INSERT of `obj` as `save()` makes it (the fields' pre_save and database values)."""
    meta = obj._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj])
    compiler = query.get_compiler(connection=connection)
    if returning:
        compiler.returning_fields = [meta.pk]
    ((sql, params),) = compiler.as_sql()
    return sql, tuple(params)


def log_actions(actor: Any, changes: Iterable[Change], *, batch_size: int = 2000) -> int:
    """Record many changes with bulk inserts; returns the number of entries written."""
    entries = [_entry(actor, change) for change in changes]
    AuditEntry.objects.bulk_create(entries, batch_size=batch_size)
    return len(entries)


def log_action_per_row(
    actor: Any,
    action: str,
    queryset: models.QuerySet[Any],
    *,
    organization: Any = None,
    organization_field: str = "",
    data: dict[str, Any] | None = None,
    repr_around: tuple[str, str] = ("", ""),
) -> None:
    """The bulk form for very large bulk paths: one entry `action` by `actor` for every object
    of `queryset`, as `log_actions` would write them, made by the database in one
    INSERT … SELECT (building 100,000 AuditEntry objects took longer than a roster import's
    own inserts). Each entry's `object_repr` is the object's id between `repr_around`; its
    organisation is `organization`, or with `organization_field` (a foreign key of the model
    to an organisation, e.g. "organization") each object's own."""
    from zhiyuan.common.bulk import TableWriter

    entries = TableWriter(
        AuditEntry,
        same={
            "actor": actor if actor is not None and actor.is_authenticated else None,
            "action": action,
            "object_type": queryset.model._meta.label_lower,
            "organization": None if organization_field else organization,
            "data": data or {},
            "origin": current_origin(),
        },
        varying=["object_id", "object_repr", *(["organization"] if organization_field else [])],
    )
    key = "CAST(v.id AS TEXT)"
    owner = f"{organization_field}_id"
    expressions = {
        "object_id": key,
        "object_repr": f"%s || {key} || %s",
        "organization": f"v.{entries.connection.ops.quote_name(owner)}",
    }
    selected: list[str] = []
    params: list[Any] = []
    varying = {position: name for position, name, _convert in entries.converters}
    for position, value in enumerate(entries.base):
        if position in varying:
            selected.append(expressions[varying[position]])
            params += list(repr_around) if varying[position] == "object_repr" else []
        else:
            selected.append("%s")
            params.append(value)
    columns = ["id", owner] if organization_field else ["id"]
    rows_sql, rows_params = queryset.order_by().values(*columns).query.sql_with_params()
    with entries.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {entries.table} ({', '.join(entries.names)}) "  # noqa: S608
            f"SELECT {', '.join(selected)} FROM ({rows_sql}) AS v ORDER BY v.id",
            [*params, *rows_params],
        )
