"""Benchmark: a street administrator's lists cost the street, not the city (issue 10, item 2).

Usage: python benchmarks/bench_scope.py [SMALL BIG]

Needs PostgreSQL (BENCH_DATABASE_URL names a server, as in bench_divisions.py; skipped, saying
so, without it). Builds 岳阳's structure with the real builders (the 2023 division codes from
`../shared/data/divisions/yueyang-430600-2023.csv`, or the copy the demo ships;
`build_structure`, the management area 岳阳经济技术开发区, `designate_standard_bodies`) in a
fresh database, then bulk-loads synthetic registrations (encrypted ID numbers and mobiles,
digests, numbers, statuses, dates) with COPY through `common.bulk.TableWriter`, not through the
services: STREET_ROWS of them in 岳阳楼街道 (its centre and stations), the rest spread over
every other registration body of the city and the stations under it. SMALL registrations in
all (default 100,000; 10,000 with BENCH_QUICK=1), then a copy of that database (CREATE
DATABASE … TEMPLATE) grown to BIG (default 1,000,000; 100,000 with BENCH_QUICK=1): the street
holds the same STREET_ROWS in both; only the city grows. Both are VACUUM ANALYZEd.

Then, in child processes that alternate between the two databases (ROUNDS rounds, so that the
machine's other work falls on both alike), a street administrator (430602001-SC) and the city
administrator (4306-GC) each read, through the real views with Django's test Client, REPEAT
times: the ledger page (/volunteers/), the progress page (/volunteers/progress/) and the API
list (/api/v1/volunteers/). It prints the median of each at both sizes and their ratio; the
street administrator's ratio is the figure of the issue's target (within 20 %: at most 1.2).

It also reads EXPLAIN (ANALYZE) of the street administrator's ledger query on the big database
and fails unless PostgreSQL reaches the scope through the two path indexes
(`volunteer_organization_path`, `volunteer_body_path`) without reading the whole table.

Fails (exit 1) when a street ratio is above MAX_RATIO, when the plan reads the table, or when
the street administrator does not see exactly STREET_ROWS registrations at both sizes.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench_divisions import migrate, postgres_database, postgres_env

REPO = Path(__file__).resolve().parent.parent
SHARED_DIVISIONS = REPO.parent / "shared" / "data" / "divisions" / "yueyang-430600-2023.csv"
FULL_SIZES = (100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)  # BENCH_QUICK=1 (`make bench`)
STREET = "430602001-SC"  # 岳阳楼街道's service centre
STREET_ROWS = 700  # the issue measured 680 of 100,018 in this street
ROUNDS = 3
REPEAT = 5
MAX_RATIO = 1.2
BATCH = 20_000
READS = {
    "ledger page": "/volunteers/",
    "progress page": "/volunteers/progress/",
    "API list": "/api/v1/volunteers/",
}
USERS = {"street": "bench_street_admin", "city": "bench_city_admin"}
SCOPE_INDEXES = ("volunteer_organization_path", "volunteer_body_path")


def _setup_django() -> None:
    import django

    django.setup()


# --- children: each prints one JSON line with its figures ---------------------------------


def child_setup() -> dict[str, Any]:
    """岳阳's divisions, standard structure, management area and registration bodies, and the
    two administrators (and a registrar, who confirms some registrations in person)."""
    _setup_django()
    from zhiyuan.accounts.models import Role, User
    from zhiyuan.demo.city import CITY, DIVISIONS_FILE, ETDZ_TOWNSHIPS
    from zhiyuan.divisions.importer import import_divisions
    from zhiyuan.divisions.models import Division
    from zhiyuan.organizations.enums import RoleKind
    from zhiyuan.organizations.models import Organization
    from zhiyuan.organizations.structure import build_structure, create_management_area
    from zhiyuan.volunteers.services import designate_standard_bodies

    source = SHARED_DIVISIONS if SHARED_DIVISIONS.is_file() else DIVISIONS_FILE
    import_divisions(source, year=2023)
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
    for username, code, kind in (
        (USERS["street"], STREET, RoleKind.ADMINISTRATOR),
        (USERS["city"], "4306-GC", RoleKind.ADMINISTRATOR),
        ("bench_registrar", STREET, RoleKind.REGISTRAR),
    ):
        user = User.objects.create_user(username, None, name=username)
        Role.objects.create(user=user, organization=Organization.objects.get(code=code), kind=kind)
    return {"organizations": Organization.objects.count(), "source": source.name}


NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def _people(first: int, count: int, points: Callable[[int], tuple[Any, Any]]) -> Iterator[dict]:
    """`count` synthetic registrations with serial numbers from `first` (unique ID numbers,
    mobiles and registration numbers by construction), registered at `points(serial)`:
    (body, organisation)."""
    from zhiyuan.accounts.models import User, mobile_digest
    from zhiyuan.common.identity import resident_id_check_character
    from zhiyuan.volunteers.enums import ConfirmationMethod, RegistrationStatus
    from zhiyuan.volunteers.models import document_digest

    registrar = User.objects.get(username="bench_registrar")
    born = date(1960, 1, 1)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    statuses = (
        [RegistrationStatus.ACTIVE] * 15
        + [RegistrationStatus.APPLIED] * 2
        + [RegistrationStatus.SUSPENDED, RegistrationStatus.CANCELLED]
    )
    for serial in range(first, first + count):
        body, organization = points(serial)
        birth = born + timedelta(days=serial // 500)
        male = serial % 2 == 1
        first17 = f"430602{birth:%Y%m%d}{(serial % 500) * 2 + male:03d}"[:17]
        number = first17 + resident_id_check_character(first17)
        mobile = f"199{serial:08d}"
        status = statuses[(serial * 7) % len(statuses)]
        applied = start + timedelta(minutes=(serial * 37) % 700_000)
        confirmed = status != RegistrationStatus.APPLIED
        in_person = confirmed and serial % 10 == 0
        yield {
            "body": body,
            "organization": organization,
            "organization_path": organization.path,
            "body_organization_path": body.organization.path,
            "status": status,
            "registration_number": f"{body.code}26{serial:08d}" if confirmed else None,
            "name": NAMES[serial % len(NAMES)] + GIVEN[(serial // 7) % len(GIVEN)],
            "gender": "male" if male else "female",
            "document_number": number,
            "document_digest": document_digest(number),
            "birth_date": birth,
            "mobile": mobile,
            "mobile_digest": mobile_digest(mobile),
            "applied_at": applied,
            "status_changed_at": applied,
            "confirmed_at": applied + timedelta(days=2) if confirmed else None,
            "registered_on": (applied + timedelta(days=2)).date() if confirmed else None,
            "confirmation_method": (
                ConfirmationMethod.IN_PERSON
                if in_person
                else ConfirmationMethod.SMS_CODE
                if confirmed
                else ""
            ),
            "confirmed_by": registrar if in_person else None,
            "confirmation_reason": "本人到场签字" if in_person else "",
        }


def child_load(first: int, count: int, street: int) -> dict[str, Any]:
    """Insert `count` registrations (serials from `first`), `street` of them in the street,
    with COPY (`common.bulk.TableWriter`); the path copies where the model has them."""
    _setup_django()
    import random

    from django.utils import timezone

    from zhiyuan.common.bulk import TableWriter
    from zhiyuan.organizations.enums import OrgKind
    from zhiyuan.organizations.models import Organization
    from zhiyuan.volunteers.enums import RegistrationChannel
    from zhiyuan.volunteers.models import RegistrationBody, Volunteer

    bodies = list(RegistrationBody.objects.select_related("organization").order_by("code"))
    stations = list(Organization.objects.filter(kind=OrgKind.SERVICE_STATION).order_by("path"))

    def under(body: Any) -> list[Any]:
        return [s for s in stations if s.path.startswith(body.organization.path)]

    street_body = next(b for b in bodies if b.organization.code == STREET)
    others = [(b, under(b)) for b in bodies if b is not street_body]
    street_stations = under(street_body)
    chance = random.Random(first)

    def points(serial: int) -> tuple[Any, Any]:
        if serial - first < street:
            places = street_stations
            body = street_body
        else:
            body, places = others[chance.randrange(len(others))]
        through = chance.choice(places) if places and chance.random() < 0.4 else body.organization
        return body, through

    fields = {field.name for field in Volunteer._meta.fields}
    varying = [
        name
        for name in next(_people(first, 1, lambda serial: (street_body, street_body.organization)))
        if name in fields
    ]
    writer = TableWriter(
        Volunteer,
        same={
            "channel": RegistrationChannel.IMPORT,
            "document_type": "resident_id",
            "privacy_notice_version": "2026-1",
            "id_consent_at": timezone.now(),
        },
        varying=varying,
    )
    started = time.perf_counter()
    batch: list[list[Any]] = []
    for item in _people(first, count, points):
        batch.append(writer.values(item))
        if len(batch) == BATCH:
            writer.insert_values(batch)
            batch = []
    if batch:
        writer.insert_values(batch)
    return {"rows": count, "seconds": time.perf_counter() - started}


def child_measure() -> dict[str, Any]:
    """Each read of each user REPEAT times through the real views (after one warm-up read);
    seconds per read, and how many registrations each user's API list counts."""
    _setup_django()
    from django.test import Client

    from zhiyuan.accounts.models import User

    times: dict[str, list[float]] = {}
    counts = {}
    for who, username in USERS.items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(User.objects.get(username=username))
        for read, url in READS.items():
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{who} {read}: {response.status_code}")
            if read == "API list":
                counts[who] = response.json()["count"]
            samples = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                client.get(url)
                samples.append(time.perf_counter() - started)
            times[f"{who}|{read}"] = samples
    return {"times": times, "counts": counts}


def child_explain() -> dict[str, Any]:
    """EXPLAIN (ANALYZE) of the street administrator's ledger query, as the ledger page runs
    it (`selectors.ledger`, deferred columns, newest first, the first page)."""
    _setup_django()
    from zhiyuan.accounts.models import User
    from zhiyuan.volunteers import selectors

    user = User.objects.get(username=USERS["street"])
    rows = selectors.ledger(user).defer(*selectors.LIST_DEFERRED, "document_number", "mobile")
    plan = rows.order_by("-applied_at", "-pk")[:50].explain(analyze=True)
    return {"plan": plan}


def child_total() -> dict[str, Any]:
    _setup_django()
    from zhiyuan.volunteers.models import Volunteer

    return {"volunteers": Volunteer.objects.count()}


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "setup": child_setup,
    "load": child_load,
    "measure": child_measure,
    "explain": child_explain,
    "total": child_total,
}


# --- the parent: databases, children, the table -------------------------------------------


def run(kind: str, env: dict[str, str], *args: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, *map(str, args)]
    output = subprocess.run(command, env=env, capture_output=True, text=True)
    if output.returncode != 0:
        sys.stderr.write(output.stderr[-5000:])
        raise SystemExit(f"{kind} failed ({output.returncode})")
    return json.loads(output.stdout.splitlines()[-1])


def sql(server_url: str, statement: str, database: str = "") -> None:
    import psycopg

    url = urlsplit(server_url)._replace(path=f"/{database}").geturl() if database else server_url
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def build(
    server_url: str, small: int, big: int, var_dir: str
) -> tuple[dict[str, dict[str, str]], Callable]:
    """The two databases (SMALL and BIG registrations), their environments and a function
    that drops both. The pages' static files are collected into `var_dir`, as a deployment
    does (without DEBUG, pages name them through the manifest)."""
    small_url, drop_small = postgres_database(server_url)
    env = {
        **postgres_env(small_url),
        "DJANGO_SETTINGS_MODULE": "zhiyuan.settings",
        "VAR_DIR": var_dir,
    }
    dropped: list[Callable[[], None]] = [drop_small]

    def drop() -> None:
        for function in dropped:
            function()

    try:
        migrate(env)
        collect = [sys.executable, "-m", "zhiyuan.manage", "collectstatic", "--noinput", "-v0"]
        subprocess.run(collect, env=env, check=True)
        setup = run("setup", env)
        print(f"structure: {setup['organizations']:,} organisations ({setup['source']})")
        loaded = run("load", env, 0, small, STREET_ROWS)
        print(f"loaded {small:,} registrations in {loaded['seconds']:.1f} s")
        small_name = urlsplit(small_url).path.lstrip("/")
        big_name = f"{small_name}_big"
        sql(server_url, f'CREATE DATABASE "{big_name}" TEMPLATE "{small_name}"')
        dropped.append(lambda: sql(server_url, f'DROP DATABASE IF EXISTS "{big_name}"'))
        big_url = urlsplit(small_url)._replace(path=f"/{big_name}").geturl()
        big_env = {**env, "DATABASE_URL": big_url}
        loaded = run("load", big_env, small, big - small, 0)
        print(f"loaded {big - small:,} more registrations in {loaded['seconds']:.1f} s")
        for name in (small_name, big_name):
            sql(server_url, "VACUUM ANALYZE", name)
    except BaseException:
        drop()
        raise
    return {"small": env, "big": big_env}, drop


def measure(envs: dict[str, dict[str, str]]) -> tuple[dict[str, dict[str, list[float]]], dict]:
    samples: dict[str, dict[str, list[float]]] = {"small": {}, "big": {}}
    counts = {}
    for _round in range(ROUNDS):
        for size, env in envs.items():
            figures = run("measure", env)
            counts[size] = figures["counts"]
            for key, values in figures["times"].items():
                samples[size].setdefault(key, []).extend(values)
    return samples, counts


def report(sizes: tuple[int, int], samples: dict[str, dict[str, list[float]]]) -> list[str]:
    small, big = sizes
    print(f"{'read':<15}{'user':<8}{f'{small:,} ms':>13}{f'{big:,} ms':>14}{'× (big/small)':>15}")
    failed = []
    for read in READS:
        for who in USERS:
            key = f"{who}|{read}"
            at_small = statistics.median(samples["small"][key]) * 1000
            at_big = statistics.median(samples["big"][key]) * 1000
            ratio = at_big / at_small
            print(f"{read:<15}{who:<8}{at_small:>13.1f}{at_big:>14.1f}{ratio:>15.2f}")
            if who == "street" and ratio > MAX_RATIO:
                failed.append(f"the street administrator's {read}: {ratio:.2f} × at {big:,}")
    return failed


def plan_problems(plan: str) -> list[str]:
    problems = [f"the plan does not use {index}" for index in SCOPE_INDEXES if index not in plan]
    if "Seq Scan on volunteers_volunteer" in plan:
        problems.append("the plan reads the whole volunteers table")
    return problems


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiyuan.settings")
        print(json.dumps(CHILDREN[argv[1]](*map(int, argv[2:])), default=str))
        return 0
    server_url = os.environ.get("BENCH_DATABASE_URL", "")
    if not server_url:
        print("skipped: the scoping benchmark needs PostgreSQL; set BENCH_DATABASE_URL.")
        return 0
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    sizes = (int(argv[0]), int(argv[1])) if len(argv) == 2 else QUICK_SIZES if quick else FULL_SIZES
    print(f"load average at the start: {load_average()}")
    with tempfile.TemporaryDirectory(prefix="zhiyuan-bench-") as var_dir:
        envs, drop = build(server_url, *sizes, var_dir)
        try:
            totals = [run("total", env)["volunteers"] for env in envs.values()]
            print(f"registrations: {totals[0]:,} and {totals[1]:,}; street: {STREET_ROWS:,}")
            print(f"measuring ({ROUNDS} rounds × {REPEAT} reads, alternating): {load_average()}")
            samples, counts = measure(envs)
            plan = run("explain", envs["big"])["plan"]
        finally:
            drop()
    failed = report(sizes, samples)
    print(f"load average at the end: {load_average()}")
    print(f"the street administrator's ledger query at {sizes[1]:,}:\n{plan}")
    failed += plan_problems(plan)
    for size, seen in counts.items():
        if seen["street"] != STREET_ROWS:
            failed.append(f"the street administrator sees {seen['street']:,} at the {size} size")
    for failure in failed:
        print(f"FAILED: {failure}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
