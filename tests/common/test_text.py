"""Free text that is kept in clear: no control characters, no ID or mobile numbers."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.volunteers.people import synthetic_id
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
