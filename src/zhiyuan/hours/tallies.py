"""Roll-ups of the hours that count: per organiser and local month (`HourTally`) and per
organiser, volunteer and local year (`ServiceYear`).

They are kept in the transaction that changes what counts (`count_confirmed`, called by
`services.confirm_records`: a confirmed record adds its minutes and one record; a confirmed
correction also takes away the record it replaces), so they are exact whenever the ledger is:
the ledger never changes a confirmed record (triggers refuse), so confirmation is the only
event that moves them. The additions are upserts (`INSERT … ON CONFLICT DO UPDATE SET x = x +
excluded.x`, SQLite 3.24+ and PostgreSQL), atomic per row, taken in key order so that two
confirmations never deadlock on them.

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
from zhiyuan.hours.models import HourRecord, HourTally, ServiceYear
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
        [
            (*key, paths[key[0]], d.minutes, d.records)
            for key, d in sorted(months.items())
            if d.records or d.minutes
        ],
    )
    _upsert(
        ServiceYear,
        ("organizer_id", "volunteer_id", "year"),
        [
            (*key, paths[key[0]], d.minutes, d.records)
            for key, d in sorted(years.items())
            if d.records or d.minutes
        ],
    )


def _upsert(model: Any, key: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [*key, "organizer_path", "minutes", "records"]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    conflict = ", ".join(connection.ops.quote_name(column) for column in key)
    sql = (
        f"INSERT INTO {table} ({quoted}) VALUES ({marks}) ON CONFLICT ({conflict}) DO UPDATE SET "  # noqa: S608 - names only
        f"minutes = {table}.minutes + excluded.minutes, "
        f"records = {table}.records + excluded.records"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


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
) -> tuple[int, int]:
    """Recompute every tally from the records, in one transaction, a year at a time (memory
    bounded by one year's rows); returns the numbers of monthly and yearly rows written. For
    bulk loads that bypass the services, and migrations (which pass their historical models)."""
    written = [0, 0]
    if organization_model is None:
        organization_model = Organization
    # The rows' organisers, loaded once: the path copies are taken from them (ScopePathField).
    organizers = {org.pk: org for org in organization_model.objects.only("pk", "path")}
    with transaction.atomic():
        tally_model.objects.all().delete()
        year_model.objects.all().delete()
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
    return written[0], written[1]


@dataclass(frozen=True)
class Discrepancy:
    """A tally that differs from the records it sums: `kind` "month" or "year", its key, and
    (minutes, records) as stored and as recomputed."""

    kind: str
    key: tuple[Any, ...]
    stored: tuple[int, int]
    expected: tuple[int, int]


def discrepancies() -> list[Discrepancy]:
    """Every tally whose minutes or records differ from the counted records (a row missing on
    either side counts as zeros), a year at a time. Empty when the roll-ups are true."""
    found: list[Discrepancy] = []
    years = set(_years(HourRecord)) | set(ServiceYear.objects.values_list("year", flat=True))
    years |= {month.year for month in HourTally.objects.values_list("month", flat=True)}
    for year in sorted(years):
        months, served = computed(year)
        stored_months = {
            (row.organizer_id, row.month): (row.minutes, row.records)
            for row in HourTally.objects.filter(month__year=year)
        }
        stored_years = {
            (row.organizer_id, row.volunteer_id, row.year): (row.minutes, row.records)
            for row in ServiceYear.objects.filter(year=year)
        }
        compared: list[tuple[str, dict[Any, tuple[int, int]], dict[Any, tuple[int, int]]]] = [
            ("month", stored_months, dict(months)),
            ("year", stored_years, dict(served)),
        ]
        for kind, stored, expected in compared:
            for key in sorted(set(stored) | set(expected), key=str):
                have = stored.get(key, (0, 0))
                want = expected.get(key, (0, 0))
                if have != want:
                    found.append(Discrepancy(kind, key, have, want))
    return found
