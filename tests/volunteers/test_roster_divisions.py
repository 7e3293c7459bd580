"""Where a person lives, on a roster: offices write the community's name (as the template's
list offers it), or its 12-digit code. Names resolve within the district of the registration
body; a name two communities share asks for the street as well."""

import io
from typing import Any

import openpyxl
import pytest
from django.utils import translation

from tests.volunteers.people import synthetic_id, synthetic_mobile
from tests.volunteers.rosters import checked
from zhiyuan.accounts.models import User
from zhiyuan.divisions.models import Division
from zhiyuan.volunteers.imports import workbooks

pytestmark = pytest.mark.django_db


def roster(*homes: str) -> bytes:
    lines = ["姓名,身份证号,手机号,居住社区"]
    for name, home in zip("一二三四五六七八九", homes, strict=False):
        lines.append(f"张{name},{synthetic_id()},{synthetic_mobile()},{home}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def two_chaoyang() -> None:
    """A second 朝阳社区 in the district, under 岳阳楼街道 (the other is in 三眼桥街道)."""
    Division.objects.create(
        code="430602001009",
        name="朝阳社区",
        level=5,
        parent_id="430602001000",
        year=2023,
    )


def test_a_communitys_name_resolves_like_its_code(registrar: User, body: Any) -> None:
    result = checked(
        registrar,
        body,
        roster("汴河社区", "430602001001", "三眼桥街道", " 桃花山社区 ", "三眼桥街道/朝阳社区"),
    )
    assert (result.rows_valid, result.problems) == (5, [])


def test_a_shared_name_asks_for_the_street_and_an_unknown_one_says_where_it_looked(
    registrar: User, body: Any, two_chaoyang: None
) -> None:
    result = checked(
        registrar, body, roster("朝阳社区", "岳阳楼街道朝阳社区", "三眼桥街道 朝阳社区", "长岭街道")
    )
    assert result.rows_valid == 2
    assert [(p["row"], p["column"]) for p in result.problems] == [
        (2, "D 居住社区"),
        (5, "D 居住社区"),
    ]
    with translation.override("en"):
        assert [str(p["message"]) for p in result.problems] == [
            "“朝阳社区” names 2 places in 岳阳楼区: 岳阳楼街道/朝阳社区, 三眼桥街道/朝阳社区. "
            "Write the street as well, as in the template's list, or the 12-digit code.",
            "No community, village or street called “长岭街道” in 岳阳楼区. Choose one from the "
            "template's list, or write its 12-digit code.",
        ]


def test_the_template_offers_the_names_of_the_users_district(
    registrar: User, two_chaoyang: None
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(workbooks.template_xlsx(registrar)))
    sheet = book["名册"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("居住社区") + 1
    validation = next(
        v
        for v in sheet.data_validations.dataValidation
        if sheet.cell(2, column).coordinate in v.sqref
    )
    listed = validation.formula1.split("!")[1].replace("$", "")
    options = book["选项"]
    names = [cell.value for row in options[listed] for cell in row]
    assert names == [
        "岳阳楼街道",
        "郭亮社区",
        "汴河社区",
        "岳阳楼街道/朝阳社区",
        "三眼桥街道",
        "桃花山社区",
        "三眼桥街道/朝阳社区",
        "经济技术开发区通海路管理处",
        "亮山居民委员会",
        "茶场居民委员会",
    ]
