"""Import of statistical division codes (format: shared data README, `code,name,level,parent_code`).

The import is all-or-nothing: the whole file is checked first (malformed code, bad level,
unknown parent, duplicate code, parent not above child), every problem is reported with its
line number, and nothing is written unless the file is clean. A re-import updates names and
never duplicates: codes are the primary key, upserted in batches. Codes are never deleted;
`abolish_missing_under` marks codes under a prefix that the file no longer lists.

Memory: one small tuple per row (about 250 bytes), so the whole country (665,271 rows) fits
well under 1 GiB.
"""

import csv
import gzip
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from zhiyuan.common.audit import log_action
from zhiyuan.divisions.enums import PREFIX_LENGTH
from zhiyuan.divisions.models import Division

HEADER = ["code", "name", "level", "parent_code"]
BATCH = 5000
MAX_REPORTED = 200


class DivisionImportError(Exception):
    """The file has problems; `problems` lists (line number, message), nothing was written."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the division file")


@dataclass
class ImportReport:
    per_level: Counter[int] = field(default_factory=Counter)
    created: int = 0
    updated: int = 0
    abolished: int = 0


Row = tuple[str, str, int, str | None]


def _open(path: Path) -> IO[str]:
    raw: IO[bytes] = gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")  # type: ignore[assignment]  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _parse(handle: IO[str]) -> tuple[dict[str, Row], list[tuple[int, str]]]:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != HEADER:
        return {}, [(1, _("The first line must be the header: code,name,level,parent_code"))]
    rows: dict[str, Row] = {}
    lines: dict[str, int] = {}
    problems: list[tuple[int, str]] = []
    for line_no, record in enumerate(reader, start=2):
        problem = _check_record(record)
        if problem:
            problems.append((line_no, problem))
            continue
        code, name, level_text, parent = (value.strip() for value in record)
        if code in rows:
            problems.append(
                (
                    line_no,
                    _("Duplicate code %(code)s (first on line %(line)d).")
                    % {"code": code, "line": lines[code]},
                )
            )
            continue
        rows[code] = (code, name, int(level_text), parent or None)
        lines[code] = line_no
    problems.extend(_check_parents(rows, lines))
    return rows, problems


def _check_record(record: list[str]) -> str | None:
    if len(record) != 4:
        return _("Expected 4 columns, found %(n)d.") % {"n": len(record)}
    code, name, level_text, parent = (value.strip() for value in record)
    if len(code) != 12 or not code.isdigit():
        return _("Malformed code %(code)r: it must be 12 digits.") % {"code": code}
    if not name:
        return _("The name is empty.")
    if level_text not in {"1", "2", "3", "4", "5"}:
        return _("Level must be 1 to 5, found %(level)r.") % {"level": level_text}
    level = int(level_text)
    if code[PREFIX_LENGTH[level] :].strip("0"):
        return _("Code %(code)s has digits beyond its level %(level)d.") % {
            "code": code,
            "level": level,
        }
    if level == 1 and parent:
        return _("A province has no parent.")
    if level > 1 and (len(parent) != 12 or not parent.isdigit()):
        return _("Malformed parent code %(code)r: it must be 12 digits.") % {"code": parent}
    return None


def _check_parents(rows: dict[str, Row], lines: dict[str, int]) -> Iterator[tuple[int, str]]:
    missing = {row[3] for row in rows.values() if row[3] and row[3] not in rows}
    known = (
        {
            code: level
            for code, level in Division.objects.filter(code__in=missing).values_list(
                "code", "level"
            )
        }
        if missing
        else {}
    )
    for code, (_code, _name, level, parent) in rows.items():
        if parent is None:
            continue
        parent_level = rows[parent][2] if parent in rows else known.get(parent)
        if parent_level is None:
            yield lines[code], _("Unknown parent code %(parent)s.") % {"parent": parent}
        elif parent_level >= level or not code.startswith(parent[: PREFIX_LENGTH[parent_level]]):
            yield (
                lines[code],
                _("Parent %(parent)s cannot hold %(code)s.") % {"parent": parent, "code": code},
            )


def _upsert(rows: dict[str, Row], *, source: str, year: int) -> tuple[int, int]:
    existing = (
        set(Division.objects.filter(code__in=list(rows)).values_list("code", flat=True))
        if len(rows) < 50_000
        else set(Division.objects.values_list("code", flat=True))
    )
    ordered = sorted(rows.values(), key=lambda row: (row[2], row[0]))
    for start in range(0, len(ordered), BATCH):
        batch = [
            Division(
                code=code,
                name=name,
                level=level,
                parent_id=parent,
                source=source,
                year=year,
                abolished=False,
            )
            for code, name, level, parent in ordered[start : start + BATCH]
        ]
        Division.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "level", "parent", "source", "year", "abolished"],
        )
    created = sum(1 for code in rows if code not in existing)
    return created, len(rows) - created


def import_divisions(
    path: Path,
    *,
    source: str = "stats-gov",
    year: int = 2023,
    abolish_missing_under: str | None = None,
    actor: Any = None,
) -> ImportReport:
    """Import the division file at `path` (plain or .gz CSV).

    Raises DivisionImportError with every problem found (by line number); then nothing is
    written. With `abolish_missing_under` (a division code), codes under that division that
    the file does not list are marked abolished; the division itself must be in the file.
    """
    with _open(path) as handle:
        rows, problems = _parse(handle)
    if abolish_missing_under and abolish_missing_under not in rows:
        problems.append(
            (
                0,
                _("%(code)s is not in the file, so nothing under it can be abolished.")
                % {"code": abolish_missing_under},
            )
        )
    if problems:
        raise DivisionImportError(problems[:MAX_REPORTED])
    report = ImportReport(per_level=Counter(row[2] for row in rows.values()))
    with transaction.atomic():
        report.created, report.updated = _upsert(rows, source=source, year=year)
        if abolish_missing_under:
            anchor = rows[abolish_missing_under]
            prefix = anchor[0][: PREFIX_LENGTH[anchor[2]]]
            in_db = Division.objects.filter(code__startswith=prefix, abolished=False).values_list(
                "code", flat=True
            )
            gone = [code for code in in_db if code not in rows]
            for start in range(0, len(gone), BATCH):
                Division.objects.filter(code__in=gone[start : start + BATCH]).update(abolished=True)
            report.abolished = len(gone)
        summary = Division(code="*", name=path.name, level=1, year=year)
        log_action(
            actor,
            "division.imported",
            summary,
            data={
                "file": path.name,
                "source": source,
                "year": year,
                "created": report.created,
                "updated": report.updated,
                "abolished": report.abolished,
                "per_level": {str(k): v for k, v in sorted(report.per_level.items())},
            },
        )
    return report
