"""Each table's three forms show the same numbers: the page, the xlsx and the PDF (and the
CSV) read back agree cell by cell, and the PDF is what the plan asks for."""

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.reports.conftest import CITY, Fixture
from tests.reports.readback import (
    csv_table,
    page_table,
    pdf_finds_rows,
    pdf_lines,
    pdf_table,
    squeezed,
    xlsx_table,
)
from tests.reports.statistics import Statistics
from zhiyuan.accounts.models import User


def fetch(client: Client, what: str, day: Any, number: int = 3) -> Any:
    path = (
        f"/reports/attachment{number}/" if what == "page" else f"/reports/attachment{number}.{what}"
    )
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
    headers, pdf_rows = pdf_table(fetch(client, "pdf", targets.today).content, header)
    assert headers == squeezed([header])  # one page of rows; the notes and seal on the next
    assert pdf_rows == squeezed(rows)


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


# --- Attachments 5, 6 and 7, and the fonts of all four ---------------------------------------


@pytest.mark.parametrize("number", [5, 6, 7])
def test_each_new_tables_page_xlsx_pdf_and_csv_agree_cell_by_cell(
    number: int,
    statistics: Statistics,
    city_admin: User,
    login: Callable[[User], Client],
    tmp_path: Path,
) -> None:
    client = login(city_admin)
    header, rows = page_table(fetch(client, "page", statistics.today, number).content.decode())
    assert len(rows) == {5: 18, 6: 16, 7: 24}[number]
    assert xlsx_table(fetch(client, "xlsx", statistics.today, number).content, header) == (
        header,
        rows,
    )
    assert csv_table(fetch(client, "csv", statistics.today, number).content) == (header, rows)
    headers, pdf_rows = pdf_table(fetch(client, "pdf", statistics.today, number).content, header)
    assert headers and headers == squeezed([header]) * len(headers)
    assert len(headers) == {5: 1, 6: 2, 7: 2}[number]  # the header on every page
    assert pdf_rows == squeezed(rows)


@pytest.mark.parametrize("number", [3, 5, 6, 7])
def test_every_font_of_each_tables_pdf_is_embedded(
    number: int,
    statistics: Statistics,
    city_admin: User,
    login: Callable[[User], Client],
    tmp_path: Path,
) -> None:
    """pdffonts once listed an unembedded Helvetica beside Noto (a table cell's default font)."""
    content = fetch(login(city_admin), "pdf", statistics.today, number).content
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts is missing (apt-get install poppler-utils)")
    path = tmp_path / "fonts.pdf"
    path.write_bytes(content)
    listed = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    fonts = [(line.split()[0], line.split()[-5]) for line in listed]
    assert fonts, listed
    assert all(embedded == "yes" for _name, embedded in fonts), listed
    assert all("NotoSansCJK" in name for name, _embedded in fonts), listed
    text = "\n".join(pdf_lines(content, tmp_path))
    assert f"附件{number}" in text
