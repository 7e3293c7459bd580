"""Identity-document numbers and credit codes, as data tables plus generated numbers.

Every ID number here is synthetic: built from an area, a date and a sequence with `make_id`,
or the worked example of GB 11643-1999 itself (11010519491231002X). Credit codes are built with
`make_code`, checked once against an organisation's published code."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from zhiyuan.common.identity import (
    DocumentType,
    Gender,
    IdentityDocument,
    guess_document_type,
    normalize_document_number,
    parse_identity_document,
    resident_id_check_character,
    validate_credit_code,
)

TODAY = date(2025, 6, 30)
M, F = Gender.MALE, Gender.FEMALE
RID = DocumentType.RESIDENT_ID
HMT = DocumentType.HMT_PERMIT
FID = DocumentType.FOREIGN_PERMANENT_ID
CARD = DocumentType.FOREIGN_PERMANENT_CARD
PASSPORT = DocumentType.PASSPORT
OTHER = DocumentType.OTHER

YUEYANGLOU = "430602"  # 岳阳楼区, a known area code
FOREIGN = "911840"  # "9", province 11, nationality 840


def make_id(area: str, birth: str, sequence: str) -> str:
    """An 18-character number with the right check character."""
    first17 = area + birth + sequence
    return first17 + resident_id_check_character(first17)


def with_wrong_check(number: str) -> str:
    return number[:17] + ("1" if number[17] == "0" else "0")


def fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) for ch in text)


def parse(document_type: str, raw: str) -> IdentityDocument:
    return parse_identity_document(document_type, raw, today=TODAY)


def error_of(document_type: str, raw: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        parse(document_type, raw)
    return info.value


# --- the check character -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),  # GB 11643-1999's worked example
        ("44052418800101001", "4"),  # its second example
        (YUEYANGLOU + "20000229" + "123", "8"),
        (YUEYANGLOU + "19900101" + "000", "5"),
        (YUEYANGLOU + "19900101" + "003", "X"),
        (YUEYANGLOU + "19900101" + "008", "0"),
    ],
)
def test_check_character_follows_iso_7064_mod_11_2(first17: str, expected: str) -> None:
    assert resident_id_check_character(first17) == expected


@given(st.from_regex(r"[0-9]{17}", fullmatch=True))
def test_check_character_makes_the_weighted_sum_one_mod_11(first17: str) -> None:
    # ISO 7064 MOD 11-2's definition: sum of a_i * 2^(i-1) over all 18 positions = 1 (mod 11)
    number = first17 + resident_id_check_character(first17)
    values = [10 if ch == "X" else int(ch) for ch in number]
    assert sum(v * pow(2, 17 - i, 11) for i, v in enumerate(values)) % 11 == 1


@pytest.mark.parametrize("bad", ["", "1234567890123456", "123456789012345678", "1234567890123456A"])
def test_check_character_needs_17_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="expected 17 digits"):
        resident_id_check_character(bad)


# --- normalisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231\u3000002X\t\n", "11010519491231002X"),
        (fullwidth("11010519491231002X"), "11010519491231002X"),
        (fullwidth("11010519491231002x"), "11010519491231002X"),
        ("\ufeff1101\u200b0519491231002X", "11010519491231002X"),
        ("e 1234 5678", "E12345678"),
        ("", ""),
    ],
)
def test_numbers_are_normalised(raw: str, expected: str) -> None:
    assert normalize_document_number(raw) == expected


# --- valid documents -------------------------------------------------------------------------

# Computed once with `make_id` (check characters confirmed with python-stdnum's ric module).
HMT_HK = "810000198808080136"
HMT_MO = "820000199912200026"
HMT_TW = "83000020000229100X"
FOREIGN_ID = "911840198503151238"


@pytest.mark.parametrize(
    ("document_type", "number", "birth_date", "gender"),
    [
        (RID, "11010519491231002X", date(1949, 12, 31), F),
        (RID, "430602200002291238", date(2000, 2, 29), M),  # leap day
        (RID, "430602202402290049", date(2024, 2, 29), F),
        (RID, "430602190001010012", date(1900, 1, 1), M),  # the earliest date
        (RID, "430602202506300029", TODAY, F),  # the latest
        # 崇文区 (110103) was merged away in 2010; numbers issued under it stay valid
        (RID, "110103201501010057", date(2015, 1, 1), M),
        (HMT, HMT_HK, date(1988, 8, 8), M),
        (HMT, HMT_MO, date(1999, 12, 20), F),
        (HMT, HMT_TW, date(2000, 2, 29), F),
        (FID, FOREIGN_ID, date(1985, 3, 15), M),
        (FID, "931156201001010102", date(2010, 1, 1), F),
    ],
)
def test_eighteen_digit_numbers_give_birth_date_and_gender(
    document_type: str, number: str, birth_date: date, gender: str
) -> None:
    assert parse(document_type, number) == IdentityDocument(
        document_type, number, birth_date, gender, ()
    )


@pytest.mark.parametrize(
    ("document_type", "raw", "number"),
    [
        (RID, "11010519491231002x", "11010519491231002X"),
        (RID, fullwidth("11010519491231002x"), "11010519491231002X"),
        (RID, " 110105 1949\u30001231 002X\t", "11010519491231002X"),
        (HMT, HMT_TW.lower(), HMT_TW),
        (HMT, fullwidth(HMT_MO), HMT_MO),
        (FID, "9118 4019 8503 1512 38", FOREIGN_ID),
    ],
)
def test_lower_case_x_full_width_and_spaces_are_normalised(
    document_type: str, raw: str, number: str
) -> None:
    assert parse(document_type, raw).number == number


@pytest.mark.parametrize(
    ("document_type", "raw", "number"),
    [
        (CARD, "usa 123456789012", "USA123456789012"),
        (CARD, fullwidth("GBR654321098765"), "GBR654321098765"),
        (PASSPORT, "e12345678", "E12345678"),
        (PASSPORT, "AB123", "AB123"),
        (PASSPORT, "A" * 20, "A" * 20),
        (PASSPORT, "1E2345678", "1E2345678"),  # shaped like 1E+2345678, yet a passport's number
        (OTHER, "x", "X"),
        (OTHER, "京A-1234/5", "京A-1234/5"),
        (OTHER, "9" * 30, "9" * 30),
    ],
)
def test_format_only_documents_carry_no_derived_fields(
    document_type: str, raw: str, number: str
) -> None:
    assert parse(document_type, raw) == IdentityDocument(document_type, number, None, None, ())


def test_unknown_area_code_is_a_warning_saying_the_number_may_be_kept() -> None:
    with translation.override("en"):
        document = parse(RID, "439999199001010084")
    assert document.number == "439999199001010084"
    assert document.birth_date == date(1990, 1, 1)
    assert document.warnings == (
        "The first six digits are not a division code this system knows. If they match the "
        "card, keep the number: codes of new or abolished divisions remain valid.",
    )


def test_today_defaults_to_the_current_date() -> None:
    document = parse_identity_document(RID, make_id(YUEYANGLOU, "19900101", "001"))
    assert document.birth_date == date(1990, 1, 1)
    future = make_id(YUEYANGLOU, "29991231", "001")
    with pytest.raises(ValidationError) as info:
        parse_identity_document(RID, future)
    assert info.value.code == "future_birth_date"


# --- refused documents -----------------------------------------------------------------------

VALID_ID = make_id(YUEYANGLOU, "19900101", "001")

INVALID = [
    # checksums
    (RID, with_wrong_check(VALID_ID), "wrong_check_character"),
    (RID, "110105194912310021", "wrong_check_character"),  # X expected, digit given
    (RID, VALID_ID[:16] + "2" + VALID_ID[17], "wrong_check_character"),  # sequence changed
    (RID, make_id(YUEYANGLOU, "19900101", "000")[:17] + "X", "wrong_check_character"),
    (HMT, with_wrong_check(HMT_HK), "wrong_check_character"),
    (FID, with_wrong_check(FOREIGN_ID), "wrong_check_character"),
    # check characters right, dates impossible
    (RID, make_id(YUEYANGLOU, "19000229", "001"), "impossible_birth_date"),
    (RID, make_id(YUEYANGLOU, "20230229", "001"), "impossible_birth_date"),
    (RID, make_id(YUEYANGLOU, "19901301", "001"), "impossible_birth_date"),
    (RID, make_id(YUEYANGLOU, "19900431", "001"), "impossible_birth_date"),
    (RID, make_id(YUEYANGLOU, "19900100", "001"), "impossible_birth_date"),
    (RID, make_id(YUEYANGLOU, "00000101", "001"), "impossible_birth_date"),
    (HMT, make_id("810000", "21000229", "001"), "impossible_birth_date"),
    (FID, make_id(FOREIGN, "19850230", "123"), "impossible_birth_date"),
    (RID, make_id(YUEYANGLOU, "18991231", "001"), "birth_date_before_1900"),
    (RID, make_id(YUEYANGLOU, "20250701", "001"), "future_birth_date"),
    (HMT, make_id("820000", "20260101", "001"), "future_birth_date"),
    (FID, make_id(FOREIGN, "20300101", "123"), "future_birth_date"),
    # legacy numbers, lengths, characters
    (RID, "110105491231002", "legacy_id_number"),
    (RID, fullwidth("110105491231002"), "legacy_id_number"),
    (RID, VALID_ID[:17], "wrong_length"),
    (RID, VALID_ID + "1", "wrong_length"),
    (RID, "12345", "wrong_length"),
    (RID, "11010549123100X", "wrong_length"),  # 15 characters, not all digits
    (HMT, HMT_HK[:16], "wrong_length"),
    (FID, FOREIGN_ID[:15], "wrong_length"),
    (RID, "11010519491231002A", "not_digits"),
    (RID, "1101051949123100X2", "not_digits"),
    (RID, "110105-1949123100X", "not_digits"),
    (RID, "11010519491231002\u0663", "not_digits"),  # an Arabic-Indic digit
    (FID, "9A1840198503151237", "not_digits"),
    # what Excel keeps of a number in a General column, and saves to CSV
    (RID, "1.10105E+17", "scientific_notation"),
    (RID, "4.30602e+17", "scientific_notation"),
    (RID, " 4.30602 E + 17 ", "scientific_notation"),
    (RID, fullwidth("4.30602E+17"), "scientific_notation"),
    (HMT, "8.10000E17", "scientific_notation"),
    (FID, "9.11840E+17", "scientific_notation"),
    # the wrong document type for the number
    (RID, make_id("810000", "19880808", "013"), "hmt_number_as_resident_id"),
    (RID, make_id("830000", "19880808", "013"), "hmt_number_as_resident_id"),
    (HMT, VALID_ID, "not_hmt_area"),
    (HMT, make_id("810001", "19880808", "013"), "not_hmt_area"),
    (FID, VALID_ID, "not_foreign_permanent_id"),
    # format-only documents
    (CARD, "US1234567890123", "invalid_permanent_card"),
    (CARD, "USA12345678901", "invalid_permanent_card"),
    (CARD, "USA1234567890123", "invalid_permanent_card"),
    (CARD, "123456789012345", "invalid_permanent_card"),
    (PASSPORT, "E123", "invalid_passport"),
    (PASSPORT, "E" * 21, "invalid_passport"),
    (PASSPORT, "E-1234567", "invalid_passport"),
    (PASSPORT, "护照12345", "invalid_passport"),
    (OTHER, "9" * 31, "invalid_other_number"),
    (OTHER, "ABC\x00123", "invalid_other_number"),
    (OTHER, "ABC\u202e123", "invalid_other_number"),
    # ID numbers under a passport or another document: they would escape their checks, and a
    # legacy number the one-person rule (its digest differs from the 18-digit number's)
    (PASSPORT, VALID_ID, "id_number_as_other_document"),
    (OTHER, VALID_ID.lower(), "id_number_as_other_document"),
    (OTHER, fullwidth(VALID_ID), "id_number_as_other_document"),
    (OTHER, HMT_HK, "id_number_as_other_document"),
    (PASSPORT, FOREIGN_ID, "id_number_as_other_document"),
    (PASSPORT, "110105491231002", "legacy_id_number"),
    (OTHER, "110105 491231 002", "legacy_id_number"),
    # nothing typed, or no such type
    *((kind, raw, "required") for kind in DocumentType.values for raw in ("", " \u3000\t")),
    ("driving_licence", VALID_ID, "unknown_document_type"),
]


@pytest.mark.parametrize(("document_type", "raw", "code"), INVALID)
def test_invalid_documents_are_refused_with_a_specific_code(
    document_type: str, raw: str, code: str
) -> None:
    assert error_of(document_type, raw).code == code


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(("document_type", "raw", "code"), INVALID)
def test_no_error_message_contains_the_number(
    document_type: str, raw: str, code: str, language: str
) -> None:
    with translation.override(language):
        messages = " ".join(error_of(document_type, raw).messages)
    assert messages
    for form in {raw.strip(), normalize_document_number(raw)}:
        if len(form) >= 5:  # shorter inputs could match the lengths messages mention
            assert form not in messages


@pytest.mark.parametrize(
    ("document_type", "raw", "message"),
    [
        (
            RID,
            "110105491231002",
            "15-digit ID numbers are no longer in use. Enter the 18-digit number printed on "
            "the current identity card.",
        ),
        (
            RID,
            "11010519491231002X1",
            "The number has 19 characters; it must have 18: 17 digits and a last digit or X. "
            "Check for a missing or extra digit.",
        ),
        (
            RID,
            make_id("810000", "19880808", "013"),
            "Numbers starting with 810000, 820000 or 830000 belong to residence permits for "
            "Hong Kong, Macao and Taiwan residents. Choose that document type instead.",
        ),
        (
            RID,
            make_id(YUEYANGLOU, "19000229", "001"),
            "Digits 7 to 14 must be the date of birth (year, month, day) but are not a real "
            "date. Check them against the card.",
        ),
    ],
)
def test_messages_say_what_is_wrong_and_how_to_fix_it(
    document_type: str, raw: str, message: str
) -> None:
    with translation.override("en"):
        assert error_of(document_type, raw).messages == [message]


# --- generated numbers -----------------------------------------------------------------------

areas = st.one_of(
    st.integers(110000, 659999).map(str),
    st.sampled_from([YUEYANGLOU, "110105", "710000"]),
)
eighteen_digit_prefixes = st.one_of(
    st.tuples(st.just(RID), areas),
    st.tuples(st.just(HMT), st.sampled_from(["810000", "820000", "830000"])),
    st.tuples(st.just(FID), st.from_regex(r"9[0-9]{5}", fullmatch=True)),
)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(0, 999)


@given(eighteen_digit_prefixes, birth_dates, sequences)
def test_generated_numbers_round_trip_birth_date_and_gender(
    prefix: tuple[str, str], birth_date: date, sequence: int
) -> None:
    document_type, area = prefix
    number = make_id(area, birth_date.strftime("%Y%m%d"), f"{sequence:03d}")
    document = parse(document_type, number.lower())
    assert document.number == number
    assert document.birth_date == birth_date
    assert document.gender == (M if sequence % 2 else F)


@given(
    eighteen_digit_prefixes,
    birth_dates,
    sequences,
    st.integers(0, 17),
    st.sampled_from("0123456789X"),
)
def test_changing_any_single_character_is_refused(
    prefix: tuple[str, str], birth_date: date, sequence: int, position: int, replacement: str
) -> None:
    document_type, area = prefix
    number = make_id(area, birth_date.strftime("%Y%m%d"), f"{sequence:03d}")
    if number[position] == replacement:
        replacement = "X" if replacement != "X" else "0"
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(ValidationError):
        parse(document_type, changed)


# --- guessing the type -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (VALID_ID, RID),
        ("11010519491231002x", RID),
        (HMT_HK, HMT),
        (HMT_MO, HMT),
        (fullwidth(HMT_TW), HMT),
        (FOREIGN_ID, FID),
        (FOREIGN_ID[:17] + "x", FID),
        ("usa123456789012", CARD),
        ("110105491231002", RID),  # refused later with the legacy message
        ("E12345678", RID),  # passports need a type column
        ("", RID),
    ],
)
def test_document_type_is_guessed_from_the_number(raw: str, expected: str) -> None:
    assert guess_document_type(raw) == expected


# --- unified social credit codes -------------------------------------------------------------

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def organization_check(body: str) -> str:
    """GB 11714-1997: weights 3,7,9,10,5,8,4,2; letters A-Z count 10-35."""
    total = sum(int(ch, 36) * w for ch, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    return {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))


def overall_check(first17: str) -> str:
    """GB 32100-2015: weights 3^i mod 31, characters valued by their place in ALPHABET."""
    total = sum(ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return ALPHABET[-total % 31]


def make_code(kind: str, division: str, body: str) -> str:
    first17 = kind + division + body + organization_check(body)
    return first17 + overall_check(first17)


def test_the_code_builder_agrees_with_a_published_code() -> None:
    assert make_code("91", "110000", "60003734") == "91110000600037341L"


@pytest.mark.parametrize(
    ("kind", "division", "organization_body", "expected"),
    [
        ("91", "430602", "MA01234B", "91430602MA01234B2R"),  # a company
        ("92", "430602", "50000004", "9243060250000004XA"),  # organisation check X
        ("11", "430600", "MA000009", "11430600MA0000090E"),  # organisation check 0
        ("12", "430600", "MA00000K", "12430600MA00000K0M"),
        ("31", "430602", "00000001", "31430602000000019R"),
        ("51", "430602", "MA0000F1", "51430602MA0000F104"),  # a social organisation
        ("52", "110105", "MA00000F", "52110105MA00000FX9"),
        ("Y1", "430602", "MA1B2C3D", "Y1430602MA1B2C3D84"),  # other authorities
        ("A1", "110000", "12345678", "A1110000123456788L"),
        ("N2", "430621", "MA0H0001", "N2430621MA0H00010N"),
    ],
)
def test_valid_credit_codes_pass(
    kind: str, division: str, organization_body: str, expected: str
) -> None:
    assert make_code(kind, division, organization_body) == expected
    assert validate_credit_code(expected) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9111 0000 6000 3734 1l", "91110000600037341L"),
        (fullwidth("y1430602ma1b2c3d84"), "Y1430602MA1B2C3D84"),
        ("\u3000n2430621ma0h00010n\t", "N2430621MA0H00010N"),
    ],
)
def test_credit_codes_are_normalised(raw: str, expected: str) -> None:
    assert validate_credit_code(raw) == expected


VALID_CODE = make_code("Y1", "430602", "MA1B2C3D")


def with_organization_check(code: str, wrong: str) -> str:
    """`code` with its organisation check character replaced and the overall check redone."""
    first17 = code[:16] + wrong
    return first17 + overall_check(first17)


CREDIT_INVALID = [
    ("", "required"),
    ("\u3000 ", "required"),
    (VALID_CODE[:17], "wrong_length"),
    (VALID_CODE + "1", "wrong_length"),
    ("91110000600037341", "wrong_length"),
    ("91110000600O37341L", "invalid_characters"),  # letter O for zero
    ("9111000060003734IL", "invalid_characters"),
    ("Z1110000600037341L", "invalid_characters"),
    ("91110000600037341S", "invalid_characters"),
    ("91110000600037341V", "invalid_characters"),
    ("9111000060003734-L", "invalid_characters"),
    ("91A10000600037341L", "invalid_division_code"),
    (make_code("91", "43060A", "MA01234B"), "invalid_division_code"),
    (with_organization_check("91110000600037341L", "2"), "wrong_organization_check_character"),
    (with_organization_check(VALID_CODE, "X"), "wrong_organization_check_character"),
    ("91110000600037341M", "wrong_check_character"),
    (VALID_CODE[:17] + ("0" if VALID_CODE[17] != "0" else "1"), "wrong_check_character"),
    ("91110000600047341L", "wrong_organization_check_character"),  # one digit mistyped
    ("91110001600037341L", "wrong_check_character"),  # a division digit mistyped
]


@pytest.mark.parametrize(("raw", "code"), CREDIT_INVALID)
def test_invalid_credit_codes_are_refused_with_a_specific_code(raw: str, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_credit_code(raw)
    assert info.value.code == code
    with translation.override("en"):
        messages = " ".join(info.value.messages)
    if len(raw.strip()) >= 5:
        assert raw.strip() not in messages
        assert normalize_document_number(raw) not in messages


def test_credit_code_length_message_names_the_length() -> None:
    with pytest.raises(ValidationError) as info:
        validate_credit_code("91110000600037341")
    with translation.override("en"):
        assert info.value.messages == [
            "A unified social credit code has 18 characters; this one has 17. Check for a "
            "missing or extra character."
        ]


credit_code_parts = st.tuples(
    st.sampled_from(
        ["11", "12", "13", "19", "31", "51", "52", "53", "91", "92", "93", "Y1", "A1", "N1", "N2"]
    ),
    st.from_regex(r"[0-9]{6}", fullmatch=True),
    st.text(alphabet=ALPHABET, min_size=8, max_size=8),
)


@given(credit_code_parts, st.integers(0, 17), st.sampled_from(ALPHABET))
def test_generated_credit_codes_pass_and_any_single_substitution_fails(
    parts: tuple[str, str, str], position: int, replacement: str
) -> None:
    code = make_code(*parts)
    assert validate_credit_code(code.lower()) == code
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(ValidationError):
        validate_credit_code(changed)
