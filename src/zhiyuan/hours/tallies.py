"""Roll-ups of the hours that count: per organiser and local month (`HourTally`), per
organiser, volunteer and local year (`ServiceYear`), and the distinct volunteers per organiser
and local year (`OrganizerYear`: its `ServiceYear` rows with records, counted).

They are kept in the transaction that changes what counts (`count_confirmed`, called by
`services.confirm_records`: a confirmed record adds its minutes and one record; a confirmed
correction also takes away the record it replaces), so they are exact whenever the ledger is:
the ledger never changes a confirmed record (triggers refuse), so confirmation is the only
event that moves them. The additions are upserts (`INSERT … ON CONFLICT DO UPDATE SET x = x +
excluded.x`, SQLite 3.24+ and PostgreSQL), atomic per row, taken in key order so that two
confirmations never deadlock on them. The `ServiceYear` upsert returns each row's records
after it (`RETURNING`: SQLite 3.35+ and PostgreSQL), so the change of a row between none and
some is known exactly under concurrency (the row is locked from the upsert to the commit), and
`OrganizerYear` moves by it.

`rebuild` recomputes both from the records (a migration back-fills them with it; bulk loads that
bypass the services call it), and `discrepancies` lists where they differ from the records
(`zhiyuan verify_hours` fails on any). Months and years are the local (Asia/Shanghai) calendar's,
of a record's start, as the office pages' periods are (`selectors.in_period`).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils import timezone

from zhiyuan.hours.enums import HourStatus
from zhiyuan.hours.models import HourRecord, HourTally, OrganizerYear, ServiceYear
from zhiyuan.organizations.models import Organization

MonthKey = tuple[int, date]  # (organiser id, first day of the local month)
YearKey = tuple[int, int, int]  # (organiser id, volunteer id, local year)


@dataclass
class Delta:
    minutes: int = 0
    records: int = 0


def month_of(record: HourRecord) -> date:
    """The first day of the local month `record` started in."""
    return timezone.localtime(record.start).date().replace(day=1)


def count_confirmed(records: Iterable[HourRecord]) -> None:
    """Add `records`, just confirmed, to the tallies, and take away what each confirmed
    correction among them replaces. Call inside the confirming transaction."""
    months: dict[MonthKey, Delta] = defaultdict(Delta)
    years: dict[YearKey, Delta] = defaultdict(Delta)
    paths: dict[int, str] = {}

    def add(record: HourRecord, sign: int) -> None:
        local = timezone.localtime(record.start).date()
        for delta in (
            months[(record.organizer_id, local.replace(day=1))],
            years[(record.organizer_id, record.volunteer_id, local.year)],
        ):
            delta.minutes += sign * record.minutes
            delta.records += sign
        paths[record.organizer_id] = record.organizer_path

    confirmed = list(records)
    for record in confirmed:
        add(record, +1)
    replaced = HourRecord.objects.filter(
        pk__in=[record.corrects_id for record in confirmed if record.corrects_id is not None]
    )
    for original in replaced:
        add(original, -1)
    _upsert(
        HourTally,
        ("organizer_id", "month"),
        ("minutes", "records"),
        [
            (*key, paths[key[0]], d.minutes, d.records)
            for key, d in sorted(months.items())
            if d.records or d.minutes
        ],
    )
    after = _upsert(
        ServiceYear,
        ("organizer_id", "volunteer_id", "year"),
        ("minutes", "records"),
        [
            (*key, paths[key[0]], d.minutes, d.records)
            for key, d in sorted(years.items())
            if d.records or d.minutes
        ],
        returning="records",
    )
    people: dict[tuple[int, int], int] = defaultdict(int)
    for key, records_after in after.items():
        before = records_after - years[key].records
        if before <= 0 < records_after:
            people[(key[0], key[2])] += 1
        elif records_after <= 0 < before:
            people[(key[0], key[2])] -= 1
    _upsert(
        OrganizerYear,
        ("organizer_id", "year"),
        ("volunteers",),
        [(*key, paths[key[0]], change) for key, change in sorted(people.items()) if change],
    )


#: Rows per INSERT of an upsert: SQLite allows 32,766 parameters in one statement.
UPSERT_ROWS = 500


def _upsert(
    model: Any,
    key: tuple[str, ...],
    added: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    returning: str = "",
) -> dict[tuple[Any, ...], int]:
    """Insert `rows` (the `key` columns, the organiser's path, then the `added` columns) into
    `model`'s table, adding the `added` columns to a row already there. With `returning`, the
    key of each row -> that column's value after the statement."""
    after: dict[tuple[Any, ...], int] = {}
    if not rows:
        return after
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [*key, "organizer_path", *added]
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sums = ", ".join(
        f"{quote(name)} = {table}.{quote(name)} + excluded.{quote(name)}" for name in added
    )
    tail = f" RETURNING {', '.join(quote(name) for name in [*key, returning])}" if returning else ""
    with connection.cursor() as cursor:
        for at in range(0, len(rows), UPSERT_ROWS):
            chunk = rows[at : at + UPSERT_ROWS]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quote(name) for name in columns)}) "  # noqa: S608 - names only
                f"VALUES {', '.join([marks] * len(chunk))} "
                f"ON CONFLICT ({', '.join(quote(name) for name in key)}) DO UPDATE SET {sums}{tail}",
                [value for row in chunk for value in row],
            )
            if returning:
                after.update({tuple(row[:-1]): int(row[-1]) for row in cursor.fetchall()})
    return after


def _counted(record_model: Any) -> Any:
    replaced = record_model.objects.filter(
        corrects=OuterRef("pk"), corrects__isnull=False, status=HourStatus.CONFIRMED
    )
    return record_model.objects.filter(status=HourStatus.CONFIRMED).exclude(Exists(replaced))


def _years(record_model: Any) -> list[int]:
    zone = timezone.get_current_timezone()
    found = (
        _counted(record_model)
        .order_by()
        .annotate(year=ExtractYear("start", tzinfo=zone))
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(found)


def _months_rows(record_model: Any, year: int) -> Any:
    zone = timezone.get_current_timezone()
    return (
        _in_year(_counted(record_model).order_by(), year)
        .annotate(month=TruncMonth("start", tzinfo=zone))
        .values("organizer_id", "month")
        .annotate(minutes=Sum("minutes"), records=Count("pk"))
    )


def _year_rows(record_model: Any, year: int) -> Any:
    return (
        _in_year(_counted(record_model).order_by(), year)
        .values("organizer_id", "volunteer_id")
        .annotate(minutes=Sum("minutes"), records=Count("pk"))
    )


def _insert_years(record_model: Any, year_model: Any, year: int) -> int:
    """Write `year`'s ServiceYear rows with one INSERT … SELECT of the GROUP BY (a city's year
    is over a million rows: never through Python)."""
    rows = (
        _in_year(_counted(record_model).order_by(), year)
        .values("organizer_id", "organizer_path", "volunteer_id")
        .annotate(minutes=Sum("minutes"), records=Count("pk"))
    )
    select, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(year_model._meta.db_table)
    names = ("organizer_id", "organizer_path", "volunteer_id", "minutes", "records", "year")
    columns = ", ".join(connection.ops.quote_name(name) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT grouped.*, %s FROM ({select}) grouped",  # noqa: S608 - names only
            (year, *params),
        )
        return int(cursor.rowcount)


def _in_year(queryset: Any, year: int) -> Any:
    zone = timezone.get_current_timezone()
    start = datetime(year, 1, 1, tzinfo=zone)
    return queryset.filter(start__gte=start, start__lt=start.replace(year=year + 1))


def computed(
    year: int, record_model: Any = HourRecord
) -> tuple[dict[MonthKey, tuple[int, int]], dict[YearKey, tuple[int, int]]]:
    """What the tallies of local `year` should hold, from the records: key -> (minutes,
    records), rows with records only. Two GROUP BY queries."""
    months = {
        (row["organizer_id"], _as_date(row["month"])): (int(row["minutes"] or 0), row["records"])
        for row in _months_rows(record_model, year)
    }
    years = {
        (row["organizer_id"], row["volunteer_id"], year): (int(row["minutes"] or 0), row["records"])
        for row in _year_rows(record_model, year)
    }
    return months, years


def _as_date(value: Any) -> date:
    if isinstance(value, str):  # SQLite's truncation, read raw
        return date.fromisoformat(value[:10])
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def rebuild(
    record_model: Any = HourRecord,
    tally_model: Any = HourTally,
    year_model: Any = ServiceYear,
    organization_model: Any = None,
    organizer_year_model: Any = OrganizerYear,
) -> tuple[int, int, int]:
    """Recompute every tally from the records, in one transaction, a year at a time (memory
    bounded by one year's rows); returns the numbers of monthly, volunteer-yearly and
    organiser-yearly rows written. For bulk loads that bypass the services, and migrations
    (which pass their historical models; `organizer_year_model` None where that table is not
    there yet)."""
    written = [0, 0, 0]
    if organization_model is None:
        organization_model = Organization
    # The rows' organisers, loaded once: the path copies are taken from them (ScopePathField).
    organizers = {org.pk: org for org in organization_model.objects.only("pk", "path")}
    with transaction.atomic():
        tally_model.objects.all().delete()
        year_model.objects.all().delete()
        if organizer_year_model is not None:
            organizer_year_model.objects.all().delete()
        for year in _years(record_model):
            batch: list[Any] = []
            for row in _months_rows(record_model, year).iterator(chunk_size=5000):
                batch.append(
                    tally_model(
                        organizer=organizers[row["organizer_id"]],
                        month=_as_date(row["month"]),
                        minutes=int(row["minutes"] or 0),
                        records=row["records"],
                    )
                )
            tally_model.objects.bulk_create(batch, batch_size=2000)
            written[0] += len(batch)
            written[1] += _insert_years(record_model, year_model, year)
            if organizer_year_model is not None:
                written[2] += count_years(year_model, organizer_year_model, year)
    return written[0], written[1], written[2]


def count_years(year_model: Any, organizer_year_model: Any, year: int) -> int:
    """Write `year`'s OrganizerYear rows from its ServiceYear rows with records, with one
    INSERT … SELECT of the GROUP BY; returns the rows written. The table must hold none of
    `year` yet."""
    rows = (
        year_model.objects.filter(year=year, records__gt=0)
        .order_by()
        .values("organizer_id", "organizer_path", "year")
        .annotate(volunteers=Count("pk"))
    )
    select, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(organizer_year_model._meta.db_table)
    names = ("organizer_id", "organizer_path", "year", "volunteers")
    columns = ", ".join(connection.ops.quote_name(name) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)
        return int(cursor.rowcount)


@dataclass(frozen=True)
class Discrepancy:
    """A tally that differs from the records it sums: `kind` "month" or "year", its key, and
    (minutes, records) as stored and as recomputed; or "volunteers", an organiser's year, and
    (distinct volunteers,) as stored and as counted from the records."""

    kind: str
    key: tuple[Any, ...]
    stored: tuple[int, ...]
    expected: tuple[int, ...]


def discrepancies() -> list[Discrepancy]:
    """Every tally whose minutes or records differ from the counted records (a row missing on
    either side counts as zeros), a year at a time. Empty when the roll-ups are true."""
    found: list[Discrepancy] = []
    years = set(_years(HourRecord)) | set(ServiceYear.objects.values_list("year", flat=True))
    years |= {month.year for month in HourTally.objects.values_list("month", flat=True)}
    years |= set(OrganizerYear.objects.values_list("year", flat=True))
    for year in sorted(years):
        months, served = computed(year)
        people: dict[tuple[int, int], int] = defaultdict(int)
        for organizer, _volunteer, _year in served:
            people[(organizer, year)] += 1
        stored_months = {
            (row.organizer_id, row.month): (row.minutes, row.records)
            for row in HourTally.objects.filter(month__year=year)
        }
        stored_years = {
            (row.organizer_id, row.volunteer_id, row.year): (row.minutes, row.records)
            for row in ServiceYear.objects.filter(year=year)
        }
        stored_people = {
            (row.organizer_id, row.year): (row.volunteers,)
            for row in OrganizerYear.objects.filter(year=year).exclude(volunteers=0)
        }
        compared: list[tuple[str, dict[Any, Any], dict[Any, Any]]] = [
            ("month", stored_months, dict(months)),
            ("year", stored_years, dict(served)),
            ("volunteers", stored_people, {key: (n,) for key, n in people.items()}),
        ]
        for kind, stored, expected in compared:
            zero = (0,) * (1 if kind == "volunteers" else 2)
            for key in sorted(set(stored) | set(expected), key=str):
                have = stored.get(key, zero)
                want = expected.get(key, zero)
                if have != want:
                    found.append(Discrepancy(kind, key, have, want))
    return found
