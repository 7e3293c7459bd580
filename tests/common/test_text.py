"""Free text that is kept in clear: no control characters, no ID or mobile numbers."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.volunteers.people import synthetic_id
from zhiyuan.common.identity import resident_id_check_character
from zhiyuan.common.phones import is_mobile
from zhiyuan.common.text import clean_note, holds_personal_number

ID = synthetic_id("19900101")


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("请回电 13800138000", True),
        ("电话138-0013-8000", True),
        ("电话 138 0013 8000", True),
        ("１３８００１３８０００", True),  # full-width
        (f"身份证{ID}", True),
        (f"id {ID.lower()}", True),
        (f"{ID[:6]} {ID[6:14]} {ID[14:]}", True),
        ("编号 430600326000001 转入", False),  # a registration number
        ("2026-11-30 13:45 到场签字", False),
        (ID[:17] + ("1" if ID[17] != "1" else "2"), False),  # not a valid ID: just digits
        ("12345678901", False),  # not a mobile range
        ("", False),
    ],
)
def test_personal_numbers_are_spotted_in_free_text(text: str, holds: bool) -> None:
    assert holds_personal_number(text) is holds


def test_a_note_is_collapsed_to_one_line() -> None:
    assert clean_note("  到场\n签字  确认 ") == "到场 签字 确认"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("a\x00b", "control"),
        ("\u202e到场", "control"),
        ("x" * 201, "too_long"),
        ("已电话 13800138000 核实", "personal_number"),
        (f"核对 {ID}", "personal_number"),
    ],
)
def test_a_note_refuses_what_must_not_be_kept_in_clear(raw: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        clean_note(raw)
    assert caught.value.code == code


def test_a_note_error_can_name_its_field() -> None:
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        clean_note("13800138000", field="reason")
    with translation.override("en"):
        messages = caught.value.message_dict
    assert messages == {
        "reason": [
            "Do not write ID numbers or mobile numbers here: this text is kept and shown in clear."
        ]
    }


def test_a_number_in_fewer_than_ten_characters_that_nfkc_lengthens_is_spotted() -> None:
    # Text of fewer than ten characters is passed over quickly (issue 10), but only after NFKC:
    # six circled numbers spell a mobile.
    assert holds_personal_number("⑬㊿⑬㊿⑬⑤") is True
    assert holds_personal_number("张三⑬㊿⑬㊿⑬⑤") is True
    assert holds_personal_number("岳阳楼区人民医院") is False


# --- however the number is spelled (issue 9, item 7) -----------------------------------------

MOBILE = "13712345558"
ISSUE_SPELLINGS = [
    "+86 137 1234 5558",
    "137.1234.5558",
    "（137）1234-5558",
    "张三１３７１２３４５５５８",
    "13712345558@qq.com",
    "137-1234-5558@163.com",
    "0086 137 1234 5558",
    "8613712345558",
    "一三七一二三四五五五八",
    "137\u200b1234\u200b5558",
    "1 3 7 1 2 3 4 5 5 5 8",
    "电话:(+86)137/1234/5558",
    "壹叁柒壹贰叁肆伍伍伍捌",
    "壹參柒壹貳參肆伍伍伍捌",
    "幺三七幺二三四五五五八",
    "137；1234；5558",
    "137。1234。5558",
    "4306 0219 8502 1420 01；",
]


@pytest.mark.parametrize("text", ISSUE_SPELLINGS)
def test_a_mobile_is_spotted_however_it_is_spelled(text: str) -> None:
    assert holds_personal_number(text) is True
    with pytest.raises(ValidationError) as caught:
        clean_note(text)
    assert caught.value.code == "personal_number"


@pytest.mark.parametrize(
    "text",
    [
        "13:45 2026-11-30 到场",  # a time, then a date
        "2026.11.30 第3,4,5条",
        "第一二三组",
        "编号 4306003-25-000137 转入",
        "东路 13 栋 1391234 号",
    ],
)
def test_times_dates_and_short_numbers_are_not_taken_for_personal_numbers(text: str) -> None:
    assert holds_personal_number(text) is False


_FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}
_CHINESE = dict(zip("0123456789", "〇一二三四五六七八九", strict=True))
_FINANCIAL = dict(zip("0123456789", "零壹贰叁肆伍陆柒捌玖", strict=True))
_TRADITIONAL = dict(zip("0123456789", "零壹貳參肆伍陸柒捌玖", strict=True))
_SPOKEN = {**_CHINESE, "1": "幺"}
_SEPARATORS = [
    " ",
    "  ",
    "-",
    "－",
    "—",
    ".",
    "·",
    "/",
    "_",
    " - ",
    "\u200b",
    ". ",
    "；",
    ";",
    "。",
]
_PREFIXES = ["", "+86", "+86 ", "86", "0086 ", "(+86) ", "＋８６-", "（+86）"]
_CONTEXTS = ["{}", "请回电{}", "联系 {} 谢谢", "{}@qq.com", "张三{}", "王五{}", "({})"]


@st.composite
def _mobiles(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["130", "135", "137", "139", "150", "158", "177", "186", "199"]))
    number = prefix + draw(st.text("0123456789", min_size=8, max_size=8))
    assume(is_mobile(number))
    return number


@st.composite
def _resident_ids(draw: st.DrawFn) -> str:
    birth = draw(st.dates(date(1930, 1, 1), date(2010, 12, 31)))
    first17 = f"430602{birth:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + resident_id_check_character(first17)


@st.composite
def _spelled(draw: st.DrawFn, number: str, *, prefixes: list[str]) -> str:
    """`number` as people write it: digits in several forms, split into groups by
    separators, the first group in brackets or not, a country code, inside other text."""
    tables = {
        "full": _FULL_WIDTH,
        "chinese": _CHINESE,
        "financial": _FINANCIAL,
        "traditional": _TRADITIONAL,
        "spoken": _SPOKEN,
    }
    forms = draw(st.sampled_from(["ascii", *tables, "mixed"]))
    digits = []
    for ch in number:
        form = draw(st.sampled_from(["ascii", *tables])) if forms == "mixed" else forms
        digits.append(tables.get(form, {}).get(ch, ch))
    cuts = sorted(draw(st.sets(st.integers(1, len(number) - 1), max_size=5)))
    groups = ["".join(digits[a:b]) for a, b in zip([0, *cuts], [*cuts, len(number)], strict=True)]
    if len(groups) > 1 and draw(st.booleans()):
        groups[0] = draw(st.sampled_from(["({})", "（{}）", "[{}]"])).format(groups[0])
    text = groups[0]
    for group in groups[1:]:
        text += draw(st.sampled_from(_SEPARATORS)) + group
    context = draw(st.sampled_from(_CONTEXTS))
    return context.format(draw(st.sampled_from(prefixes)) + text)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_every_spelling_of_a_mobile_is_spotted(data: st.DataObject) -> None:
    number = data.draw(_mobiles())
    text = data.draw(_spelled(number, prefixes=_PREFIXES))
    assert holds_personal_number(text) is True, text


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_every_spelling_of_an_id_number_is_spotted(data: st.DataObject) -> None:
    number = data.draw(_resident_ids())
    if number.endswith("X") and data.draw(st.booleans()):
        number = number[:-1] + data.draw(st.sampled_from(["x", "Ｘ"]))
    text = data.draw(_spelled(number, prefixes=[""]))
    assert holds_personal_number(text) is True, text
