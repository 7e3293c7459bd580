"""Benchmark: the yearly-hours reminder (issue 13 §1) for 500,000 registered volunteers on
PostgreSQL: selecting those below the line and queueing one SMS each, against the plain way
(one volunteer at a time through the ORM and `send_sms`) in the same run.

Usage: python benchmarks/bench_recognition.py [VOLUNTEERS]

Needs BENCH_DATABASE_URL (a PostgreSQL server URL such as
postgres://postgres@127.0.0.1:5432/postgres; without it the benchmark is skipped). A database
zhiyuan_bench_<pid> is created on that server and dropped afterwards
(BENCH_RECOGNITION_KEEP=1 keeps it and prints its URL; BENCH_RECOGNITION_REUSE=<url> with the BENCH_RECOGNITION_KEYS it printed measures a
database kept earlier again, its reminders and messages deleted first; BENCH_PROFILE=1 prints
the run's profile).

The data: the divisions of 岳阳市 and their standard structure (bench_hours' city), VOLUNTEERS
registered volunteers (default 500,000; 20,000 with BENCH_QUICK=1) written as the roster import
writes them, and this year's service as the hours app's yearly tallies hold it
(`hours.models.ServiceYear`, what `hours.tallies` keeps from the confirmed records): seven in ten
volunteers served 0 to 47 hours with one organiser, the others nothing; one in a hundred opted
out of the reminder. About three in five are below the default 20 hours.

The measurements:
- the reminder run of 1 July (`recognition.services.send_hour_reminders`, what the periodic job
  and `zhiyuan send_hour_reminders` run): the tallies read, the registered volunteers read with
  their sealed mobiles, the `HourReminder` rows and the outbox rows written with COPY, the
  delivery tasks (one per 500 messages) enqueued in the database task queue at commit;
- the same day again: nothing is sent (each volunteer once per date);
- the plain way, on a sample of SAMPLE volunteers inside a transaction rolled back: per
  volunteer, whether they opted out or were reminded, their year's minutes, a `HourReminder`
  saved and `send_sms`; its time per volunteer times VOLUNTEERS is the baseline.
The budget (issue 13, Speed): the run under 60 s in the full mode (exit 1 when over); the
quick mode reports.
"""

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench_divisions import _peak_mib, migrate, postgres_database, postgres_env

REPO = Path(__file__).resolve().parent.parent
FULL = 500_000
QUICK = 20_000
SAMPLE = 2_000
BUDGET_S = 60.0


def quick_mode() -> bool:
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiyuan.settings")
    django.setup()


def _day() -> date:
    from django.utils import timezone

    return date(timezone.localdate().year, 7, 1)


def child_build(count: int) -> dict[str, Any]:
    """The city, `count` registered volunteers, this year's tallies and the opt-outs."""
    _setup_django()
    from django.db import transaction

    from bench_hours import build_city, insert_volunteers
    from zhiyuan.common.bulk import TableWriter
    from zhiyuan.hours.models import ServiceYear
    from zhiyuan.recognition.models import ReminderOptOut

    started = time.perf_counter()
    organizers = build_city()
    volunteers = insert_volunteers(count)
    people = time.perf_counter()
    year = _day().year
    writer = TableWriter(
        ServiceYear,
        same={"year": year},
        varying=["organizer", "organizer_path", "volunteer", "minutes", "records"],
    )
    rows = []
    for i, volunteer in enumerate(volunteers):
        if i % 10 < 3:
            continue
        organizer, path = organizers[(i * 31) % len(organizers)]
        hours = (i * 7919) % 48
        rows.append(
            writer.values(
                {
                    "organizer": organizer,
                    "organizer_path": path,
                    "volunteer": volunteer,
                    "minutes": hours * 60,
                    "records": max(1, hours // 3),
                }
            )
        )
    with transaction.atomic():
        for start in range(0, len(rows), 20000):
            writer.insert_values(rows[start : start + 20000])
        ReminderOptOut.objects.bulk_create(
            [ReminderOptOut(volunteer_id=v) for v in volunteers[::100]], batch_size=5000
        )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "volunteers": len(volunteers),
        "served": len(rows),
        "people_s": people - started,
        "tallies_s": time.perf_counter() - people,
        "peak_mib": _peak_mib(),
    }


def _plain(day: date, sample: int) -> tuple[float, int]:
    """The plain way on `sample` volunteers, rolled back: (seconds, reminded)."""
    from django.db import transaction
    from django.db.models import Sum

    from zhiyuan.common.outbox import send_sms
    from zhiyuan.hours.models import ServiceYear
    from zhiyuan.recognition import selectors
    from zhiyuan.recognition.models import HourReminder, ReminderOptOut
    from zhiyuan.volunteers.models import Volunteer
    from zhiyuan.volunteers.selectors import registered_volunteers

    reminded = 0
    started = time.perf_counter()
    with transaction.atomic():
        for volunteer in registered_volunteers(
            Volunteer.objects.select_related("organization")
            .only("pk", "mobile", "organization__path", "organization__depth")
            .order_by("pk")
        )[:sample]:
            if ReminderOptOut.objects.filter(volunteer=volunteer).exists():
                continue
            if HourReminder.objects.filter(volunteer=volunteer, day=day).exists():
                continue
            target = selectors.yearly_target_minutes(selectors.policy_for(volunteer.organization))
            served = (
                ServiceYear.objects.filter(volunteer=volunteer, year=day.year).aggregate(
                    s=Sum("minutes")
                )["s"]
                or 0
            )
            if served >= target:
                continue
            HourReminder.objects.create(
                volunteer=volunteer, day=day, minutes=served, target_minutes=target
            )
            send_sms(volunteer.mobile, "hour_reminder", {"hours": str(served // 60)})
            reminded += 1
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, reminded


def child_measure(count: int) -> dict[str, Any]:
    _setup_django()
    from zhiyuan.common.models import OutboundSms
    from zhiyuan.recognition.services import reminder_link, send_hour_reminders

    day = _day()
    if os.environ.get("BENCH_RECOGNITION_RESET"):
        from django_tasks_db.models import DBTaskResult

        from zhiyuan.recognition.models import HourReminder

        HourReminder.objects.all().delete()
        OutboundSms.objects.all().delete()
        DBTaskResult.objects.all().delete()
    reminder_link()  # the URLconf imported, as in a process that has answered a request
    sample = min(SAMPLE, count)
    plain_s, plain_reminded = _plain(day, sample)
    started = time.perf_counter()
    if os.environ.get("BENCH_PROFILE", "") not in ("", "0"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        sent = profile.runcall(send_hour_reminders, day=day)
        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    else:
        sent = send_hour_reminders(day=day)
    run_s = time.perf_counter() - started
    started = time.perf_counter()
    again = send_hour_reminders(day=day)
    again_s = time.perf_counter() - started
    from django_tasks_db.models import DBTaskResult

    tasks = DBTaskResult.objects.count()
    return {
        "sent": sent,
        "queued": OutboundSms.objects.filter(template="hour_reminder").count(),
        "tasks": tasks,
        "run_s": run_s,
        "again": again,
        "again_s": again_s,
        "plain_s": plain_s,
        "plain_sample": sample,
        "plain_reminded": plain_reminded,
        "peak_mib": _peak_mib(),
    }


CHILDREN = {"build": child_build, "measure": child_measure}


def run_child(kind: str, count: int, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, str(count)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed ({done.returncode})")
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(CHILDREN[argv[1]](int(argv[2]))))
        return 0
    server_url = os.environ.get("BENCH_DATABASE_URL", "")
    if not server_url:
        print("skipped: set BENCH_DATABASE_URL to a PostgreSQL server URL (500,000 volunteers).")
        return 0
    quick = quick_mode()
    count = int(argv[0]) if argv else QUICK if quick else FULL
    print(f"load average before: {load()} on {os.cpu_count()} cores", flush=True)
    reuse = os.environ.get("BENCH_RECOGNITION_REUSE", "")
    keep = os.environ.get("BENCH_RECOGNITION_KEEP", "") not in ("", "0")
    database_url, drop = (reuse, lambda: None) if reuse else postgres_database(server_url)
    try:
        env = {**postgres_env(database_url), "TASKS_BACKEND": "database"}
        if reuse:  # the kept database's synthetic people are sealed with its run's keys
            env["FIELD_ENCRYPTION_KEYS"] = os.environ["BENCH_RECOGNITION_KEYS"]
        if reuse:  # the messages of an earlier run go, so that this one sends them again
            env["BENCH_RECOGNITION_RESET"] = "1"
        else:
            migrate(env)
            built = run_child("build", count, env)
            print(
                f"{built['volunteers']:,} registered volunteers ({built['served']:,} with hours "
                f"this year): people {built['people_s']:.0f} s, tallies "
                f"{built['tallies_s']:.0f} s; load average {load()}",
                flush=True,
            )
        found = run_child("measure", count, env)
        if keep and not reuse:
            print(f"kept: BENCH_RECOGNITION_REUSE={database_url}")
            print(f"with BENCH_RECOGNITION_KEYS={env['FIELD_ENCRYPTION_KEYS']}")
    finally:
        if not keep:
            drop()
    per_volunteer = found["plain_s"] / found["plain_sample"]
    baseline = per_volunteer * count
    print(
        f"reminder run of {count:,} volunteers: {found['sent']:,} reminded, "
        f"{found['queued']:,} SMS queued, {found['tasks']:,} delivery tasks: {found['run_s']:.1f} s"
    )
    print(f"the same day again: {found['again']} reminded in {found['again_s']:.1f} s")
    print(
        f"plain way (one volunteer at a time, {found['plain_sample']:,} sampled, "
        f"{found['plain_reminded']:,} reminded): {per_volunteer * 1000:.2f} ms a volunteer, "
        f"{baseline:.0f} s for {count:,}; the bulk run is {baseline / found['run_s']:.1f}× faster"
    )
    print(f"peak memory {found['peak_mib']:.0f} MiB; load average after: {load()}")
    if found["again"] != 0 or found["queued"] != found["sent"]:
        print("FAILED: a volunteer was reminded twice, or a message is missing")
        return 1
    if found["run_s"] >= BUDGET_S:
        print(f"OVER BUDGET: the run took {BUDGET_S:.0f} s or more")
        return 0 if quick else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
