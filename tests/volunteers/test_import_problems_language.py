"""A roster's problems are kept in no language (message ids and parameters) and read in the
reader's: a roster checked while the office used Chinese reads in English for an English
reader, on the page, in the API and in the error report; problems kept before read as kept."""

import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from knox.models import AuthToken

from tests.volunteers.people import synthetic_id, synthetic_mobile
from tests.volunteers.rosters import TODAY, checked
from zhiyuan.accounts.models import User
from zhiyuan.volunteers.imports import workbooks
from zhiyuan.volunteers.imports.check import check_roster
from zhiyuan.volunteers.imports.messages import shown
from zhiyuan.volunteers.imports.upload import upload_roster
from zhiyuan.volunteers.models import RosterImport

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked_in_chinese(registrar: User, body: Any) -> RosterImport:
    same = synthetic_id()
    lines = [
        "姓名,身份证号,手机号,政治面貌,居住社区",
        f"张一,{same},{synthetic_mobile()},群众,汴河社区",
        f"张二,{same},{synthetic_mobile()},群众,汴河社区",
        f"张三,{synthetic_id()},1381111,党员甲,没有这个社区",
    ]
    data = ("\n".join(lines) + "\n").encode()
    return checked(registrar, body, data, filename="名册.csv", language="zh-hans")


ENGLISH = [
    {"row": 3, "column": "B 身份证号", "message": "The same person as row 2 of this file."},
    {
        "row": 4,
        "column": "C 手机号",
        "message": "Enter an 11-digit mainland mobile number, such as 13800138000.",
    },
    {
        "row": 4,
        "column": "D 政治面貌",
        "message": "“党员甲” is not one of the choices; use the template's drop-down list.",
    },
    {
        "row": 4,
        "column": "E 居住社区",
        "message": "No community, village or street called “没有这个社区” in 岳阳楼区. Choose one "
        "from the template's list, or write its 12-digit code.",
    },
]


def _sorted(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(problems, key=lambda p: (p["row"], p["column"]))


def test_problems_are_kept_in_no_language_and_read_in_the_readers(
    checked_in_chinese: RosterImport,
) -> None:
    stored = _sorted(checked_in_chinese.problems)
    assert [p["message"] for p in stored] == [p["message"] for p in ENGLISH]
    assert stored[0]["texts"] == [
        {"template": "The same person as row %(row)s of this file.", "params": {"row": 2}}
    ]
    with translation.override("en"):
        assert _sorted([shown(p) for p in stored]) == ENGLISH
    with translation.override("zh-hans"):
        chinese = _sorted([shown(p) for p in stored])
    assert chinese[0]["message"] == "与本文件第 2 行是同一人。"
    assert chinese[1]["message"] == "请输入11位大陆手机号码，例如 13800138000。"


def test_the_page_the_api_and_the_report_read_in_the_readers_language(
    checked_in_chinese: RosterImport, registrar: User, login: Callable[[User], Client]
) -> None:
    client = login(registrar)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/volunteers/imports/{checked_in_chinese.pk}/")
    assert _sorted(page.context["problems"]) == ENGLISH
    _, token = AuthToken.objects.create(user=registrar)
    api = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")
    answer = api.get(f"/api/v1/roster-imports/{checked_in_chinese.pk}/").json()
    assert _sorted(answer["problems"]) == ENGLISH
    with translation.override("en"):
        report = workbooks.error_report_xlsx(checked_in_chinese)
    rows = list(openpyxl.load_workbook(io.BytesIO(report)).active.iter_rows(values_only=True))
    assert rows[2][-1] == "身份证号：The same person as row 2 of this file."


def test_problems_kept_before_read_as_they_were_kept(
    checked_in_chinese: RosterImport,
) -> None:
    old = {"row": 2, "column": "A 姓名", "message": "姓名只能包含文字"}
    with translation.override("en"):
        assert shown(old) == old


def test_why_a_file_failed_is_kept_in_no_language(
    registrar: User, body: Any, login: Callable[[User], Client]
) -> None:
    point = body("430602001-SC")
    roster_import = upload_roster(
        "姓名,备注\n张一,无\n".encode(),
        filename="名册.csv",
        body=point,
        organization=point.organization,
        actor=registrar,
        consent_affirmed=True,
        check=False,
    )
    with translation.override("zh-hans"):
        failed = check_roster(roster_import, today=TODAY)
    assert failed.status == "failed"
    assert failed.error_text == [
        {
            "template": "No header row found: one of the first %(rows)s rows must name the "
            "columns, e.g. 姓名, 身份证号, 手机号. Download the template to see them.",
            "params": {"rows": 20},
        }
    ]
    client = login(registrar)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(f"/volunteers/imports/{failed.pk}/").context["failure"]
    assert english.startswith("No header row found: one of the first 20 rows")
    chinese = login(registrar).get(f"/volunteers/imports/{failed.pk}/").context["failure"]
    assert chinese != english
    assert "No header" not in chinese
