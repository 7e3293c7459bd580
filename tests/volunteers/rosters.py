"""Small registration rosters as offices make them, for the tests of the import pages, the API
and the browser: a title row above the header, ID and phone columns written as text."""

import io
from datetime import date
from typing import Any

import xlsxwriter
from django.utils import translation

from tests.volunteers.people import STREET, synthetic_id, synthetic_mobile
from zhiyuan.volunteers.imports.check import check_roster
from zhiyuan.volunteers.imports.upload import upload_roster
from zhiyuan.volunteers.models import RosterImport

#: The day roster checks are run on, so that ages and dates in rosters stay fixed.
TODAY = date(2026, 11, 29)

HEADER = ["序号", "姓名", "性别", "身份证号", "手机号", "政治面貌", "所属小组"]
TITLE = "岳阳楼街道志愿者登记表"


def roster_xlsx(rows: list[list[object]], *, title: str | None = TITLE) -> bytes:
    """An xlsx roster with HEADER on row 3 under a merged title (rows start on Excel row 4),
    or on row 1 without a title; strings are written as text cells."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("名册")
    text = book.add_format({"num_format": "@"})
    top = 0
    if title:
        sheet.merge_range(0, 0, 0, len(HEADER) - 1, title)
        top = 2
    sheet.write_row(top, 0, HEADER)
    for offset, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(top + offset, column, value, text)
            else:
                sheet.write(top + offset, column, value)
    book.close()
    return buffer.getvalue()


def person(number: int, name: str, *, birth: str = "19900101", male: bool = True) -> list[object]:
    """One valid row: serial number, name, gender, a synthetic ID, a mobile, political status."""
    return [
        number,
        name,
        "男" if male else "女",
        synthetic_id(birth, male=male),
        synthetic_mobile(),
        "群众",
        "一组",
    ]


def uploaded(
    registrar: Any, body: Any, data: bytes, *, filename: str = "名册.xlsx"
) -> RosterImport:
    """`data` uploaded by `registrar` into 岳阳楼街道's body (`body` is the fixture), unchecked."""
    point = body(STREET)
    return upload_roster(
        data,
        filename=filename,
        body=point,
        organization=point.organization,
        actor=registrar,
        consent_affirmed=True,
        check=False,
    )


def checked(
    registrar: Any,
    body: Any,
    data: bytes,
    *,
    filename: str = "名册.xlsx",
    language: str | None = "en",
) -> RosterImport:
    """`uploaded`, then checked on TODAY with its problems worded in `language` (None: the
    default language)."""
    roster_import = uploaded(registrar, body, data, filename=filename)
    if language is None:
        return check_roster(roster_import, today=TODAY)
    with translation.override(language):
        return check_roster(roster_import, today=TODAY)
