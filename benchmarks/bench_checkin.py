"""Benchmark: a check-in storm through the real HTTP stack (issue 12): 2,000 volunteers check in
to one running slot within a minute through the volunteers' check-in API, a quarter of them
sending their request twice with the same idempotency key, served by gunicorn on PostgreSQL.

Usage: python benchmarks/bench_checkin.py [VOLUNTEERS]

Needs BENCH_DATABASE_URL (a PostgreSQL server URL; a database zhiyuan_bench_public_<pid> is
created on it and dropped afterwards, as in bench_public.py); without it the benchmark is
skipped, saying why. With BENCH_QUICK=1 it runs 500 volunteers.

1. The test world's city (tests/data/mini-divisions.csv, its structure and registration
   bodies); VOLUNTEERS registered volunteers (default 2,000) bulk-inserted as the roster import
   writes them; a team leader of 郭亮社区's team, who creates an activity, adds a slot starting
   SLOT_STARTS_IN seconds later (3 hours long, a place for everyone) and publishes it, through
   the services; every volunteer's confirmed sign-up (bulk-inserted, as `sign_up` leaves it),
   then ANALYZE (as autovacuum would); a volunteer token each (`api.volunteer_auth.issue_token`,
   what the SMS log-in gives).
2. gunicorn with the project's configuration (`zhiyuan.gunicorn_conf`: 2 workers of 4 threads)
   on a free port of 127.0.0.1, always stopped afterwards (bench_public.gunicorn); 40 requests
   warm its threads.
3. Baseline, in the same run and under the same load: as many GETs of the log-in page.
4. Once the slot has started (the clock is not bent: the benchmark waits), the slot's QR code
   as the venue shows it (`checkin.slot_token`, taken at the start of a fresh window so that it
   stays valid for the whole bound), then the storm: one POST /api/v1/volunteer/check-ins/
   {code, direction: in, idempotency_key} per volunteer with their token, and the same POST
   again for every fourth volunteer 1 to 40 requests after the first (often while the first
   is still being answered: a phone retrying on a bad network).

The load: CONNECTIONS threads of this process, each over its own keep-alive connection
(http.client), take the requests in order and send each once, for at most BOUND_SECONDS; a
request whose connection the server closed without answering (gunicorn closes idle keep-alive
connections after 2 s, and a starved worker can close one a request was just sent on) is sent
again on a new connection, as a phone would, and counted as resent. (wrk was tried first: it
drops such a request and keeps its connections busy for its whole duration, so the count
could not be kept exact.) The client's own CPU per request is reported.

It prints requests/s and check-ins/s (over the time from the first request to the last answer),
p50, p99 and the longest latency, the answers by status (exactly one 201 per volunteer, 200
for every retry; the first answer of any other status), the CPU time gunicorn's processes and
the database's sessions spent per request (from /proc) and the rate those costs allow on idle
cores, the ratios to the baseline, and the load average before and after. Then it counts in
the database: every volunteer checked in exactly once, with their key. Fails (exit 1) when a
check-in is lost or duplicated, or an answer is not 201 or 200; the throughput (500/s) and
p99 (100 ms) aims are reported only.
"""

import http.client
import json
import math
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench_public import (
    cpu_seconds,
    gunicorn,
    load,
    postgres_database,
    postgres_env,
    quick_mode,
    zhiyuan,
)

REPO = Path(__file__).resolve().parent.parent
FULL_VOLUNTEERS = 2000
QUICK_VOLUNTEERS = 500
RETRY_EVERY = 4  # every fourth volunteer's request is sent twice
RETRY_WITHIN = 40  # requests after the first
CONNECTIONS = 20  # phones in flight at once (bench_public: wrk -c20)
BOUND_SECONDS = 60  # "within a minute"
SLOT_STARTS_IN = 30  # seconds after the slot is added and published
AIM_PER_SECOND = 500.0
AIM_P99_MS = 100.0
CHECKIN_PATH = "/api/v1/volunteer/check-ins/"
BASELINE_PATH = "/accounts/login/"


@dataclass(frozen=True)
class Storm:
    """What a load measured: answers, their latency, the time from the first request to the
    last answer, the answers by status, and the CPU the server and the client spent."""

    requests: int
    completed: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[int, int]
    refusals: dict[int, str]  # status -> the first answer with it, for those not 2xx
    resent: int  # sent again after the server closed a connection without answering
    errors: int  # never answered (five connections closed on it)
    gunicorn_cpu_ms: float  # per request
    database_cpu_ms: float  # per request: the server's sessions of the benchmark's database
    client_cpu_ms: float  # per request: this process's threads sending them

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    @property
    def idle_capacity(self) -> float:
        """Requests/s these CPU costs allow on the machine's idle cores."""
        cost = self.gunicorn_cpu_ms + self.database_cpu_ms
        return (os.cpu_count() or 1) * 1000 / cost if cost else 0.0


# --- the children: Django in their own processes --------------------------------------------


def _setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiyuan.settings")
    django.setup()


def child_setup(volunteers: int, out: Path) -> None:
    """The city, the volunteers, the activity and its slot (starting SLOT_STARTS_IN seconds
    from now), the sign-ups; writes `out`: the slot's id and start, then a line per volunteer:
    idempotency key and token."""
    _setup_django()
    from django.db import connection
    from django.utils import timezone

    from bench_hours import insert_volunteers
    from zhiyuan.accounts.models import Role, User
    from zhiyuan.activities import services
    from zhiyuan.activities.models import Category, SignUp
    from zhiyuan.api.volunteer_auth import issue_token
    from zhiyuan.divisions.importer import import_divisions
    from zhiyuan.divisions.models import Division
    from zhiyuan.organizations.models import Organization
    from zhiyuan.organizations.structure import build_structure
    from zhiyuan.volunteers.models import Volunteer
    from zhiyuan.volunteers.services import designate_standard_bodies

    import_divisions(REPO / "tests" / "data" / "mini-divisions.csv", year=2023)
    build_structure(Division.objects.get(code="430600000000"), actor=None)
    designate_standard_bodies(Organization.objects.get(code="4306-GC"), prefix="4306", actor=None)
    ids = insert_volunteers(volunteers)
    team = Organization.objects.get(code="430602001001-TM")
    leader = User.objects.create_user("bench_team_leader", None, name="基准队长")
    Role.objects.create(user=leader, organization=team, kind="team_leader")
    activity = services.create_activity(
        team,
        actor=leader,
        details={
            "title": "文明交通志愿服务",
            "category": Category.objects.get(code="culture"),
            "address": "岳阳楼区郭亮社区",
            "division": Division.objects.get(code="430602001001"),
        },
    )
    starts = timezone.now().replace(microsecond=0) + timezone.timedelta(seconds=SLOT_STARTS_IN)
    slot = services.add_slot(
        activity,
        actor=leader,
        starts_at=starts,
        ends_at=starts + timezone.timedelta(hours=3),
        capacity=volunteers,
    )
    services.publish_activity(activity, actor=leader)
    now = timezone.now()
    SignUp.objects.bulk_create(
        [
            SignUp(
                slot=slot,
                volunteer_id=pk,
                status="confirmed",
                source="self",
                signed_up_at=now,
                status_changed_at=now,
            )
            for pk in ids
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        # The planner's statistics of the tables just filled, as autovacuum gathers them
        # within a minute of such a load (without them it joins all 2,000 sign-ups of the
        # slot to find one volunteer's).
        cursor.execute("ANALYZE")
    digests = dict(Volunteer.objects.values_list("pk", "mobile_digest"))
    lines = [f"{slot.pk}\t{starts.timestamp():.0f}"]
    lines += [f"ck-{uuid.uuid4().hex[:24]}\t{issue_token(digests[pk])}" for pk in ids]
    out.write_text("\n".join(lines) + "\n")


def child_code(_volunteers: int, out: Path) -> None:
    """The slot's QR code, as the venue shows it, taken at the start of a fresh window (the
    current and the previous window's codes are accepted: it then holds for two windows)."""
    _setup_django()
    from django.conf import settings

    from zhiyuan.activities.models import Slot
    from zhiyuan.hours import checkin

    slot = Slot.objects.get(pk=int(out.read_text().split("\t")[0]))
    if checkin.seconds_left() < settings.HOURS_QR_SECONDS - 1:
        time.sleep(checkin.seconds_left() + 0.2)
    out.write_text(checkin.slot_token(slot))


def child_count(volunteers: int, out: Path) -> None:
    """Writes the attendances of the slot: intervals, distinct volunteers, distinct keys."""
    _setup_django()
    from django.db.models import Count

    from zhiyuan.hours.models import Attendance

    slot, _start = out.read_text().splitlines()[0].split("\t")
    found = Attendance.objects.filter(slot_id=int(slot)).aggregate(
        intervals=Count("pk"),
        volunteers=Count("volunteer", distinct=True),
        keys=Count("in_key", distinct=True),
    )
    keys = set(Attendance.objects.filter(slot_id=int(slot)).values_list("in_key", flat=True))
    wanted = {line.split("\t")[0] for line in out.read_text().splitlines()[1:]}
    out.with_suffix(".count").write_text(
        f"{found['intervals']} {found['volunteers']} {found['keys']} {len(wanted - keys)}"
    )


CHILDREN = {"setup": child_setup, "code": child_code, "count": child_count}


def run_child(kind: str, volunteers: int, path: Path, env: dict[str, str]) -> None:
    command = [sys.executable, __file__, "--child", kind, str(volunteers), str(path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{kind} failed ({done.returncode})")


# --- the load: threads over keep-alive connections --------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


def database_backends(server_url: str, database: str) -> set[int]:
    """Process ids of the server's sessions on `database` (gunicorn's connections)."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        ).fetchall()
    return {int(pid) for (pid,) in rows}


def process_cpu(pid: int) -> float | None:
    """User and system CPU seconds of process `pid`; None once it has ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class DatabaseCpu(threading.Thread):
    """Follows the CPU time of the database's sessions on `database` while the load runs:
    gunicorn's threads open and close connections (CONN_MAX_AGE), so the sessions are looked
    for again every SAMPLE_SECONDS; a session's CPU is its last reading less its first (or
    all of it when it was opened meanwhile). What a session spent after its last reading is
    missed: a little under the truth."""

    SAMPLE_SECONDS = 0.25

    def __init__(self, server_url: str, database: str) -> None:
        super().__init__(daemon=True)
        self.server_url, self.database = server_url, database
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stopping = threading.Event()
        for pid in database_backends(server_url, database):
            self._read(pid, existing=True)

    def _read(self, pid: int, *, existing: bool) -> None:
        spent = process_cpu(pid)
        if spent is None:
            return
        self.first.setdefault(pid, spent if existing else 0.0)
        self.last[pid] = spent

    def run(self) -> None:
        while not self.stopping.wait(self.SAMPLE_SECONDS):
            for pid in database_backends(self.server_url, self.database) | set(self.first):
                self._read(pid, existing=False)

    def seconds(self) -> float:
        self.stopping.set()
        self.join()
        for pid in list(self.first):
            self._read(pid, existing=False)
        return sum(self.last[pid] - self.first[pid] for pid in self.first)


def send_all(
    base: str, requests: list[Request], server: int, server_url: str, database: str
) -> Storm:
    """Send each request once, in order, over CONNECTIONS keep-alive connections (a thread
    each), for at most BOUND_SECONDS; a request whose connection the server closed before
    answering is sent again on a new one, as a phone does (counted as resent)."""
    host, port = base.removeprefix("http://").split(":")
    pending: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(requests)):
        pending.put(index)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    refusals: dict[int, str] = {}  # the first answer of each status other than 2xx
    resent = errors = 0
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + BOUND_SECONDS
    last_answer = started

    def work() -> None:
        nonlocal resent, errors, last_answer
        connection = http.client.HTTPConnection(host, int(port), timeout=BOUND_SECONDS)
        while time.perf_counter() < deadline:
            try:
                request = requests[pending.get_nowait()]
            except queue.Empty:
                break
            sent = time.perf_counter()
            for _attempt in range(5):
                try:
                    connection.request(
                        request.method, request.path, body=request.body, headers=request.headers
                    )
                    response = connection.getresponse()
                    body = response.read()
                except (http.client.HTTPException, OSError):
                    connection.close()
                    connection = http.client.HTTPConnection(host, int(port), timeout=BOUND_SECONDS)
                    with lock:
                        resent += 1
                    continue
                answered = time.perf_counter()
                with lock:
                    latencies.append(answered - sent)
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                    if response.status >= 300:
                        refusals.setdefault(response.status, body[:300].decode(errors="replace"))
                    last_answer = max(last_answer, answered)
                break
            else:
                with lock:
                    errors += 1
        connection.close()

    cpu_before, client_before = cpu_seconds(server), time.process_time()
    database_cpu = DatabaseCpu(server_url, database)
    database_cpu.start()
    started = time.perf_counter()
    workers = [threading.Thread(target=work) for _ in range(CONNECTIONS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return storm_figures(
        requests=len(requests),
        latencies=latencies,
        seconds=last_answer - started,
        statuses=statuses,
        refusals=refusals,
        resent=resent,
        errors=errors,
        cpu=(
            cpu_seconds(server) - cpu_before,
            database_cpu.seconds(),
            time.process_time() - client_before,
        ),
    )


def storm_figures(
    *,
    requests: int,
    latencies: list[float],
    seconds: float,
    statuses: dict[int, int],
    refusals: dict[int, str],
    resent: int,
    errors: int,
    cpu: tuple[float, float, float],
) -> Storm:
    ordered = sorted(latencies)
    completed = len(ordered)

    def percentile(share: float) -> float:
        if not ordered:
            return 0.0
        return ordered[min(completed - 1, math.ceil(share * completed) - 1)] * 1000

    gunicorn_cpu, database_cpu, client_cpu = cpu
    return Storm(
        requests=requests,
        completed=completed,
        seconds=seconds,
        p50_ms=percentile(0.50),
        p99_ms=percentile(0.99),
        max_ms=ordered[-1] * 1000 if ordered else 0.0,
        statuses=statuses,
        refusals=refusals,
        resent=resent,
        errors=errors,
        gunicorn_cpu_ms=gunicorn_cpu * 1000 / completed if completed else 0.0,
        database_cpu_ms=database_cpu * 1000 / completed if completed else 0.0,
        client_cpu_ms=client_cpu * 1000 / completed if completed else 0.0,
    )


def storm_requests(people: list[tuple[str, str]], code: str) -> list[Request]:
    """Each volunteer's check-in, and a retry of every RETRY_EVERY-th one 1 to RETRY_WITHIN
    requests after it (the same key and body), in sending order."""
    order: list[tuple[float, int]] = [(float(i), i) for i in range(len(people))]
    for i in range(0, len(people), RETRY_EVERY):
        order.append((i + 1 + (i * 7919) % RETRY_WITHIN + 0.5, i))
    made = []
    for _position, i in sorted(order):
        key, token = people[i]
        body = {"code": code, "direction": "in", "idempotency_key": key}
        headers = {"Authorization": f"Volunteer {token}", "Content-Type": "application/json"}
        made.append(Request("POST", CHECKIN_PATH, headers, json.dumps(body).encode()))
    return made


# --- the report ------------------------------------------------------------------------------


def report(baseline: Storm, storm: Storm, volunteers: int) -> None:
    print(
        f"{'':<24}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
        f"{'resent':>7}{'CPU ms':>8}{'DB ms':>7}{'client ms':>10}{'idle req/s':>11}"
    )
    for label, found in (("baseline: log-in page", baseline), ("check-ins (API)", storm)):
        print(
            f"{label:<24}{found.completed:>9,}{found.per_second:>8.1f}{found.p50_ms:>8.1f}"
            f"{found.p99_ms:>8.1f}{found.max_ms:>8.1f}{found.resent:>7}"
            f"{found.gunicorn_cpu_ms:>8.2f}{found.database_cpu_ms:>7.2f}"
            f"{found.client_cpu_ms:>10.2f}{found.idle_capacity:>11.0f}"
        )
    checkins = volunteers / storm.seconds if storm.seconds else 0.0
    cost = storm.gunicorn_cpu_ms + storm.database_cpu_ms
    print(
        f"check-ins/s: {checkins:.1f} ({volunteers:,} in {storm.seconds:.2f} s); requests/s × "
        f"log-in page: {storm.per_second / baseline.per_second:.2f}; CPU per request × log-in "
        f"page: {cost / (baseline.gunicorn_cpu_ms + baseline.database_cpu_ms):.2f}"
    )
    answers = ", ".join(f"{status} × {n:,}" for status, n in sorted(storm.statuses.items()))
    print(f"answers: {answers}; never answered: {storm.errors}")
    for status, body in sorted(storm.refusals.items()):
        print(f"first {status} answer: {body}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        CHILDREN[argv[1]](int(argv[2]), Path(argv[3]))
        return 0
    server_url = os.environ.get("BENCH_DATABASE_URL", "")
    if not server_url:
        print("skipped: set BENCH_DATABASE_URL to a PostgreSQL server URL (the storm needs it).")
        return 0
    volunteers = int(argv[0]) if argv else QUICK_VOLUNTEERS if quick_mode() else FULL_VOLUNTEERS
    print(
        f"{volunteers:,} volunteers, {requests_for(volunteers):,} requests over {CONNECTIONS} "
        f"connections, bound {BOUND_SECONDS} s; cores: {os.cpu_count()}; load average {load()}",
        flush=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="zhiyuan-bench-checkin-") as var_dir,
        postgres_database(server_url) as database_url,
    ):
        env = postgres_env(var_dir, database_url)
        return storm_run(Path(var_dir), env, server_url, volunteers)


def requests_for(volunteers: int) -> int:
    return volunteers + -(-volunteers // RETRY_EVERY)


def storm_run(var_dir: Path, env: dict[str, str], server_url: str, volunteers: int) -> int:
    started = time.perf_counter()
    zhiyuan(env, "migrate", "--noinput", "--verbosity", "0")
    zhiyuan(env, "collectstatic", "--noinput", "--verbosity", "0")
    people_file = var_dir / "people.tsv"
    run_child("setup", volunteers, people_file, env)
    slot_line, *rest = people_file.read_text().splitlines()
    starts_at = float(slot_line.split("\t")[1])
    people = [(line.split("\t")[0], line.split("\t")[1]) for line in rest]
    print(f"set up in {time.perf_counter() - started:.0f} s; load average {load()}", flush=True)
    database = env["DATABASE_URL"].rsplit("/", 1)[1]
    count = requests_for(len(people))
    with gunicorn(env, var_dir / "gunicorn.log") as (base, server):
        # Every worker thread opens its database connection and builds what it keeps.
        warm = [
            Request("GET", "/api/v1/volunteer/hours/", {"Authorization": f"Volunteer {token}"})
            for _key, token in people[:40]
        ]
        send_all(base, warm, server, server_url, database)
        logins = [Request("GET", BASELINE_PATH, {})] * count
        baseline = send_all(base, logins, server, server_url, database)
        time.sleep(max(0.0, starts_at + 1 - time.time()))  # the slot is running from here
        code_file = var_dir / "code.txt"
        code_file.write_text(slot_line)
        run_child("code", volunteers, code_file, env)
        requests = storm_requests(people, code_file.read_text().strip())
        storm = send_all(base, requests, server, server_url, database)
    run_child("count", volunteers, people_file, env)
    intervals, checked_in, keys, missing = (
        int(n) for n in people_file.with_suffix(".count").read_text().split()
    )
    report(baseline, storm, volunteers)
    lost, duplicated = missing, intervals - checked_in
    print(
        f"database: {intervals:,} check-ins of {checked_in:,} volunteers with {keys:,} keys: "
        f"lost {lost}, duplicated {duplicated}"
    )
    print(f"load average after: {load()}")
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print(
            "Other work kept the cores busy: requests/s and latencies are the machine's share; "
            "the CPU ms per request are the check-in's."
        )
    failures = []
    if lost or duplicated:
        failures.append(f"{lost} check-ins lost, {duplicated} duplicated")
    expected = {201: volunteers, 200: count - volunteers}
    if storm.statuses != expected or storm.errors:
        failures.append(f"answers {storm.statuses}, expected {expected}")
    if volunteers / max(storm.seconds, 1e-9) < AIM_PER_SECOND or storm.p99_ms > AIM_P99_MS:
        print(
            f"below the aim ({AIM_PER_SECOND:.0f} check-ins/s with p99 under "
            f"{AIM_P99_MS:.0f} ms): reported, not failed"
        )
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
