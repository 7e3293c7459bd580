"""Benchmark: check and import a 100,000-row, 18-column registration roster (issue 4).

Usage: python benchmarks/bench_roster.py [ROWS]

Generates an xlsx roster of ROWS synthetic adults (default 100,000, or 20,000 with
BENCH_QUICK=1, as `make bench` runs it) with `rosters.py`: unique resident ID numbers with
correct check characters, unique mobiles, Chinese names, only choices the roster reader takes,
written as offices write them; every row valid by construction. Then, into a fresh SQLite database in a temporary directory (and into a fresh PostgreSQL
database when BENCH_DATABASE_URL names a server, as in bench_divisions.py):

- "dry run": `upload.upload_roster` + `check.check_roster` (reads and checks every row,
  writes only the report);
- "validated and committed": `upload.upload_roster` + `write.import_roster(mode="all")`,
  which checks every row again itself and then writes them (bulk inserts, bulk audit entries,
  encrypted ID numbers and phones). The dry run's CHECKED status is set directly so that this
  figure is the commit path alone, measured cold in its own process;
- "re-import (all present)": the same file once more: every row is reported as present and
  nothing is written.

Each measurement runs in its own child process, which reports its wall time (the service calls
only, not Python start-up, migrations or setting up the body), the CPU time it and its helper
spent meanwhile (user + system; the database server's is not counted), its peak resident memory
(ru_maxrss, the whole process including Django) and that of the helper process a large check
forks to check the second half of the file on the second core ("helper MiB"; its pages shared
with the parent count in both). The baseline, measured in the same run, is a bare read of the
same file with python-calamine (every row, every cell), the fastest reader; "× baseline" is a
measurement's time over the baseline's.

Fails (exit 1) when a process peaks above 1 GiB, when the validated-and-committed path of
100,000 rows or more takes more than 15 s (both the budgets of issues 4 and 10), when a row has
a problem, or when a row or its audit entry is missing.
The machine's other work counts: run it on an otherwise idle machine (see `uptime`).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_divisions import _peak_mib, migrate, postgres_database, postgres_env, sqlite_env
from rosters import HEADER, roster_rows, write_roster


def _cpu_seconds() -> float:
    """User and system time of this process and its (waited-for) children so far."""
    import resource

    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _helper_peak_mib() -> float:
    """Peak resident memory of the largest child process (the forked helper of a check)."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux


REPO = Path(__file__).resolve().parent.parent
FULL_ROWS = 100_000
# BENCH_QUICK=1 (`make bench`): from 20,000 rows on a check forks its helper, so a quick run
# takes the same path as a full one, in a fifth of the time.
QUICK_ROWS = 20_000
MEMORY_BUDGET_MIB = 1024
TIME_BUDGET_S = 15.0
BODY_ORG = "430602001-SC"  # 岳阳楼街道's service centre in the test world (tests/conftest.py)


# --- children: each prints one JSON line with its figures ---------------------------------


def child_generate(path: Path, rows: int) -> dict[str, Any]:
    """Write the roster (`rosters.write_roster`): a title row, an empty row, the header, then
    `rows` people, valid and unique by construction."""
    import django

    django.setup()
    write_roster(path, roster_rows(rows))
    return {"rows": rows, "bytes": path.stat().st_size}


def child_baseline(path: Path) -> dict[str, Any]:
    """A bare read with python-calamine: every row, every cell."""
    import io

    import python_calamine

    started, cpu = time.perf_counter(), _cpu_seconds()
    data = path.read_bytes()
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    rows = cells = 0
    for values in sheet.iter_rows():
        rows += 1
        cells += sum(1 for value in values if value != "")
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu": _cpu_seconds() - cpu,
        "rows": rows - 3,
        "cells": cells,
        "peak_mib": _peak_mib(),
    }


def child_setup(path: Path) -> dict[str, Any]:
    """The test world's city with its bodies, and a registrar on BODY_ORG."""
    import django

    django.setup()
    from zhiyuan.accounts.models import Role, User
    from zhiyuan.divisions.importer import import_divisions
    from zhiyuan.divisions.models import Division
    from zhiyuan.organizations.enums import RoleKind
    from zhiyuan.organizations.models import Organization
    from zhiyuan.organizations.structure import build_structure
    from zhiyuan.volunteers.services import designate_standard_bodies

    import_divisions(REPO / "tests" / "data" / "mini-divisions.csv", year=2023)
    build_structure(Division.objects.get(code="430600000000"), actor=None)
    designate_standard_bodies(Organization.objects.get(code="4306-GC"), prefix="4306", actor=None)
    user = User.objects.create_user("bench_registrar", None, name="基准登记员")
    Role.objects.create(
        user=user, organization=Organization.objects.get(code=BODY_ORG), kind=RoleKind.REGISTRAR
    )
    return {}


def _upload(path: Path) -> tuple[Any, Any, float, float]:
    """(the roster import, its uploader, seconds taken by the upload, CPU seconds at its
    start)."""
    import django

    django.setup()
    from zhiyuan.accounts.models import User
    from zhiyuan.volunteers.imports.upload import upload_roster
    from zhiyuan.volunteers.models import RegistrationBody

    user = User.objects.get(username="bench_registrar")
    body = RegistrationBody.objects.get(organization__code=BODY_ORG)
    data = path.read_bytes()
    started, cpu = time.perf_counter(), _cpu_seconds()
    roster_import = upload_roster(
        data,
        filename=path.name,
        body=body,
        organization=body.organization,
        actor=user,
        consent_affirmed=True,
        check=False,
    )
    return roster_import, user, time.perf_counter() - started, cpu


def _figures(roster_import: Any, seconds: float, cpu: float) -> dict[str, Any]:
    return {
        "seconds": seconds,
        "cpu": _cpu_seconds() - cpu,
        "rows": roster_import.rows_total,
        "valid": roster_import.rows_valid,
        "invalid": roster_import.rows_invalid,
        "present": roster_import.rows_present,
        "created": roster_import.imported_count,
        "status": roster_import.status,
        "problems": roster_import.problems[:3],
        "peak_mib": _peak_mib(),
        "helper_mib": _helper_peak_mib(),
    }


def child_check(path: Path) -> dict[str, Any]:
    roster_import, _user, upload_s, cpu = _upload(path)
    from zhiyuan.volunteers.imports.check import check_roster

    started = time.perf_counter()
    check_roster(roster_import)
    return _figures(roster_import, upload_s + time.perf_counter() - started, cpu)


def child_import(path: Path) -> dict[str, Any]:
    roster_import, user, upload_s, cpu = _upload(path)
    from zhiyuan.volunteers.enums import ImportMode, ImportStatus
    from zhiyuan.volunteers.imports.write import import_roster
    from zhiyuan.volunteers.models import RosterImport

    # As if the dry run had passed: the import checks every row again itself.
    RosterImport.objects.filter(pk=roster_import.pk).update(status=ImportStatus.CHECKED)
    roster_import.status = ImportStatus.CHECKED
    started = time.perf_counter()
    import_roster(roster_import, actor=user, mode=ImportMode.ALL_OR_NOTHING)
    seconds = upload_s + time.perf_counter() - started
    figures = _figures(roster_import, seconds, cpu)
    from zhiyuan.common.models import AuditEntry

    entries = AuditEntry.objects.filter(
        action="volunteer.registration.applied", data__import=roster_import.pk
    )
    return {**figures, "audit_entries": entries.count()}


CHILDREN = {
    "baseline": child_baseline,
    "setup": child_setup,
    "check": child_check,
    "import": child_import,
}


# --- the parent: the file, databases, children, the table ---------------------------------


def measure(kind: str, path: Path, env: dict[str, str], *extra: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, str(path), *extra]
    output = subprocess.run(command, env=env, capture_output=True, text=True)
    if output.returncode != 0:
        sys.stderr.write(output.stderr)
        raise SystemExit(f"{kind} failed ({output.returncode})")
    return json.loads(output.stdout.splitlines()[-1])


def run_target(label: str, path: Path, env: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    env = {**env, "DJANGO_SETTINGS_MODULE": "zhiyuan.settings"}
    migrate(env)
    measure("setup", path, env)
    return [
        (f"{label}: dry run (check)", measure("check", path, env)),
        (f"{label}: validated and committed", measure("import", path, env)),
        (f"{label}: re-import (all present)", measure("import", path, env)),
    ]


def report(baseline: dict[str, Any], results: list[tuple[str, dict[str, Any]]]) -> None:
    print(
        f"{'measurement':<40}{'wall s':>8}{'CPU s':>7}{'rows/s':>9}{'peak MiB':>10}"
        f"{'helper MiB':>12}{'× baseline':>12}"
    )
    for label, figures in [("baseline: calamine read of the xlsx", baseline), *results]:
        rate = figures["rows"] / figures["seconds"]
        ratio = figures["seconds"] / baseline["seconds"]
        helper = f"{figures['helper_mib']:.0f}" if figures.get("helper_mib") else "-"
        print(
            f"{label:<40}{figures['seconds']:>8.2f}{figures['cpu']:>7.1f}{rate:>9,.0f}"
            f"{figures['peak_mib']:>10.0f}{helper:>12}{ratio:>12.1f}"
        )
    for label, figures in results:
        print(
            f"{label}: {figures['rows']:,} rows, {figures['valid']:,} valid, "
            f"{figures['invalid']:,} with problems, {figures['present']:,} present, "
            f"{figures['created']:,} created ({figures['status']})"
        )


def failures(rows: int, results: list[tuple[str, dict[str, Any]]]) -> list[str]:
    found = []
    for label, figures in results:
        if figures["peak_mib"] > MEMORY_BUDGET_MIB or figures["helper_mib"] > MEMORY_BUDGET_MIB:
            found.append(f"{label} peaked above {MEMORY_BUDGET_MIB} MiB")
        if figures["invalid"]:
            found.append(f"{label}: rows with problems, e.g. {figures['problems']}")
        if label.endswith("validated and committed"):
            if figures["created"] != rows or figures["audit_entries"] != rows:
                found.append(
                    f"{label} created {figures['created']:,} of {rows:,} rows "
                    f"and {figures['audit_entries']:,} audit entries"
                )
            if rows >= FULL_ROWS and figures["seconds"] > TIME_BUDGET_S:
                found.append(f"{label} took more than {TIME_BUDGET_S:.0f} s")
    return found


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiyuan.settings")
        kind, path = argv[1], Path(argv[2])
        if kind == "generate":
            print(json.dumps(child_generate(path, int(argv[3]))))
        else:
            print(json.dumps(CHILDREN[kind](path)))
        return 0
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    rows = int(argv[0]) if argv else QUICK_ROWS if quick else FULL_ROWS
    with tempfile.TemporaryDirectory(prefix="zhiyuan-bench-") as work:
        path = Path(work) / "roster.xlsx"
        generated = measure("generate", path, sqlite_env(work), str(rows))
        print(f"roster.xlsx: {rows:,} rows × {len(HEADER)} columns, {generated['bytes']:,} bytes")
        baseline = measure("baseline", path, dict(os.environ))
        results = []
        with tempfile.TemporaryDirectory(prefix="zhiyuan-bench-") as var_dir:
            results += run_target("sqlite", path, sqlite_env(var_dir))
        server_url = os.environ.get("BENCH_DATABASE_URL", "")
        if server_url:
            database_url, drop = postgres_database(server_url)
            try:
                results += run_target("postgresql", path, postgres_env(database_url))
            finally:
                drop()
        else:
            print("PostgreSQL skipped: set BENCH_DATABASE_URL to a server URL to include it.")
    report(baseline, results)
    found = failures(rows, results)
    for failure in found:
        print(f"FAILED: {failure}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
