"""Benchmark: export a ledger of 100,000 volunteers (issue 10), against bare writes of its cells.

Usage: python benchmarks/bench_export.py [ROWS]

Builds the test world's city (tests/data/mini-divisions.csv, its standard structure and bodies)
in a fresh SQLite database in a temporary directory (and in a fresh PostgreSQL database when
BENCH_DATABASE_URL names a server, as in bench_divisions.py), and bulk-inserts ROWS synthetic
volunteers (default 100,000, or 10,000 with BENCH_QUICK=1, as `make bench` runs it) spread over
every registration body and the organisations they register through: most active with a
number, some applied or suspended; ID numbers, mobiles and look-up digests as the platform
stores them (encrypted). Then, each in its own child process, as the city's administrator:

- "export (masked), in the request": `exports.ledger_xlsx` over the whole ledger, as the web
  page answers at once below EXPORT_IMMEDIATE_ROWS;
- "export task (full values)": `export_requests.request_ledger_export(in_process=True)`, what
  the background worker does for a large export: read, decrypt, write the workbook, seal it
  (field keys) and store it, with progress; full ID numbers and phones, with a reason;
- "Attachment 2 (xlsx)": the allocation table with its counts over the same ledger;
- bare writes of the very cells of the masked export (computed first, not timed) with
  rustpy-xlsxwriter (the writer chosen, `common.xlsx`), XlsxWriter as the export used it
  before (and in its constant-memory mode) and PyExcelerate (when installed).

Each reports its wall time (the work only, not Python start-up or reading the cells for the
bare writes), the CPU time its process spent meanwhile (user + system; the database server's is
not counted), which a busy machine changes less than the wall time, and its peak resident
memory (ru_maxrss, the whole process including Django).
"× rust" and "× XlsxWriter" are a measurement's time over the bare write with rustpy-xlsxwriter
and with XlsxWriter, measured in the same run. The load average is printed before and after:
the machine's other work counts.

Fails (exit 1) when a process peaks above 1 GiB, when a workbook holds the wrong number of rows,
or when an export of 100,000 rows or more takes more than 5 s (issue 10): of wall time on a
machine whose load average was at most its number of cores when the run started, else of CPU
time (the run says which).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench_divisions import _peak_mib, migrate, postgres_database, postgres_env, sqlite_env

REPO = Path(__file__).resolve().parent.parent
FULL_ROWS = 100_000
QUICK_ROWS = 10_000  # BENCH_QUICK=1
MEMORY_BUDGET_MIB = 1024
TIME_BUDGET_S = 5.0
CITY_ADMIN = "bench_city_admin"
REASON = "基准测试：全市台账核对"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "䶮",
    "𠮷祥",
    "阿依古丽",
]
UNITS = [
    "岳阳市第一中学",
    "岳阳楼区人民医院",
    "湖南理工学院",
    "岳阳市公交集团",
    "",
    "南湖街道办事处",
    "",
]


# --- children: each prints one JSON line with its figures ---------------------------------


def _cpu_seconds() -> float:
    """User and system time of this process so far (the database server's is not counted)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiyuan.settings")
    django.setup()


def _city_admin() -> Any:
    from zhiyuan.accounts.models import User

    return User.objects.get(username=CITY_ADMIN)


def child_setup(rows: int) -> dict[str, Any]:
    """The test world's city, its bodies, the city's administrator, then `rows` volunteers."""
    _setup_django()
    from zhiyuan.accounts.models import Role, User
    from zhiyuan.divisions.importer import import_divisions
    from zhiyuan.divisions.models import Division
    from zhiyuan.organizations.enums import RoleKind
    from zhiyuan.organizations.models import Organization
    from zhiyuan.organizations.structure import build_structure
    from zhiyuan.volunteers.services import designate_standard_bodies, grant_delegation

    import_divisions(REPO / "tests" / "data" / "mini-divisions.csv", year=2023)
    build_structure(Division.objects.get(code="430600000000"), actor=None)
    city = Organization.objects.get(code="4306-GC")
    designate_standard_bodies(city, prefix="4306", actor=None)
    street = Organization.objects.get(code="430602001-SC")
    grant_delegation(
        street.registration_body, Organization.objects.get(code="430602001001-ST"), actor=None
    )
    user = User.objects.create_user(CITY_ADMIN, None, name="基准市管理员")
    Role.objects.create(user=user, organization=city, kind=RoleKind.ADMINISTRATOR)
    started = time.perf_counter()
    insert_volunteers(rows)
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_mib": _peak_mib()}


def _points() -> list[tuple[Any, Any]]:
    """(body, organisation) pairs: each body through its own organisation, and delegations."""
    from zhiyuan.volunteers.models import Delegation, RegistrationBody

    bodies = list(RegistrationBody.objects.select_related("organization").order_by("code"))
    points = [(body, body.organization) for body in bodies]
    for delegation in Delegation.objects.select_related("body", "organization"):
        points.append((delegation.body, delegation.organization))
    return points


def _person(i: int, points: list[tuple[Any, Any]], now: Any) -> dict[str, Any]:
    from zhiyuan.accounts.models import mobile_digest
    from zhiyuan.common.identity import resident_id_check_character
    from zhiyuan.volunteers.models import document_digest

    body, organization = points[i % len(points)]
    # Unique by construction: 1,000 people per birth date, the sequence tells them apart.
    birth = date(1955, 1, 1) + timedelta(days=(i // 1000) * 181)
    first17 = f"430602{birth:%Y%m%d}{i % 1000:03d}"
    number = first17 + resident_id_check_character(first17)
    mobile = f"139{i:08d}"
    status = "applied" if i % 10 == 3 else "suspended" if i % 20 == 7 else "active"
    registered = None if status == "applied" else (now - timedelta(days=i % 700)).date()
    return {
        "body": body,
        "organization": organization,
        "status": status,
        "registration_number": None if status == "applied" else f"{body.code}26{i:07d}",
        "applied_at": now - timedelta(days=i % 700, minutes=i % 1440),
        "status_changed_at": now,
        "confirmed_at": None if status == "applied" else now,
        "confirmation_method": "" if status == "applied" else "sms_code",
        "registered_on": registered,
        "name": SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)],
        "gender": "male" if int(first17[-1]) % 2 else "female",
        "document_type": "resident_id",
        "document_number": number,
        "document_digest": document_digest(number),
        "birth_date": birth,
        "political_status": ("public", "league_member", "party_member")[i % 3],
        "education": ("undergraduate", "senior_secondary", "college", "")[i % 4],
        "work_unit_name": UNITS[i % len(UNITS)],
        "mobile": mobile,
        "mobile_digest": mobile_digest(mobile),
        "skills": (["first_aid"], ["teaching", "legal"], [], ["photography"])[i % 4],
        "service_intentions": (["community_service"], ["civility", "empty_nest_elderly"])[i % 2],
        "available_times": ["weekend"],
        "organization_path": organization.path,
        "body_organization_path": body.organization.path,
    }


def insert_volunteers(rows: int) -> None:
    """`rows` volunteers written with the bulk writer the roster import uses."""
    from django.db import transaction
    from django.utils import timezone

    from zhiyuan.common.bulk import TableWriter, sqlite_page_cache
    from zhiyuan.volunteers.models import Volunteer

    now = timezone.now()
    points = _points()
    varying = [field for field in _person(0, points, now) if _has_field(Volunteer, field)]
    writer = TableWriter(
        Volunteer,
        same={
            "channel": "registrar",
            "privacy_notice_version": "2024-1",
            "id_consent_at": now,
        },
        varying=varying,
    )
    with transaction.atomic(), sqlite_page_cache(Volunteer):
        for start in range(0, rows, 5000):
            batch = range(start, min(rows, start + 5000))
            writer.insert_values([writer.values(_person(i, points, now)) for i in batch])


def _has_field(model: Any, name: str) -> bool:
    # The copies of the tree paths (issue 10, scoping) exist only from their migration on.
    return any(field.name == name for field in model._meta.concrete_fields)


def _rows_in(content: bytes) -> int:
    """Data rows of a workbook's first sheet (python-calamine, as the roster reader reads)."""
    import io

    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    return sum(1 for _row in workbook.get_sheet_by_index(0).iter_rows()) - 1


def child_export(_rows: int) -> dict[str, Any]:
    """The masked export as the web page writes it at once."""
    _setup_django()
    from zhiyuan.volunteers import exports, selectors

    user = _city_admin()
    started, cpu = time.perf_counter(), _cpu_seconds()
    content = exports.ledger_xlsx(user, exports.ordered_ledger(user, selectors.LedgerFilter()))
    figures = _figures(started, cpu)
    return {**figures, "rows": _rows_in(content)}


def child_task(_rows: int) -> dict[str, Any]:
    """A background export with full values, as the worker writes it, stored sealed."""
    _setup_django()
    from zhiyuan.volunteers import selectors
    from zhiyuan.volunteers.export_requests import request_ledger_export

    user = _city_admin()
    started, cpu = time.perf_counter(), _cpu_seconds()
    count = selectors.ledger(user).count()
    export = request_ledger_export(
        user, selectors.LedgerFilter(), full=True, reason=REASON, rows=count, in_process=True
    )
    figures = _figures(started, cpu)
    with export.file.open("rb") as file:
        rows = _rows_in(file.read())
    return {**figures, "rows": rows, "status": export.status}


def child_attachment2(_rows: int) -> dict[str, Any]:
    """Attachment 2 (one row per body) over the whole ledger, as xlsx."""
    _setup_django()
    from django.utils import timezone

    from zhiyuan.volunteers.allocation import allocation_table
    from zhiyuan.volunteers.documents import allocation_table_xlsx

    user = _city_admin()
    today = timezone.localdate()
    started, cpu = time.perf_counter(), _cpu_seconds()
    table = allocation_table(user, year=today.year)
    content = allocation_table_xlsx(table, year=today.year, today=today)
    return {**_figures(started, cpu), "rows": len(table), "bytes": len(content)}


def _cells() -> tuple[Any, list[list[Any]]]:
    """The masked export's table and its cells, row by row, as the export computes them."""
    _setup_django()
    from zhiyuan.volunteers import exports, selectors

    user = _city_admin()
    cells = exports.LedgerCells(user, {})
    queryset = exports.ordered_ledger(user, selectors.LedgerFilter())
    rows = [cells.row(values) for values in exports.ledger_values(queryset)]
    return exports.ledger_table(), rows


def child_write_rust(_rows: int) -> dict[str, Any]:
    from zhiyuan.common.xlsx import write_table

    table, rows = _cells()
    started, cpu = time.perf_counter(), _cpu_seconds()
    content = write_table(table, rows)
    return _written(started, cpu, content, len(rows))


def _xlsxwriter(constant_memory: bool) -> dict[str, Any]:
    """The cells written as the ledger export wrote them with XlsxWriter before issue 10."""
    import io

    import xlsxwriter

    table, rows = _cells()
    started, cpu = time.perf_counter(), _cpu_seconds()
    buffer = io.BytesIO()
    options = {"constant_memory": constant_memory, "strings_to_formulas": False}
    workbook = xlsxwriter.Workbook(buffer, {**options, "strings_to_numbers": False})
    sheet = workbook.add_worksheet(table.sheet[:31])
    text = workbook.add_format({"num_format": "@"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    bold = workbook.add_format({"bold": True, "bg_color": "#EAEEF2", "border": 1})
    for column, width in enumerate(table.widths):
        sheet.set_column(column, column, width, text)
    for column, header in enumerate(table.headers):
        sheet.write_string(0, column, header, bold)
    sheet.freeze_panes(1, 0)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(number, column, value, day)
            elif value is None:
                sheet.write_blank(number, column, None, text)
            else:
                sheet.write_string(number, column, value, text)
    sheet.autofilter(0, 0, max(len(rows), 1), len(table.headers) - 1)
    workbook.close()
    return _written(started, cpu, buffer.getvalue(), len(rows))


def child_write_xlsxwriter(_rows: int) -> dict[str, Any]:
    return _xlsxwriter(constant_memory=False)


def child_write_xlsxwriter_cm(_rows: int) -> dict[str, Any]:
    return _xlsxwriter(constant_memory=True)


def child_write_pyexcelerate(_rows: int) -> dict[str, Any]:
    import io

    try:
        from pyexcelerate import Format, Panes, Style, Workbook
    except ImportError:
        return {"skipped": "PyExcelerate is not installed (pip install pyexcelerate)"}
    table, rows = _cells()
    started, cpu = time.perf_counter(), _cpu_seconds()
    workbook = Workbook()
    sheet = workbook.new_sheet(table.sheet[:31], data=[list(table.headers), *rows])
    text, day = Style(format=Format("@")), Style(format=Format("yyyy-mm-dd"))
    for column in range(1, len(table.headers) + 1):
        sheet.set_col_style(column, day if column - 1 in table.date_columns else text)
    sheet.panes = Panes(y=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _written(started, cpu, buffer.getvalue(), len(rows))


def _figures(started: float, cpu: float) -> dict[str, Any]:
    """Wall and CPU seconds since `started` and `cpu`, and the peak memory so far."""
    return {
        "seconds": time.perf_counter() - started,
        "cpu": _cpu_seconds() - cpu,
        "peak_mib": _peak_mib(),
    }


def _written(started: float, cpu: float, content: bytes, rows: int) -> dict[str, Any]:
    return {**_figures(started, cpu), "rows": rows, "bytes": len(content)}


CHILDREN = {
    "setup": child_setup,
    "export": child_export,
    "task": child_task,
    "attachment2": child_attachment2,
    "write-rust": child_write_rust,
    "write-xlsxwriter": child_write_xlsxwriter,
    "write-xlsxwriter-cm": child_write_xlsxwriter_cm,
    "write-pyexcelerate": child_write_pyexcelerate,
}
WRITES = [
    ("bare write: rustpy-xlsxwriter (chosen)", "write-rust"),
    ("bare write: XlsxWriter", "write-xlsxwriter"),
    ("bare write: XlsxWriter constant_memory", "write-xlsxwriter-cm"),
    ("bare write: PyExcelerate", "write-pyexcelerate"),
]


# --- the parent: databases, children, the table -------------------------------------------


def measure(kind: str, rows: int, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, str(rows)]
    output = subprocess.run(command, env=env, capture_output=True, text=True)
    if output.returncode != 0:
        sys.stderr.write(output.stderr)
        raise SystemExit(f"{kind} failed ({output.returncode})")
    return json.loads(output.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def run_target(label: str, rows: int, env: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    env = {**env, "DJANGO_SETTINGS_MODULE": "zhiyuan.settings"}
    migrate(env)
    setup = measure("setup", rows, env)
    print(f"{label}: {rows:,} volunteers inserted in {setup['seconds']:.1f} s", flush=True)
    results = [
        (f"{label}: export (masked), in the request", measure("export", rows, env)),
        (f"{label}: export task (full values)", measure("task", rows, env)),
        (f"{label}: Attachment 2 (xlsx)", measure("attachment2", rows, env)),
    ]
    if label == "sqlite":  # the writes do not depend on the database
        results += [(name, measure(kind, rows, env)) for name, kind in WRITES]
    return results


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def report(results: list[tuple[str, dict[str, Any]]]) -> None:
    figures = dict(results)
    rust = figures["bare write: rustpy-xlsxwriter (chosen)"]
    xlsxwriter = figures["bare write: XlsxWriter"]
    print(
        f"{'measurement':<44}{'rows':>9}{'wall s':>8}{'CPU s':>7}{'peak MiB':>10}"
        f"{'× rust':>8}{'× XlsxWriter':>14}{'CPU × rust':>12}{'CPU × XlsxW':>13}"
    )
    for label, found in results:
        if "skipped" in found:
            print(f"{label:<44} skipped: {found['skipped']}")
            continue
        seconds, cpu = found["seconds"], found["cpu"]
        print(
            f"{label:<44}{found['rows']:>9,}{seconds:>8.2f}{cpu:>7.2f}{found['peak_mib']:>10.0f}"
            f"{seconds / rust['seconds']:>8.2f}{seconds / xlsxwriter['seconds']:>14.2f}"
            f"{cpu / rust['cpu']:>12.2f}{cpu / xlsxwriter['cpu']:>13.2f}"
        )


def failures(rows: int, results: list[tuple[str, dict[str, Any]]], *, busy: bool) -> list[str]:
    """What broke a budget. On a busy machine (`busy`: a load average above its cores when the
    run started) the time budget is held against the CPU time, which the other work changes
    less, and the wall time is only reported."""
    found = []
    measure = "cpu" if busy else "seconds"
    for label, figures in results:
        if "skipped" in figures:
            continue
        if figures["peak_mib"] > MEMORY_BUDGET_MIB:
            found.append(f"{label} peaked above {MEMORY_BUDGET_MIB} MiB")
        if "export" in label and figures["rows"] != rows:
            found.append(f"{label} wrote {figures['rows']:,} of {rows:,} rows")
        if "export" in label and rows >= FULL_ROWS and figures[measure] > TIME_BUDGET_S:
            kind = "of CPU" if busy else "of wall time"
            found.append(f"{label} took more than {TIME_BUDGET_S:.0f} s {kind}")
    return found


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(CHILDREN[argv[1]](int(argv[2]))))
        return 0
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    rows = int(argv[0]) if argv else QUICK_ROWS if quick else FULL_ROWS
    busy = os.getloadavg()[0] > (os.cpu_count() or 1)
    print(f"load average before: {_load()} on {os.cpu_count()} cores", flush=True)
    if busy:
        print("The machine is busy: the 5 s budget is held against CPU time, not wall time.")
    results = []
    with tempfile.TemporaryDirectory(prefix="zhiyuan-bench-") as var_dir:
        results += run_target("sqlite", rows, sqlite_env(var_dir))
    server_url = os.environ.get("BENCH_DATABASE_URL", "")
    if server_url:
        database_url, drop = postgres_database(server_url)
        try:
            with tempfile.TemporaryDirectory(prefix="zhiyuan-bench-") as var_dir:
                env = {**postgres_env(database_url), "VAR_DIR": var_dir}
                results += run_target("postgresql", rows, env)
        finally:
            drop()
    else:
        print("PostgreSQL skipped: set BENCH_DATABASE_URL to a server URL to include it.")
    report(results)
    print(f"load average after: {_load()}")
    found = failures(rows, results, busy=busy)
    for failure in found:
        print(f"FAILED: {failure}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
