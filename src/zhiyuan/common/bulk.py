"""Writing many rows of one model fast, for bulk paths that `bulk_create` makes too slow
(a 100,000-row roster import). Values are prepared by each model field, as Django would."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from django.db import connections, models, router

# Fields whose database value is the Python value itself (text).
PLAIN_FIELDS = (models.CharField, models.TextField, models.EmailField)


class TableWriter:
    """Inserts many rows of one model without building model instances (`bulk_create`
    prepared every value of every row one by one: two thirds of a 100,000-row import).
    A column whose value is the same on every row (`same`, defaults, auto_now) is prepared
    once; a `varying` one per row by its field where it needs converting (encryption, dates,
    choice lists, foreign keys), as it is for plain text. COPY on PostgreSQL, executemany
    elsewhere. Signals and `save()` are not run, as with `bulk_create`."""

    def __init__(self, model: type[models.Model], *, same: dict[str, Any], varying: list[str]):
        self.connection = connections[router.db_for_write(model)]
        prototype = model(**same)
        self.names: list[str] = []
        self.base: list[Any] = []
        self.converters: list[tuple[int, str, Callable[[Any], Any] | None]] = []
        for model_field in model._meta.local_concrete_fields:
            if model_field is model._meta.pk:
                continue
            position = len(self.names)
            self.names.append(self.connection.ops.quote_name(str(model_field.column)))
            if model_field.name in varying:
                self.base.append(None)
                self.converters.append((position, model_field.name, self._converter(model_field)))
            else:
                value = model_field.pre_save(prototype, add=True)  # type: ignore[arg-type]
                self.base.append(model_field.get_db_prep_save(value, connection=self.connection))
        self.table = self.connection.ops.quote_name(model._meta.db_table)

    def _converter(self, field: Any) -> Callable[[Any], Any] | None:
        if field.is_relation:
            return lambda value: (
                None
                if value is None
                else field.get_db_prep_save(getattr(value, "pk", value), connection=self.connection)
            )
        if type(field) in PLAIN_FIELDS:
            return None
        if hasattr(field, "get_prep_function"):  # encrypted fields: the keys looked up once
            return field.get_prep_function()  # type: ignore[no-any-return]
        kind = type(field)
        if (
            kind.get_db_prep_save is models.Field.get_db_prep_save
            and kind.get_db_prep_value is models.Field.get_db_prep_value
        ):
            return field.get_prep_value  # what those two come to (encryption, choice lists)
        return partial(field.get_db_prep_save, connection=self.connection)

    def values(self, item: dict[str, Any]) -> list[Any]:
        """The database values of `item`'s varying fields, in the table's order."""
        get = item.get
        return [
            get(name) if convert is None else convert(get(name))
            for _position, name, convert in self.converters
        ]

    def rows(self, values: list[list[Any]]) -> Iterator[list[Any]]:
        positions = [position for position, _name, _convert in self.converters]
        for varying in values:
            row = self.base.copy()
            for position, value in zip(positions, varying, strict=True):
                row[position] = value
            yield row

    def insert_values(self, values: list[list[Any]]) -> None:
        """Insert rows whose varying fields' database values are `values` (see `values`)."""
        columns = ", ".join(self.names)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):
                with cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows(values):
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(self.names))
            insert = f"INSERT INTO {self.table} ({columns}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(insert, list(self.rows(values)))


@contextmanager
def sqlite_page_cache(model: type[models.Model], kib: int = 65536) -> Iterator[None]:
    """On SQLite, a page cache of `kib` KiB on the connection that writes `model` while a bulk
    path inserts, restored afterwards; elsewhere nothing. Tables with many indexes on random
    keys (digests, codes) thrash SQLite's default 2 MB cache (`docs/benchmarks.md`)."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")
