"""`zhiyuan report attachment3|5|6|7`: the tables as files from the command line."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.reports.conftest import STREET_CENTRE, Fixture
from tests.reports.readback import csv_table, xlsx_table
from tests.reports.statistics import Statistics


def test_the_command_writes_the_street_table_as_csv_and_xlsx(
    targets: Fixture, tmp_path: Path
) -> None:
    out = StringIO()
    with translation.override("en"):
        call_command(
            "report",
            "attachment3",
            "--under",
            STREET_CENTRE,
            "--format",
            "csv",
            "-o",
            str(tmp_path / "a3.csv"),
            stdout=out,
        )
        call_command(
            "report",
            "attachment3",
            "--under",
            STREET_CENTRE,
            "--date",
            targets.today.isoformat(),
            "-o",
            str(tmp_path / "a3.xlsx"),
            stdout=out,
        )
    header, rows = csv_table((tmp_path / "a3.csv").read_bytes())
    assert rows[-1] == ["Total", "", "", "", "245", "3", "2", "242", "1.2%"]
    assert xlsx_table((tmp_path / "a3.xlsx").read_bytes(), header) == (header, rows)
    assert "4 rows written" in out.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--under", "NOPE"], "No organisation has the code NOPE."),
        (["--under", STREET_CENTRE, "--date", "2026-02-30"], "--date takes a date"),
    ],
)
def test_the_command_refuses_bad_input(
    targets: Fixture, tmp_path: Path, arguments: list[str], message: str
) -> None:
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("report", "attachment3", *arguments, "-o", str(tmp_path / "x.csv"))
    assert not (tmp_path / "x.csv").exists()


def test_the_command_refuses_a_future_date(targets: Fixture, tmp_path: Path) -> None:
    tomorrow = (targets.today + timedelta(days=1)).isoformat()
    with translation.override("en"), pytest.raises(CommandError, match="in the future"):
        call_command(
            "report",
            "attachment3",
            "--under",
            STREET_CENTRE,
            "--date",
            tomorrow,
            "-o",
            str(tmp_path / "x.csv"),
        )


@pytest.mark.parametrize(
    ("table", "total"),
    [
        ("attachment5", "Total"),
        ("attachment6", "Total: 2 stations"),
        ("attachment7", "Total: 3 teams"),
    ],
)
def test_the_command_writes_each_new_table(
    statistics: Statistics, tmp_path: Path, table: str, total: str
) -> None:
    out = StringIO()
    with translation.override("en"):
        call_command(
            "report",
            table,
            "--under",
            STREET_CENTRE,
            "--format",
            "csv",
            "-o",
            str(tmp_path / "t.csv"),
            "--preparer",
            "王填表",
            stdout=out,
        )
        call_command(
            "report",
            table,
            "--under",
            STREET_CENTRE,
            "--format",
            "pdf",
            "-o",
            str(tmp_path / "t.pdf"),
            stdout=out,
        )
    _header, rows = csv_table((tmp_path / "t.csv").read_bytes())
    assert rows[-1][0] == total
    assert (tmp_path / "t.pdf").read_bytes().startswith(b"%PDF-")
