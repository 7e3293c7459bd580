"""Import of statistical division codes (format: `../shared/data/divisions/README.md`).

The file is CSV with the header `code,name,level,parent_code`, UTF-8, plain or gzip-compressed
(recognised by its magic bytes, not its name). The import is all-or-nothing: the whole file is
checked first and every problem is reported with its line number (bytes that are not UTF-8,
wrong column count, malformed code, level out of range, digits beyond the level, empty or long
name, duplicate code, unknown parent, parent not above the child); nothing is written unless
the file is clean. Parents may come from the file or from the database.

A re-import updates names and never duplicates: codes are the primary key, upserted in
batches. Codes are never deleted (issue 2: "Codes are never deleted or reused");
`abolish_missing_under` marks the codes under a division that the file no longer lists.

Speed and memory (`docs/benchmarks.md`): rows are kept as one small tuple each (the whole
country, 665,271 rows, peaks at about 400 MB). They are staged in a temporary table (COPY on
PostgreSQL), then one UPDATE rewrites the changed divisions and one INSERT adds the new ones.
The ORM's bulk upsert spent three quarters of its time building model instances and
compiling SQL, and an upsert that may change `parent_id` is twice as slow on SQLite.
"""

import csv
import gzip
import hashlib
import io
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from zhiyuan.common import generations, locks
from zhiyuan.common.audit import Change, log_action, log_actions
from zhiyuan.common.bulk import sqlite_page_cache
from zhiyuan.divisions.enums import PREFIX_LENGTH
from zhiyuan.divisions.models import Division, DivisionImport

HEADER = ["code", "name", "level", "parent_code"]
BATCH = 5000
IN_BATCH = 900  # parameters per IN list: SQLite before 3.32 allowed 999
MAX_REPORTED = 200
NAME_MAX = 100  # Division.name max_length
SOURCE_MAX = 100  # Division.source max_length
YEARS = range(1980, 2101)  # GB/T 2260 dates from 1980; PositiveSmallIntegerField beyond that
LEVELS = {str(level): level for level in PREFIX_LENGTH}
# Digits that must be zero at each level, and where a level's own digits start.
TRAILING_ZEROS = {level: "0" * (12 - length) for level, length in PREFIX_LENGTH.items()}
OWN_DIGITS_START = {level: PREFIX_LENGTH.get(level - 1, 0) for level in PREFIX_LENGTH}
GZIP_MAGIC = b"\x1f\x8b"
_CODE = re.compile(r"[0-9]{12}").fullmatch


@dataclass(frozen=True)
class Problem:
    """One problem in a division file; `line` is None for problems of the whole file."""

    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


class DivisionImportError(Exception):
    """The file has problems; nothing was written.

    `problems` holds the first MAX_REPORTED problems in line order, `total` how many there were.
    """

    def __init__(self, problems: list[Problem]) -> None:
        ordered = sorted(problems, key=lambda p: (p.line or 0, p.message))
        self.problems = ordered[:MAX_REPORTED]
        self.total = len(problems)
        super().__init__(f"{self.total} problem(s) in the division file")


# code -> (name, level, parent code or None, line number)
Row = tuple[str, int, str | None, int]


def _is_code(value: str) -> bool:
    return _CODE(value) is not None


def _bad_characters(text: str) -> bool:
    """Control characters, or bytes that were not UTF-8 (decoded as lone surrogates)."""
    # Private-use characters are fine: real names carry rare characters that way (高\ue170村).
    return not text.isprintable() and any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in text)


def _not_utf8(record: list[str]) -> bool:
    return any(unicodedata.category(ch) == "Cs" for value in record for ch in value)


def _check(record: list[str]) -> str | None:
    """The first problem of one record's stripped fields, or None."""
    if len(record) != 4:
        return _("Expected 4 columns, found %(n)d.") % {"n": len(record)}
    code, name, level_text, parent = record
    if not _is_code(code):
        return _("Malformed code %(code)r: it must be 12 digits.") % {"code": code}
    level = LEVELS.get(level_text)
    if level is None:
        return _("Level must be 1 to 5, found %(level)r.") % {"level": level_text}
    if not code.endswith(TRAILING_ZEROS[level]):
        return _("Code %(code)s has digits beyond its level %(level)d.") % {
            "code": code,
            "level": level,
        }
    if not code[OWN_DIGITS_START[level] : PREFIX_LENGTH[level]].strip("0"):
        return _("Code %(code)s has no digits of its own at level %(level)d.") % {
            "code": code,
            "level": level,
        }
    if not name:
        return _("The name is empty.")
    if len(name) > NAME_MAX:
        return _("The name is longer than %(max)d characters.") % {"max": NAME_MAX}
    if _bad_characters(name):
        return _("The name contains control characters.")
    if level == 1:
        return _("A province has no parent.") if parent else None
    if not _is_code(parent):
        return _("Malformed parent code %(code)r: it must be 12 digits.") % {"code": parent}
    return None


def _read(handle: IO[str]) -> tuple[dict[str, Row], list[Problem]]:
    """Parse and check every record; the rows that passed, and the problems found.

    `handle` decodes with errors="surrogateescape", so that bytes that are not UTF-8 are
    reported on their line instead of stopping the read.
    """
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != HEADER:
        return {}, [Problem(1, _("The first line must be the header: code,name,level,parent_code"))]
    rows: dict[str, Row] = {}
    problems: list[Problem] = []
    end = reader.line_num
    try:
        for record in reader:
            start, end = end + 1, reader.line_num  # a quoted field may span lines
            if not record:
                continue  # a blank line
            fields = [value.strip() for value in record]
            problem = _check(fields)
            if problem is None and fields[0] in rows:
                problem = _("Duplicate code %(code)s (first on line %(line)d).") % {
                    "code": fields[0],
                    "line": rows[fields[0]][3],
                }
            if problem is not None:
                if _not_utf8(record):
                    problem = _("The line is not UTF-8 text.")
                problems.append(Problem(start, problem))
                continue
            code, name, level_text, parent = fields
            rows[code] = (name, LEVELS[level_text], parent or None, start)
    except csv.Error as exc:
        problems.append(Problem(reader.line_num, _("Unreadable CSV: %(error)s") % {"error": exc}))
    return rows, problems


def _known_levels(codes: set[str]) -> dict[str, int]:
    """Levels of the divisions in the database among `codes`."""
    found: dict[str, int] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), IN_BATCH):
        batch = ordered[start : start + IN_BATCH]
        found.update(Division.objects.filter(code__in=batch).values_list("code", "level"))
    return found


def _check_parents(rows: dict[str, Row]) -> Iterator[Problem]:
    """Each parent must be in the file or the database, at a higher level, and its code a
    prefix of the child's (levels may be skipped: 东莞市 has townships directly under it)."""
    known = _known_levels({row[2] for row in rows.values() if row[2] and row[2] not in rows})
    for code, (_name, level, parent, line) in rows.items():
        if parent is None:
            continue
        parent_level = rows[parent][1] if parent in rows else known.get(parent)
        if parent_level is None:
            yield Problem(
                line,
                _("Unknown parent code %(parent)s: it is neither in the file nor imported.")
                % {"parent": parent},
            )
        elif parent_level >= level or not code.startswith(parent[: PREFIX_LENGTH[parent_level]]):
            yield Problem(
                line,
                _(
                    "Parent %(parent)s (level %(parent_level)d) cannot hold %(code)s (level %(level)d)."
                )
                % {"parent": parent, "parent_level": parent_level, "code": code, "level": level},
            )


def _open(path: Path) -> io.TextIOWrapper:
    with path.open("rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    raw = gzip.open(path, "rb") if compressed else path.open("rb")  # noqa: SIM115 - the wrapper closes it
    # utf-8-sig: a byte-order mark (spreadsheets write one) is not part of the header.
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")


def read_division_file(path: Path) -> dict[str, Row]:
    """Read and check the division file at `path` (plain or gzip CSV) against the file itself
    and the divisions already imported.

    Returns {code: (name, level, parent code or None, line number)}.
    Raises DivisionImportError listing every problem; OSError if the file cannot be opened.
    """
    try:
        with _open(path) as handle:
            rows, problems = _read(handle)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise DivisionImportError(
            [Problem(None, _("The file is not a readable gzip file (%(error)s).") % {"error": exc})]
        ) from None
    problems.extend(_check_parents(rows))
    if problems:
        raise DivisionImportError(problems)
    return rows


def _check_options(source: str, year: int, abolish_missing_under: str | None) -> list[Problem]:
    problems = []
    if not source.strip() or len(source) > SOURCE_MAX:
        problems.append(
            Problem(None, _("The source must be 1 to %(max)d characters.") % {"max": SOURCE_MAX})
        )
    if year not in YEARS:
        problems.append(
            Problem(
                None,
                _("The year must be from %(first)d to %(last)d.")
                % {"first": YEARS[0], "last": YEARS[-1]},
            )
        )
    if abolish_missing_under is not None and not _is_code(abolish_missing_under):
        problems.append(
            Problem(
                None,
                _("Malformed code %(code)r: it must be 12 digits.")
                % {"code": abolish_missing_under},
            )
        )
    return problems


STAGE = "zhiyuan_division_stage"
STAGE_DDL = (
    f"CREATE TEMPORARY TABLE {STAGE} (code varchar(12) PRIMARY KEY, "
    "name varchar(100) NOT NULL, level smallint NOT NULL, parent_id varchar(12) NULL)"
)
# Rewrite a division only when something changed, so that the row count counts real changes.
UPDATE_CHANGED = """
UPDATE {table} SET name = s.name, level = s.level, parent_id = s.parent_id,
    source = %s, year = %s, abolished = %s
FROM {stage} AS s
WHERE {table}.code = s.code AND (
    {table}.name <> s.name OR {table}.level <> s.level
    OR COALESCE({table}.parent_id, '') <> COALESCE(s.parent_id, '')
    OR {table}.source <> %s OR {table}.year <> %s OR {table}.abolished <> %s)
"""
INSERT_NEW = """
INSERT INTO {table} (code, name, level, parent_id, source, year, abolished)
SELECT s.code, s.name, s.level, s.parent_id, %s, %s, %s FROM {stage} AS s
WHERE NOT EXISTS (SELECT 1 FROM {table} AS d WHERE d.code = s.code)
"""
SELECT_MISSING = """
SELECT d.code, d.name FROM {table} AS d WHERE d.code LIKE %s AND d.abolished = %s
    AND NOT EXISTS (SELECT 1 FROM {stage} AS s WHERE s.code = d.code)
"""
ABOLISH_MISSING = """
UPDATE {table} SET abolished = %s WHERE code LIKE %s AND abolished = %s
    AND NOT EXISTS (SELECT 1 FROM {stage} AS s WHERE s.code = {table}.code)
"""


def _sql(template: str) -> str:
    table = connection.ops.quote_name(Division._meta.db_table)
    return template.format(table=table, stage=STAGE)


def _stage(cursor: Any, rows: dict[str, Row]) -> None:
    """Copy the rows into a temporary table: COPY on PostgreSQL (ten times faster than
    executemany there), executemany in batches on SQLite."""
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    cursor.execute(STAGE_DDL)
    values = ((code, name, level, parent) for code, (name, level, parent, _line) in rows.items())
    columns = f"{STAGE} (code, name, level, parent_id)"
    if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):  # psycopg 3
        with cursor.cursor.copy(f"COPY {columns} FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
        return
    insert = f"INSERT INTO {columns} VALUES (%s, %s, %s, %s)"  # noqa: S608 - constant identifiers
    while batch := list(islice(values, BATCH)):
        cursor.executemany(insert, batch)


def _write(cursor: Any, *, source: str, year: int) -> tuple[int, int]:
    """Update the changed divisions and insert the new ones from the staged rows, one
    statement each. Returns (created, updated)."""
    cursor.execute(_sql(UPDATE_CHANGED), [source, year, False, source, year, False])
    updated = cursor.rowcount
    cursor.execute(_sql(INSERT_NEW), [source, year, False])
    return cursor.rowcount, updated


def _abolish_missing(cursor: Any, prefix: str) -> list[Division]:
    """Mark abolished the divisions under `prefix` that the staged file does not list; returns
    them (code and name only)."""
    cursor.execute(_sql(SELECT_MISSING), [f"{prefix}%", False])
    gone = [Division(code=code, name=name) for code, name in cursor.fetchall()]
    cursor.execute(_sql(ABOLISH_MISSING), [True, f"{prefix}%", False])
    return gone


def import_divisions(
    path: Path,
    *,
    source: str = "stats-gov",
    year: int = 2023,
    abolish_missing_under: str | None = None,
    actor: Any = None,
) -> DivisionImport:
    """Import the division file at `path` (plain or gzip CSV, `code,name,level,parent_code`).

    Returns the DivisionImport record (counts: rows, created, updated = existing rows whose
    name, level, parent, source or year changed, abolished; rows per level in the file).
    With `abolish_missing_under` (a 12-digit code listed in the file), divisions under it that
    the file does not list are marked abolished, never deleted.
    Raises DivisionImportError with every problem found (by line number): then nothing is
    written. Raises OSError if the file cannot be read.
    """
    problems = _check_options(source, year, abolish_missing_under)
    if problems:
        raise DivisionImportError(problems)
    rows = read_division_file(path)
    if abolish_missing_under is not None and abolish_missing_under not in rows:
        raise DivisionImportError(
            [
                Problem(
                    None,
                    _("%(code)s is not in the file, so nothing under it can be abolished.")
                    % {"code": abolish_missing_under},
                )
            ]
        )
    with path.open("rb") as handle:
        sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
    per_level = Counter(row[1] for row in rows.values())
    with transaction.atomic(), sqlite_page_cache(Division), connection.cursor() as cursor:
        # A second import running at the same time waits here, then updates what the first
        # inserted (without the lock both inserted the same codes: a unique violation).
        locks.hold("divisions.import")
        _stage(cursor, rows)
        created, updated = _write(cursor, source=source, year=year)
        gone = []
        if abolish_missing_under is not None:
            level = rows[abolish_missing_under][1]
            gone = _abolish_missing(cursor, abolish_missing_under[: PREFIX_LENGTH[level]])
        cursor.execute(f"DROP TABLE {STAGE}")
        if created or updated or gone:  # names read by pages that are kept (generations)
            generations.bump(Division.GENERATION)
        record = DivisionImport.objects.create(
            file_name=path.name[:255],
            sha256=sha256,
            source=source,
            year=year,
            row_count=len(rows),
            created_count=created,
            updated_count=updated,
            abolished_count=len(gone),
            per_level={str(level): per_level[level] for level in sorted(per_level)},
            actor=actor if actor is not None and actor.is_authenticated else None,
        )
        log_actions(
            actor, [Change("division.abolished", d, data={"import": record.pk}) for d in gone]
        )
        log_action(
            actor,
            "division.imported",
            record,
            data={
                "file": record.file_name,
                "sha256": sha256,
                "source": source,
                "year": year,
                "rows": record.row_count,
                "created": record.created_count,
                "updated": record.updated_count,
                "abolished": record.abolished_count,
                "abolish_missing_under": abolish_missing_under,
            },
        )
    return record
