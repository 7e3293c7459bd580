"""Benchmark: import the whole country's divisions (china-2023.csv.gz, 665,271 rows).

Usage: python benchmarks/bench_divisions.py [FILE]

FILE defaults to $BENCH_DIVISIONS_FILE, else ../shared/data/divisions/china-2023.csv.gz next
to the repository (with BENCH_QUICK=1, as `make bench` runs it: hunan-430000-2023.csv.gz beside
it, 31,691 rows); when it is absent the benchmark is skipped. It imports the file into a
fresh SQLite database in a temporary directory, then once more (a re-import that changes
nothing), and does the same on PostgreSQL when BENCH_DATABASE_URL is set (a server URL such as
postgres://postgres@127.0.0.1:5432/postgres; a fresh database zhiyuan_bench_<pid> is created
on that server and dropped afterwards).

Every measurement runs in its own child process, which reports its wall time and its peak
resident memory (ru_maxrss). The baseline, measured in the same run, is a bare parse of the
same file with Python's csv module; "× baseline" is the import's time over the baseline's.
Fails (exit 1) if an import peaks above the 1 GiB budget (issue 2).
"""

import base64
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FILE = REPO.parent / "shared" / "data" / "divisions" / "china-2023.csv.gz"
QUICK_FILE = DEFAULT_FILE.with_name("hunan-430000-2023.csv.gz")
MEMORY_BUDGET_MIB = 1024


# --- children: each prints one JSON line with its figures ---------------------------------


def _peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child_baseline(path: Path) -> dict[str, Any]:
    import csv
    import gzip
    import io

    started = time.perf_counter()
    with io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="") as handle:
        rows = sum(1 for _record in csv.reader(handle)) - 1  # without the header
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_mib": _peak_mib()}


def child_import(path: Path) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiyuan.settings")
    django.setup()
    from zhiyuan.divisions.importer import import_divisions

    started = time.perf_counter()
    record = import_divisions(path)
    return {
        "seconds": time.perf_counter() - started,
        "rows": record.row_count,
        "created": record.created_count,
        "updated": record.updated_count,
        "peak_mib": _peak_mib(),
    }


CHILDREN = {"baseline": child_baseline, "import": child_import}


# --- the parent: databases, children, the table -------------------------------------------


def measure(kind: str, path: Path, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, str(path)]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.splitlines()[-1])


def migrate(env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "zhiyuan.manage", "migrate", "--verbosity", "0"]
    subprocess.run(command, env=env, check=True)


def sqlite_env(var_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, "VAR_DIR": var_dir, "DEBUG": "0"}


def postgres_env(database_url: str) -> dict[str, str]:
    """Settings for the throw-away database: a non-embedded database needs its own secrets."""

    def key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": f"lookup:{key()},b1:{key()}",
    }


def postgres_database(server_url: str) -> tuple[str, Callable[[], None]]:
    """Create a fresh database on the server; returns its URL and a function dropping it."""
    import psycopg
    from psycopg import sql

    name = f"zhiyuan_bench_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))

    return urlsplit(server_url)._replace(path=f"/{name}").geturl(), drop


def run_target(label: str, path: Path, env: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    migrate(env)
    first = measure("import", path, env)
    again = measure("import", path, env)
    return [(f"{label}: import (fresh)", first), (f"{label}: re-import (no change)", again)]


def report(baseline: dict[str, Any], results: list[tuple[str, dict[str, Any]]]) -> None:
    print(f"{'measurement':<34}{'wall s':>8}{'rows/s':>11}{'peak MiB':>10}{'× baseline':>12}")
    for label, figures in [("baseline: csv parse of the gz", baseline), *results]:
        rate = figures["rows"] / figures["seconds"]
        ratio = figures["seconds"] / baseline["seconds"]
        print(
            f"{label:<34}{figures['seconds']:>8.2f}{rate:>11,.0f}"
            f"{figures['peak_mib']:>10.0f}{ratio:>12.1f}"
        )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(CHILDREN[argv[1]](Path(argv[2]))))
        return 0
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    default = QUICK_FILE if quick else DEFAULT_FILE
    path = Path(argv[0] if argv else os.environ.get("BENCH_DIVISIONS_FILE", default))
    if not path.is_file():
        print(f"skipped: {path} not found (give a path or set BENCH_DIVISIONS_FILE)")
        return 0
    baseline = measure("baseline", path, dict(os.environ))
    print(f"{path.name}: {baseline['rows']:,} rows")
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
    over = [label for label, figures in results if figures["peak_mib"] > MEMORY_BUDGET_MIB]
    for label in over:
        print(f"OVER BUDGET: {label} peaked above {MEMORY_BUDGET_MIB} MiB")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
