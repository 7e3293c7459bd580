"""Benchmark: the statistics tables and the dashboard of 岳阳市 with 500,000 registered volunteers
(issue 11, "Speed and scale"), and the population generator that makes them.

Usage: python benchmarks/bench_reports.py [SIZE ...]

For each size (full mode: 50,000 and 500,000 registered volunteers; BENCH_QUICK=1: 2,000 and
20,000; or the sizes given), into a fresh SQLite database in a temporary directory and, when
BENCH_DATABASE_URL names a server, a fresh PostgreSQL database (as in bench_divisions.py):

1. setup (a child process): 岳阳's real divisions (src/zhiyuan/divisions/data), the standard
   structure (4,107 organisations), the management area (3), the registration bodies, the
   database marked as a benchmark's; then `zhiyuan.demo.population.generate_population` for the
   whole city with SIZE registered volunteers and SIZE/20 applications beside them: the
   generator's figure (issue 11: 500,000 in under 5 minutes on PostgreSQL), with the CPU time
   of the process and its workers and, on PostgreSQL, of the server's backend (from /proc);
2. measure (another child process, warm: each query run once first): for every kind of
   statistics table in the registry (`zhiyuan.reports.kinds.table_kinds()`: Attachment 3 today,
   5, 6 and 7 as their builders land) its `build` for the city on today's date, and the
   dashboard's data (`zhiyuan.reports.dashboard.build`, when the module is there), each the
   median of three runs with its number of queries and its CPU time (this process's and, on
   PostgreSQL, the server backend's: the wall time on an idle machine); then the same rows computed the obvious
   way, measured in the same run: one ORM aggregate per organisation of the table (counted and
   pending volunteers, by gender, age band and political status, over the organisation's
   subtree, or its staff for a work unit), "× obvious" being the built table's time over it.

BENCH_FULL_PROVINCE=1 adds PostgreSQL at 2,000,000 registered volunteers (heavy: about half an
hour and a few GB of disk); sizes above 500,000 given on the command line run on PostgreSQL
only. On PostgreSQL the setup ends with `VACUUM (ANALYZE)` of the registrations, as autovacuum
leaves a table after a bulk load (its visibility map lets the statistics index be read alone).

BENCH_REPORTS_KEEP=DIR keeps what is built, to measure again after a change without building
anew: the SQLite database of each size in DIR/sqlite-SIZE and the PostgreSQL database
`zhiyuan_bench_reports_SIZE` (its settings in DIR/postgresql-SIZE.json); a later run with the
same DIR finds them and only measures (the generator's figures are those of the first run).
Drop them by hand (`rm -r DIR`, `DROP DATABASE`) when done. The load average is printed before and after each database: the
machine's other work counts. Fails (exit 1) in full mode when, at 500,000 volunteers or more,
a table or the dashboard takes more than 1 s or the generator more than 300 s on PostgreSQL,
judged on wall time when the load average at the start was at most the number of cores, else
on the process's CPU time (it says which).
"""

import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_divisions import _peak_mib, migrate, postgres_database, postgres_env, sqlite_env

REPO = Path(__file__).resolve().parent.parent
FULL_SIZES = (50_000, 500_000)
QUICK_SIZES = (2_000, 20_000)
PROVINCE_SIZE = 2_000_000
SQLITE_MAX = 500_000  # the embedded default serves one city; larger sizes: PostgreSQL only
SEED = 11
TABLE_BUDGET_S = 1.0
GENERATOR_BUDGET_S = 300.0
RUNS = 3


def _cpu_seconds() -> float:
    """User and system time of this process and of its children waited for (the generator's
    workers)."""
    import resource

    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _server_cpu_seconds() -> float:
    """CPU time of this connection's PostgreSQL backend so far (it runs on this machine), or 0
    on SQLite (which runs inside this process)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiyuan.settings")
    django.setup()


# --- children: each prints one JSON line -------------------------------------------------


def child_setup(size: int) -> dict[str, Any]:
    """The city's structure and bodies, then `size` volunteers from the generator."""
    _setup_django()
    from zhiyuan.demo.city import CITY, DIVISIONS_FILE, ETDZ_TOWNSHIPS
    from zhiyuan.demo.models import DatabaseKind
    from zhiyuan.demo.population import generate_population, mark_database
    from zhiyuan.divisions.importer import import_divisions
    from zhiyuan.divisions.models import Division
    from zhiyuan.organizations.models import Organization
    from zhiyuan.organizations.structure import build_structure, create_management_area
    from zhiyuan.volunteers.services import designate_standard_bodies

    started = time.perf_counter()
    import_divisions(DIVISIONS_FILE, year=2023)
    city = Division.objects.get(code=CITY)
    build_structure(city, actor=None)
    create_management_area(
        "岳阳经济技术开发区",
        code="YYETDZ",
        parent_division=city,
        townships=list(Division.objects.filter(code__in=ETDZ_TOWNSHIPS)),
        actor=None,
    )
    designate_standard_bodies(Organization.objects.get(code="4306-GC"), prefix="4306", actor=None)
    mark_database(DatabaseKind.BENCHMARK, note="benchmarks/bench_reports.py")
    structure = time.perf_counter() - started
    started, cpu, server = time.perf_counter(), _cpu_seconds(), _server_cpu_seconds()
    generate_population(city, volunteers=size, seed=SEED)
    figures = {
        "structure_s": structure,
        "seconds": time.perf_counter() - started,
        "cpu": _cpu_seconds() - cpu,
        "server_cpu": _server_cpu_seconds() - server,
        "organizations": Organization.objects.count(),
        "peak_mib": _peak_mib(),
    }
    _vacuum()
    return figures


def _vacuum() -> None:
    """On PostgreSQL, what autovacuum does after a bulk load, at once: the visibility map (an
    index-only scan of the statistics index reads no rows) and the planner's statistics."""
    from django.db import connection

    from zhiyuan.volunteers.models import Volunteer

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {Volunteer._meta.db_table}")


class _Queries:
    """Counts the queries run on the default connection while it is entered."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _timed(work: Any) -> dict[str, Any]:
    """`work()` once to warm, then RUNS times: the median wall time, the median CPU time of
    this process and, on PostgreSQL, of its server backend (the queries' work), the queries."""
    from django.db import connection

    work()
    walls, cpus = [], []
    queries = _Queries()
    for _run in range(RUNS):
        queries.count = 0
        server = _server_cpu_seconds()
        with connection.execute_wrapper(queries):
            started, cpu = time.perf_counter(), _cpu_seconds()
            work()
            walls.append(time.perf_counter() - started)
            cpu = _cpu_seconds() - cpu
        cpus.append(cpu + _server_cpu_seconds() - server)
    return {
        "seconds": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "queries": queries.count,
    }


def _obvious(organization_ids: list[int], day: Any) -> dict[str, Any]:
    """The obvious way: per organisation, one ORM aggregate over its subtree (a work unit: its
    staff) of the figures a statistics row holds. Timed once (it is slow)."""
    from django.db import connection
    from django.db.models import Count, Q

    from zhiyuan.organizations.access import after_subtree
    from zhiyuan.organizations.enums import OrgKind
    from zhiyuan.organizations.models import Organization
    from zhiyuan.volunteers.models import Volunteer

    def years_before(years: int) -> Any:
        return day.replace(year=day.year - years)

    # Registered volunteers as counting.counted_on has them (no yearly re-registration here).
    counted = Q(status="active", registered_on__lte=day)
    figures = {
        "registered": Count("pk", filter=counted),
        "pending": Count("pk", filter=Q(status="applied")),
        "men": Count("pk", filter=counted & Q(gender="male")),
        "under_18": Count("pk", filter=counted & Q(birth_date__gt=years_before(18))),
        "18_35": Count(
            "pk",
            filter=counted & Q(birth_date__lte=years_before(18), birth_date__gt=years_before(36)),
        ),
        "36_59": Count(
            "pk",
            filter=counted & Q(birth_date__lte=years_before(36), birth_date__gt=years_before(60)),
        ),
        "60_up": Count("pk", filter=counted & Q(birth_date__lte=years_before(60))),
        "party": Count("pk", filter=counted & Q(political_status="party_member")),
        "league": Count("pk", filter=counted & Q(political_status="league_member")),
    }
    queries = _Queries()
    started, cpu = time.perf_counter(), _cpu_seconds()
    with connection.execute_wrapper(queries):
        organizations = Organization.objects.in_bulk(organization_ids)
        for organization in organizations.values():
            if organization.kind == OrgKind.WORK_UNIT:
                staff = Organization.objects.filter(path__startswith=organization.path)
                rows = Volunteer.objects.filter(work_unit__in=staff)
            else:  # the subtree as the ledger's scope reads it: a range of the path copy
                rows = Volunteer.objects.filter(
                    organization_path__gte=organization.path,
                    organization_path__lt=after_subtree(organization.path),
                )
            rows.aggregate(**figures)
    return {
        "seconds": time.perf_counter() - started,
        "cpu": _cpu_seconds() - cpu,
        "queries": queries.count,
    }


def child_measure(_size: int) -> dict[str, Any]:
    """Every registered table kind and the dashboard for the city, and the obvious way."""
    _setup_django()
    import importlib

    from zhiyuan.organizations.models import Organization
    from zhiyuan.reports.kinds import table_kinds
    from zhiyuan.reports.selectors import local_today
    from zhiyuan.volunteers.models import Volunteer
    from zhiyuan.volunteers.selectors import registered_volunteers

    root = Organization.objects.get(code="4306-GC")
    day = local_today()
    results: list[dict[str, Any]] = []
    for kind in table_kinds():
        table = kind.build(root, day, preparer="基准测试")
        figures = _timed(lambda kind=kind: kind.build(root, day, preparer="基准测试"))
        ids = sorted({row.organization_id for row in table.rows if row.organization_id})
        figures |= {"label": str(kind.key), "rows": len(table.rows), "obvious": _obvious(ids, day)}
        results.append(figures)
    try:
        dashboard = importlib.import_module("zhiyuan.reports.dashboard")
    except ImportError:
        dashboard = None
    if dashboard is not None and hasattr(dashboard, "build"):
        board = dashboard.build(root, day)
        figures = _timed(lambda: dashboard.build(root, day))
        children = [p.organization.pk for p in getattr(board, "progress", [])]
        figures |= {
            "label": "dashboard",
            "rows": len(children),
            "obvious": _obvious([root.pk, *children], day),
        }
        results.append(figures)
    return {
        "results": results,
        "counted": registered_volunteers().count(),
        "volunteers": Volunteer.objects.count(),
        "peak_mib": _peak_mib(),
    }


CHILDREN = {"setup": child_setup, "measure": child_measure}


def run_child(kind: str, size: int, env: dict[str, str]) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(size)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- the parent -----------------------------------------------------------------------------


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run_size(
    label: str, size: int, env: dict[str, str], kept: Path | None = None
) -> dict[str, Any]:
    """Build the database (or, with `kept`, the file holding the setup's figures of a kept one,
    find it built) and measure it."""
    if kept is not None and kept.exists():
        setup = json.loads(kept.read_text())["setup"]
        print(f"  {label} {size:,}: measuring the database kept ({kept})", flush=True)
    else:
        migrate(env)
        setup = run_child("setup", size, env)
        if kept is not None:
            own = {key: value for key, value in env.items() if os.environ.get(key) != value}
            kept.write_text(json.dumps({"setup": setup, "env": own}))
    measured = run_child("measure", size, env)
    return {"database": label, "size": size, "setup": setup, **measured}


def run_sqlite(size: int, keep: Path | None) -> dict[str, Any]:
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="zhiyuan-bench-") as temporary:
            return run_size("sqlite", size, sqlite_env(temporary))
    kept = keep / f"sqlite-{size}"
    kept.mkdir(parents=True, exist_ok=True)
    return run_size("sqlite", size, sqlite_env(str(kept)), kept / "setup.json")


def run_postgres(server_url: str, size: int, keep: Path | None) -> dict[str, Any]:
    if keep is None:
        database_url, drop = postgres_database(server_url)
        try:
            return run_size("postgresql", size, postgres_env(database_url))
        finally:
            drop()
    kept = keep / f"postgresql-{size}.json"
    if kept.exists():  # the same secrets: the rows were encrypted with them
        env = {**os.environ, **json.loads(kept.read_text())["env"]}
    else:
        env = postgres_env(_kept_database(server_url, f"zhiyuan_bench_reports_{size}"))
    return run_size("postgresql", size, env, kept)


def _kept_database(server_url: str, name: str) -> str:
    """A fresh database `name` on the server (any earlier one of that name dropped): its URL."""
    from urllib.parse import urlsplit

    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlsplit(server_url)._replace(path=f"/{name}").geturl()


def report(runs: list[dict[str, Any]]) -> None:
    print(
        f"{'database':<11}{'counted':>10}  {'measurement':<26}{'rows':>6}{'wall s':>8}"
        f"{'CPU s':>7}{'queries':>8}{'obvious s':>10}{'obv. queries':>13}{'× obvious':>10}"
    )
    for run in runs:
        setup = run["setup"]
        rate = run["volunteers"] / setup["seconds"]
        print(
            f"{run['database']:<11}{run['counted']:>10,}  {'generate_population':<26}{'':>6}"
            f"{setup['seconds']:>8.1f}{setup['cpu']:>7.1f}  ({rate:,.0f} people/s; "
            f"server CPU {setup.get('server_cpu', 0):.1f} s; {run['volunteers']:,} rows, "
            f"{setup['organizations']:,} organisations)"
        )
        for result in run["results"]:
            obvious = result["obvious"]
            print(
                f"{run['database']:<11}{run['counted']:>10,}  {result['label']:<26}"
                f"{result['rows']:>6,}{result['seconds']:>8.3f}{result['cpu']:>7.3f}"
                f"{result['queries']:>8}{obvious['seconds']:>10.2f}{obvious['queries']:>13,}"
                f"{result['seconds'] / obvious['seconds']:>10.3f}"
            )


def growth(runs: list[dict[str, Any]]) -> None:
    """How each measurement grows from the smaller size to the larger, per database."""
    by_database: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        by_database.setdefault(run["database"], []).append(run)
    for database, sized in by_database.items():
        sized.sort(key=lambda run: run["counted"])
        for small, large in itertools.pairwise(sized):
            factor = large["counted"] / small["counted"]
            for before, after in zip(small["results"], large["results"], strict=True):
                print(
                    f"{database}: {after['label']} {small['counted']:,} → {large['counted']:,} "
                    f"volunteers (× {factor:.0f}): time × {after['seconds'] / before['seconds']:.1f}"
                )


def over_budget(runs: list[dict[str, Any]], busy: bool) -> list[str]:
    measure = "cpu" if busy else "seconds"
    over = []
    for run in runs:
        if run["counted"] < 500_000:
            continue
        for result in run["results"]:
            if result[measure] > TABLE_BUDGET_S:
                over.append(f"{run['database']} {result['label']}: {result[measure]:.2f} s")
        setup = run["setup"]
        # On a busy machine: the generator's process and workers, and the server's backend.
        spent = setup["cpu"] + setup.get("server_cpu", 0) if busy else setup["seconds"]
        if run["database"] == "postgresql" and spent > GENERATOR_BUDGET_S:
            over.append(f"postgresql generate_population: {spent:.0f} s")
    return over


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(CHILDREN[argv[1]](int(argv[2]))))
        return 0
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    sizes = [int(arg) for arg in argv] or list(QUICK_SIZES if quick else FULL_SIZES)
    cores = os.cpu_count() or 1
    busy = os.getloadavg()[0] > cores
    print(f"sizes: {', '.join(f'{size:,}' for size in sizes)} registered volunteers")
    print(f"load average before: {load()} on {cores} cores")
    keep = Path(os.environ["BENCH_REPORTS_KEEP"]) if os.environ.get("BENCH_REPORTS_KEEP") else None
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        print(f"keeping the databases built (and measuring those kept) in {keep}")
    runs: list[dict[str, Any]] = []
    for size in sizes:
        if size > SQLITE_MAX:
            print(f"  sqlite {size:,} skipped: a province runs on PostgreSQL")
            continue
        runs.append(run_sqlite(size, keep))
        print(f"  sqlite {size:,} done; load average {load()}", flush=True)
    server_url = os.environ.get("BENCH_DATABASE_URL", "")
    postgres_sizes = list(sizes)
    if os.environ.get("BENCH_FULL_PROVINCE", "") not in ("", "0"):
        postgres_sizes.append(PROVINCE_SIZE)
    if server_url:
        for size in postgres_sizes:
            runs.append(run_postgres(server_url, size, keep))
            print(f"  postgresql {size:,} done; load average {load()}", flush=True)
    else:
        print("PostgreSQL skipped: set BENCH_DATABASE_URL to a server URL to include it.")
    print(f"load average after: {load()}")
    report(runs)
    growth(runs)
    over = over_budget(runs, busy) if not quick else []
    if busy and not quick:
        print("The machine was busy: budgets are held against CPU time, not wall time.")
    for line in over:
        print(f"OVER BUDGET: {line}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
