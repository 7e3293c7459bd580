"""The README says what is true: its configuration table names every environment variable the
settings read, and its figures about the demo city are those of a loaded demo."""

import importlib.util
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from zhiyuan.activities.models import Activity, SignUp, Slot
from zhiyuan.common.models import OutboundSms
from zhiyuan.divisions.models import Division
from zhiyuan.hours import selectors as hours
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Membership, RegistrationBody, Volunteer

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_variable_is_documented() -> None:
    settings = (ROOT / "src" / "zhiyuan" / "settings.py").read_text()
    variables = set(re.findall(r'env_[a-z]+\(\s*"([A-Z_]+)"', settings))
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)`", readme, flags=re.MULTILINE))
    assert len(variables) >= 20
    assert variables - documented == set()


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme


def _readme() -> str:
    return (ROOT / "README.md").read_text()


def test_every_page_the_readme_names_resolves() -> None:
    """The structure step moved views between apps; the addresses people know must stay."""
    from django.urls import resolve

    paths = sorted(set(re.findall(r"`(/[a-z0-9_/.-]*/)`", _readme())))
    assert len(paths) >= 15
    resolved = {path: resolve(path).url_name for path in paths}
    assert all(resolved.values()), resolved


def test_every_command_the_readme_names_exists() -> None:
    from django.core.management import get_commands

    named = set(re.findall(r"`(?:\.venv/bin/)?zhiyuan ([a-z_]+)", _readme()))
    assert {"load_demo", "run_periodic", "import_roster", "db_worker"} <= named
    # rqworker comes with django-rq, installed only with TASKS_BACKEND=rq.
    assert importlib.util.find_spec("django_rq.management.commands.rqworker") is not None
    assert named - set(get_commands()) - {"rqworker"} == set()


def test_every_api_path_the_readme_names_is_in_the_schema() -> None:
    from drf_spectacular.generators import SchemaGenerator

    named = set(re.findall(r"`(?:[A-Z]+ )?(/api/v1/[a-z0-9_/-]+/)", _readme()))
    assert "/api/v1/auth/login/" in named
    schema_paths = set(SchemaGenerator().get_schema(request=None, public=True)["paths"])
    assert named - schema_paths == set()


def _prose(readme: str) -> str:
    """The README with its lines joined, so that a figure broken over two lines reads whole."""
    return " ".join(readme.split())


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _said(pattern: str, output: str) -> tuple[str, ...]:
    """The groups of the one line of `load_demo`'s output (spaces joined) matching `pattern`."""
    found = re.findall(pattern, output)
    assert len(found) == 1, f"{pattern!r} in {output!r}"
    return found[0] if isinstance(found[0], tuple) else (found[0],)


@pytest.mark.slow  # loads the demo city: its 2,049 divisions and 4,119 organisations
def test_the_readme_states_what_the_demo_city_holds(empty_db_tx: None) -> None:
    """Every figure the README gives about the demo, against a demo loaded as `make run` loads
    it (issue 9: it said 4,107 organisations of a tree that holds 4,110), and against what
    `load_demo` prints while loading it (it printed "4,110 organisations in all" before adding
    the 9 work units of the README's 4,119)."""
    printed = io.StringIO()
    call_command("load_demo", if_empty=True, stdout=printed)
    said = _prose(printed.getvalue())
    readme = _prose((ROOT / "README.md").read_text())
    divisions = re.search(
        r"2023 statistical codes: ([\d,]+) city, ([\d,]+) county-level, ([\d,]+) township-level, "
        r"([\d,]+) village-level divisions",
        readme,
    )
    assert divisions is not None
    levels = dict(Division.objects.values_list("level").annotate(n=Count("pk")))
    assert [_number(n) for n in divisions.groups()] == [levels[2], levels[3], levels[4], levels[5]]
    standard = re.search(r"builds the standard structure \(([\d,]+) organisations", readme)
    area = re.search(r"one management area, 岳阳经济技术开发区 \(([\d,]+) organisations", readme)
    total = re.search(r"([\d,]+) organisations in all", readme)
    units = re.search(r"and (\d+) synthetic work units of 岳阳楼区", readme)
    assert standard and area and total and units
    assert _number(area.group(1)) == Organization.objects.filter(code__startswith="YYETDZ-").count()
    assert _number(units.group(1)) == Organization.objects.filter(code__startswith="SYN").count()
    assert _number(standard.group(1)) + _number(area.group(1)) + _number(units.group(1)) == (
        _number(total.group(1))
    )
    assert _number(total.group(1)) == Organization.objects.count()
    assert divisions.groups() == _said(
        r"divisions: ([\d,]+) city, ([\d,]+) county-level, ([\d,]+) township-level, "
        r"([\d,]+) village-level",
        said,
    )
    assert (standard.group(1),) == _said(r"\(committees, [^)]*\)… ([\d,]+) organisations ", said)
    assert (units.group(1),) == _said(r" (\d+) work units ", said)
    assert (total.group(1),) == _said(r"([\d,]+) organisations in all", said)
    street = Organization.objects.get(code="430602001-SC")
    communities = re.search(r"that street's centre, team and (\d+) communities", readme)
    assert communities is not None
    assert _number(communities.group(1)) == (
        Organization.objects.filter(path__startswith=street.path, kind="service_station").count()
    )
    people = re.search(r"The ledger holds (\d+) synthetic people", readme)
    assert people is not None
    assert _number(people.group(1)) == Volunteer.objects.exclude(channel="synthetic").count()
    generated = re.search(
        r"([\d,]+) registered volunteers and ([\d,]+) applications awaiting", readme
    )
    assert generated is not None
    synthetic = Volunteer.objects.filter(channel="synthetic")
    assert [_number(n) for n in generated.groups()] == [
        synthetic.filter(status="active").count(),
        synthetic.filter(status="applied").count(),
    ]
    bodies = re.search(r"([\d,]+) registration bodies", readme)
    assert bodies is not None
    assert _number(bodies.group(1)) == RegistrationBody.objects.count()
    assert (bodies.group(1), people.group(1)) == _said(
        r"([\d,]+) registration bodies, ([\d,]+) synthetic people in the ledger", said
    )
    villages = re.search(
        r"the resident populations of its ([\d,]+) communities and villages", readme
    )
    assert villages is not None
    assert villages.groups() == _said(r" ([\d,]+) communities and villages ", said)
    assert generated.groups() == _said(
        r"([\d,]+) registered volunteers, ([\d,]+) awaiting confirmation", said
    )
    _the_readme_states_what_the_demo_year_holds(readme)


#: The notices the demo's year sends (`demo.year`): sign-ups, hours, a cancellation.
YEAR_TEMPLATES = (
    "activity_cancelled",
    "hours_recorded",
    "signup_approved",
    "signup_by_leader",
    "signup_promoted",
)


def _the_readme_states_what_the_demo_year_holds(readme: str) -> None:
    """The year of activities and hours (`demo.year`): the same figures on any day of the load."""

    def figures(pattern: str) -> list[int]:
        found = re.search(pattern, readme)
        assert found is not None, pattern
        return [_number(n) for n in found.groups()]

    statuses = dict(Activity.objects.values_list("status").annotate(n=Count("pk")))
    assert figures(r"([\d,]+) activities of eight stations and teams") == [Activity.objects.count()]
    assert figures(
        r"(\d+) held, (\d+) cancelled on the eve for the weather, and (\d+) open for sign-up"
    ) == [statuses["finished"], statuses["cancelled"], statuses["published"]]
    assert figures(r"([\d,]+) slots with their places, ([\d,]+) sign-ups") == [
        Slot.objects.count(),
        SignUp.objects.count(),
    ]
    records = dict(HourRecord.objects.values_list("status").annotate(n=Count("pk")))
    confirmed = HourRecord.objects.filter(status="confirmed")
    assert figures(
        r"([\d,]+) service records, ([\d,]+) confirmed in the hash chains of (\d+) organisers"
    ) == [
        sum(records.values()),
        records["confirmed"],
        confirmed.values("organizer").distinct().count(),
    ]
    assert figures(r"([\d,]+) awaiting confirmation \(the last ten days") == [records["pending"]]
    assert figures(r"(\d+) rejected \(entered for someone who did not come\)") == [
        records["rejected"]
    ]
    counted = hours.counted()
    assert figures(r"([\d,]+) hours counted for ([\d,]+) volunteers") == [
        hours.total_minutes(counted) // 60,
        counted.values("volunteer").distinct().count(),
    ]
    members = Membership.objects.filter(team__code="430602001001-TM", status="approved")
    assert figures(r"郭亮社区's team has (\d+) members") == [members.count()]
    # The year's texts are kept as sent, as the README says: none waits for the worker.
    assert "kept in the outbox as sent, not printed" in " ".join(_readme().split())
    notices = OutboundSms.objects.filter(template__in=YEAR_TEMPLATES)
    assert notices.count() == notices.exclude(sent_at=None).count() > 300


def test_every_make_target_the_readme_names_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    named = set(re.findall(r"`make ([a-z][a-z-]*)", _readme()))
    assert {"run", "test", "lint", "bench", "bench-full"} <= named
    assert named - targets == set()
