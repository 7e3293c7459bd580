"""Attachment 3's three forms show the same numbers: the page, the xlsx and the PDF (and the
CSV) read back agree cell by cell, and the PDF is what the plan asks for."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.test import Client

from tests.reports.conftest import CITY, Fixture
from tests.reports.readback import csv_table, page_table, pdf_finds_rows, pdf_lines, xlsx_table
from zhiyuan.accounts.models import User


def fetch(client: Client, what: str, day: Any) -> Any:
    path = "/reports/attachment3/" if what == "page" else f"/reports/attachment3.{what}"
    response = client.get(path, {"org": CITY, "date": day.isoformat()})
    assert response.status_code == 200, response.content[:500]
    return response


def test_the_page_the_xlsx_the_pdf_and_the_csv_agree_cell_by_cell(
    targets: Fixture, city_admin: User, login: Callable[[User], Client], tmp_path: Path
) -> None:
    client = login(city_admin)
    header, rows = page_table(fetch(client, "page", targets.today).content.decode())
    assert len(rows) == 20  # the hand-checked table of test_attachment3
    assert rows[0][4:] == ["10", "1", "0", "9", "10.0%"]

    assert xlsx_table(fetch(client, "xlsx", targets.today).content, header) == (header, rows)
    assert csv_table(fetch(client, "csv", targets.today).content) == (header, rows)
    lines = pdf_lines(fetch(client, "pdf", targets.today).content, tmp_path)
    assert pdf_finds_rows(lines, rows) == []


def test_the_pdf_names_the_unit_the_date_the_preparer_and_numbers_its_pages(
    targets: Fixture, city_admin: User, login: Callable[[User], Client], tmp_path: Path
) -> None:
    response = fetch(login(city_admin), "pdf", targets.today)
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(pdf_lines(response.content, tmp_path))
    assert "附件3" in text or "Attachment 3" in text
    assert "岳阳市发展志愿服务事业指导委员会" in text
    assert f"{targets.today.year}年{targets.today.month}月{targets.today.day}日" in text
    assert "周文明" in text  # the preparer, the city administrator
    assert "第 1 页，共 2 页" in text and "第 2 页，共 2 页" in text
