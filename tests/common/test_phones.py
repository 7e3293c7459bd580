"""The fast path of `normalize_mobile` (plain 11-digit mainland mobiles, one regular expression)
answers exactly what the library's general parse answers (`library_mobile`), on tricky input
and on every five-digit prefix of an 11-digit number starting with 1."""

import itertools

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from zhiyuan.common import phones
from zhiyuan.common.phones import library_mobile, normalize_mobile


def outcome(check, raw: str) -> tuple[str, str]:
    """("ok", the number) or ("refused", the error's code)."""
    try:
        return "ok", check(raw)
    except ValidationError as error:
        return "refused", str(error.code)


TRICKY = [
    "13800138000",
    "１３８００１３８０００",  # full-width digits
    "１３８ ００１３ ８０００",
    "\u3000138 0013 8000\u3000",  # ideographic spaces around
    "138-0013-8000",
    "+8613800138000",
    "+86 138 0013 8000",
    "008613800138000",
    "8613800138000",
    "+86-138-0013-8000",
    "19912345678",
    "16212345678",  # 16[25-7]
    "16112345678",  # 161 only as 1610
    "16101234567",
    "14512345678",
    "14112345678",
    "17400123456",  # 17400-17405: mobile
    "17406123456",
    "17912345678",  # 179: an IP-dialling prefix
    "17951138001",
    "1795113800138000",
    "12593138001380",
    "11012345678",
    "12345678901",
    "10086123456",
    "02787654321",  # landlines
    "0730-8888888",
    "07308888888",
    "073088888888",
    "4008123123",
    "8001234567",
    "1380013800",  # ten digits
    "138001380001",  # twelve
    "1.38001E+10",
    "1.38001e10",
    "13800138000.0",
    "138O0138000",  # a letter O
    "١٣٨٠٠١٣٨٠٠٠",  # Arabic-Indic digits
    "𝟏𝟑𝟖𝟎𝟎𝟏𝟑𝟖𝟎𝟎𝟎",  # mathematical digits (NFKC: ASCII)
    "13800138000 ext. 12",
    "tel:+86-13800138000",
    "",
    "   ",
    "abc",
]


@pytest.mark.parametrize("raw", TRICKY)
def test_the_fast_path_answers_what_the_library_answers_on_tricky_input(raw):
    assert outcome(normalize_mobile, raw) == outcome(library_mobile, raw)


def test_tricky_input_gets_the_expected_answers():
    answers = {raw: outcome(normalize_mobile, raw) for raw in TRICKY[:12]}
    assert answers == {
        "13800138000": ("ok", "13800138000"),
        "１３８００１３８０００": ("ok", "13800138000"),
        "１３８ ００１３ ８０００": ("ok", "13800138000"),
        "\u3000138 0013 8000\u3000": ("ok", "13800138000"),
        "138-0013-8000": ("ok", "13800138000"),
        "+8613800138000": ("ok", "13800138000"),
        "+86 138 0013 8000": ("ok", "13800138000"),
        "008613800138000": ("ok", "13800138000"),
        "8613800138000": ("ok", "13800138000"),
        "+86-138-0013-8000": ("ok", "13800138000"),
        "19912345678": ("ok", "19912345678"),
        "16212345678": ("ok", "16212345678"),
    }
    assert outcome(normalize_mobile, "02787654321") == ("refused", "invalid_mobile")
    assert outcome(normalize_mobile, "1.38001E+10") == ("refused", "scientific_notation")


def test_the_fast_path_agrees_with_the_library_on_every_five_digit_prefix():
    disagreements = []
    for prefix, tail in itertools.product(range(10_000, 20_000), ("000000", "555555", "999999")):
        raw = f"{prefix}{tail}"
        if outcome(normalize_mobile, raw) != outcome(library_mobile, raw):
            disagreements.append(raw)
    assert disagreements == []


def test_plain_mobiles_do_not_go_through_the_library(monkeypatch):
    calls = []
    real = phonenumbers.parse
    monkeypatch.setattr(phones.phonenumbers, "parse", lambda *a: calls.append(a) or real(*a))

    assert normalize_mobile("13800138000") == "13800138000"
    assert normalize_mobile("１３８-００１３-８０００") == "13800138000"
    assert calls == []
    assert normalize_mobile("+8613800138000") == "13800138000"
    assert len(calls) == 1


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet="0123456789０１２３４５６７８９+- \u3000()ext.E",
        min_size=0,
        max_size=18,
    )
)
def test_the_fast_path_agrees_with_the_library_on_generated_input(raw):
    assert outcome(normalize_mobile, raw) == outcome(library_mobile, raw)


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"1[0-9]{10}", fullmatch=True))
def test_the_fast_path_agrees_with_the_library_on_generated_11_digit_numbers(raw):
    assert outcome(normalize_mobile, raw) == outcome(library_mobile, raw)
