"""Benchmark: the anomaly job (`anomalies.services.detect_anomalies`, every rule) over 5 million
service records on PostgreSQL (issue 14: under 2 minutes), against one plain pass over the
ledger measured in the same run.

Usage: python benchmarks/bench_anomalies.py [RECORDS]

Needs BENCH_DATABASE_URL (a PostgreSQL server URL; without it the benchmark is skipped). A
database zhiyuan_bench_<pid> is created on that server and dropped afterwards
(BENCH_ANOMALIES_KEEP=1 keeps it and prints its URL; BENCH_ANOMALIES_REUSE=<url> measures a
database kept earlier, planting nothing again: its flags are deleted first).

The data: `bench_hours`'s city, volunteers, activities and RECORDS records (its public
`child_build`: 5,000,000 by default, 500,000 with BENCH_QUICK=1), made clean for the rules (the
volunteers registered on 2022-12-01, before every record, and none younger than 18 then: the
hours benchmark's people are not meant for these rules), then a known set planted: PLANTED
overlapping records (a pending record inside one of a volunteer's records), PLANTED days of
more than 12 hours (a pending 800-minute record on a day before the others), PLANTED children
(a volunteer's birth date moved to make them 10) and PLANTED registrations on one mobile number
(ANOMALY_SHARED_MOBILE per group), then VACUUM ANALYZE.

The measurement: `detect_anomalies()` on the whole ledger, first run (raises the flags) and a
second run (finds the same evidence, adds nothing), wall time and the CPU of this process and
its database session (/proc; the queries' parallel workers off, so that all their CPU counts); the findings per rule must equal the planted counts (a mismatch
fails the benchmark). The baseline, in the same run: one GROUP BY pass over the ledger
(records and minutes per volunteer), the least any whole-ledger rule reads; the ratio says how
many such passes the job costs. The budget: the first run under 120 s of wall time (of CPU
time when the machine is busy: a load average above its cores); a miss fails the full mode and
is reported in the quick one. The load average is printed before and after.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench_divisions import migrate, postgres_database, postgres_env
from bench_hours import _setup_django, load, quick_mode

REPO = Path(__file__).resolve().parent.parent
FULL_RECORDS = 5_000_000
QUICK_RECORDS = 500_000
BUDGET_S = 120.0
PLANTED = 50
SHARED = 4


# --- the children ----------------------------------------------------------------------------


def child_build(records: int) -> dict[str, Any]:
    """`bench_hours`'s data, made clean for the rules, then the planted cases."""
    import bench_hours

    built = bench_hours.child_build(records)
    started = time.perf_counter()
    planted = plant()
    built["plant_s"] = time.perf_counter() - started
    built["planted"] = planted
    return built


def plant() -> dict[str, int]:
    """Clean the people for the rules, then plant the known cases; returns the expected
    findings per rule."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE volunteers_volunteer SET registered_on = DATE '2022-12-01', "
            "birth_date = LEAST(birth_date, DATE '2004-11-30')"
        )
        # Overlaps: a pending record from 10 minutes into an existing record, for 60 minutes.
        cursor.execute(
            """
            INSERT INTO hours_hourrecord (volunteer_id, activity_id, organizer_id, organizer_path,
                start, "end", actual_minutes, minutes, rounding, content, source, flags,
                recorded_by_id, recorded_at, status, rejection_reason, correction_reason,
                requested_by_volunteer, previous_hash, record_hash)
            SELECT DISTINCT ON (volunteer_id) volunteer_id, activity_id, organizer_id,
                organizer_path, start + interval '10 minutes', start + interval '70 minutes', 60,
                60, 'exact', '', 'leader', '', recorded_by_id, now(), 'pending', '', '', false,
                '', ''
            FROM hours_hourrecord
            WHERE status = 'confirmed' AND volunteer_id IN (
                SELECT id FROM volunteers_volunteer ORDER BY id LIMIT %s)
            ORDER BY volunteer_id, start
            """,
            [PLANTED],
        )
        # Long days: 800 minutes on 2022-12-15 (before every other record), later volunteers.
        cursor.execute(
            """
            INSERT INTO hours_hourrecord (volunteer_id, activity_id, organizer_id, organizer_path,
                start, "end", actual_minutes, minutes, rounding, content, source, flags,
                recorded_by_id, recorded_at, status, rejection_reason, correction_reason,
                requested_by_volunteer, previous_hash, record_hash)
            SELECT DISTINCT ON (volunteer_id) volunteer_id, activity_id, organizer_id,
                organizer_path, TIMESTAMPTZ '2022-12-15 06:00+08',
                TIMESTAMPTZ '2022-12-15 19:20+08', 800, 800, 'exact', '', 'leader', '',
                recorded_by_id, now(), 'pending', '', '', false, '', ''
            FROM hours_hourrecord
            WHERE volunteer_id IN (
                SELECT id FROM volunteers_volunteer ORDER BY id OFFSET %s LIMIT %s)
            ORDER BY volunteer_id, start
            """,
            [PLANTED, PLANTED],
        )
        # Children: ten years old on the day of their first record.
        cursor.execute(
            """
            UPDATE volunteers_volunteer v SET birth_date = (
                SELECT (min(r.start) AT TIME ZONE 'Asia/Shanghai')::date - interval '10 years'
                FROM hours_hourrecord r WHERE r.volunteer_id = v.id)
            WHERE v.id IN (SELECT id FROM volunteers_volunteer ORDER BY id OFFSET %s LIMIT %s)
            """,
            [2 * PLANTED, PLANTED],
        )
        # Shared mobiles: groups of SHARED holding registrations on one number.
        cursor.execute(
            """
            WITH chosen AS (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM volunteers_volunteer
                WHERE status IN ('active', 'suspended') AND id > (
                    SELECT id FROM volunteers_volunteer ORDER BY id OFFSET %s LIMIT 1)
                ORDER BY id LIMIT %s)
            UPDATE volunteers_volunteer v SET mobile_digest = 'planted-' || (chosen.n / %s)
            FROM chosen WHERE chosen.id = v.id
            """,
            [3 * PLANTED, PLANTED * SHARED, SHARED],
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('hours_hourrecord', 'id'), "
            "(SELECT max(id) FROM hours_hourrecord))"
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE hours_hourrecord")
        cursor.execute("VACUUM ANALYZE volunteers_volunteer")
    return {
        "overlapping_hours": PLANTED,
        "long_day": PLANTED,
        "under_age": PLANTED,
        "shared_mobile": PLANTED,
    }


def _backend_cpu() -> float:
    """CPU seconds (user + system) of this connection's server process so far (/proc)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(call: Any) -> tuple[float, float, Any]:
    """Wall seconds, CPU seconds (this process and its database session), result."""
    server, client = _backend_cpu(), time.process_time()
    started = time.perf_counter()
    result = call()
    wall = time.perf_counter() - started
    return wall, _backend_cpu() - server + time.process_time() - client, result


def baseline() -> int:
    """One GROUP BY pass over the ledger: records and minutes per volunteer."""
    from django.db import connection

    with connection.cursor() as cursor:
        # The outer sums use every inner column, so that the minutes are read (an unused sum
        # lets PostgreSQL count the (volunteer, start) index alone).
        cursor.execute(
            "SELECT count(*), sum(n), sum(m) FROM (SELECT volunteer_id, count(*) AS n, "
            "sum(actual_minutes) AS m FROM hours_hourrecord GROUP BY volunteer_id) t"
        )
        (groups, _records, _minutes) = cursor.fetchone()
    return int(groups)


def child_measure(_records: int) -> dict[str, Any]:
    _setup_django()
    from django.db import connection

    from zhiyuan.anomalies.models import AddressMark, Flag
    from zhiyuan.anomalies.services import detect_anomalies
    from zhiyuan.hours.models import HourRecord

    # A database measured before (BENCH_ANOMALIES_REUSE) starts again from no flags.
    Flag.objects.all().delete()
    AddressMark.objects.all().delete()

    with connection.cursor() as cursor:
        # One process's work, all of it counted: parallel workers' CPU would not be.
        cursor.execute("SET max_parallel_workers_per_gather = 0")
        cursor.execute("SELECT count(*) FROM hours_hourrecord")
        (total,) = cursor.fetchone()
    base_wall, base_cpu, _groups = _timed(baseline)
    base_wall2, base_cpu2, _groups = _timed(baseline)
    first_wall, first_cpu, first = _timed(detect_anomalies)
    second_wall, second_cpu, second = _timed(detect_anomalies)
    return {
        "records": total,
        "baseline_s": min(base_wall, base_wall2),
        "baseline_cpu_s": min(base_cpu, base_cpu2),
        "first_s": first_wall,
        "first_cpu_s": first_cpu,
        "second_s": second_wall,
        "second_cpu_s": second_cpu,
        "found": {str(k): v for k, v in first.found.items()},
        "created": first.total_created,
        "created_again": second.total_created,
        "rule_s": {str(k): round(v, 2) for k, v in first.seconds.items()},
        "max_id": HourRecord.objects.order_by("-pk").values_list("pk", flat=True).first(),
    }


CHILDREN = {"build": child_build, "measure": child_measure}


# --- the parent ------------------------------------------------------------------------------


def run_child(kind: str, records: int, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, str(records)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed ({done.returncode})")
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def expected(planted: dict[str, int]) -> dict[str, int]:
    """The findings per rule the planted cases make: every other rule stays quiet."""
    from_rules = dict.fromkeys(
        (
            "overlapping_hours",
            "long_day",
            "bulk_identical",
            "self_confirmed",
            "outside_geofence",
            "under_age",
            "before_registration",
            "registrar_burst",
            "address_burst",
            "registrar_phone",
            "shared_mobile",
        ),
        0,
    )
    return {**from_rules, **planted}


def report(figures: dict[str, Any], planted: dict[str, int], *, busy: bool, quick: bool) -> int:
    ratio = figures["first_s"] / max(figures["baseline_s"], 1e-6)
    print(f"{figures['records']:,} records on PostgreSQL")
    print(f"{'measurement':<44}{'wall s':>9}{'CPU s':>9}{'× baseline':>12}")
    rows = (
        ("baseline: one GROUP BY pass over the ledger", "baseline_s", "baseline_cpu_s"),
        ("detect_anomalies, first run", "first_s", "first_cpu_s"),
        ("detect_anomalies, second run (adds nothing)", "second_s", "second_cpu_s"),
    )
    for label, wall, cpu in rows:
        times = figures[wall] / max(figures["baseline_s"], 1e-6)
        print(f"{label:<44}{figures[wall]:>9.1f}{figures[cpu]:>9.1f}{times:>12.1f}")
    print(f"per rule (first run, s): {figures['rule_s']}")
    print(
        f"flags raised: {figures['created']} (second run: {figures['created_again']}); "
        f"the job costs {ratio:.1f} passes of the baseline"
    )
    failed = 0
    if figures["found"] != expected(planted):
        print(f"FAILED: found {figures['found']}, planted {expected(planted)}")
        failed = 1
    if figures["created_again"] != 0:
        print("FAILED: the second run added flags")
        failed = 1
    spent = figures["first_cpu_s" if busy else "first_s"]
    if spent >= BUDGET_S:
        what = "CPU" if busy else "wall"
        print(
            f"{'FAILED' if not quick else 'over budget (quick mode)'}: {spent:.1f} s of {what} time"
        )
        failed = failed or (0 if quick else 1)
    return failed


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(CHILDREN[argv[1]](int(argv[2]))))
        return 0
    server_url = os.environ.get("BENCH_DATABASE_URL", "")
    reuse = os.environ.get("BENCH_ANOMALIES_REUSE", "")
    if not server_url and not reuse:
        print("skipped: set BENCH_DATABASE_URL to a PostgreSQL server URL (5 million records).")
        return 0
    quick = quick_mode()
    records = int(argv[0]) if argv else QUICK_RECORDS if quick else FULL_RECORDS
    print(f"load average before: {load()} on {os.cpu_count()} cores", flush=True)
    planted = {
        "overlapping_hours": PLANTED,
        "long_day": PLANTED,
        "under_age": PLANTED,
        "shared_mobile": PLANTED,
    }
    if reuse:
        return measure(postgres_env(reuse), records, planted, quick)
    from bench_hours import room_for

    short = room_for(records)
    if short:
        print(f"skipped: not enough disk for {records:,} records ({short}).")
        return 0
    database_url, drop = postgres_database(server_url)
    keep = os.environ.get("BENCH_ANOMALIES_KEEP", "") not in ("", "0")
    try:
        env = postgres_env(database_url)
        migrate(env)
        started = time.perf_counter()
        built = run_child("build", records, env)
        print(
            f"built {built['records']:,} records of {built['volunteers']:,} volunteers in "
            f"{time.perf_counter() - started:.0f} s (planting {built['plant_s']:.1f} s); "
            f"load average {load()}",
            flush=True,
        )
        code = measure(env, records, built["planted"], quick)
        if keep:
            print(f"kept: BENCH_ANOMALIES_REUSE={database_url}")
        return code
    finally:
        if not keep:
            drop()


def measure(env: dict[str, str], records: int, planted: dict[str, int], quick: bool) -> int:
    busy = os.getloadavg()[0] > (os.cpu_count() or 1)
    figures = run_child("measure", records, env)
    code = report(figures, planted, busy=busy, quick=quick)
    print(f"load average after: {load()}{' (busy: budget held against CPU time)' if busy else ''}")
    return code


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main(sys.argv[1:]))
