"""Identity-document numbers and unified social credit codes: normalise, check, derive.

Sources of the rules:

- GB 11643-1999 公民身份号码: 6-digit area code, birth date YYYYMMDD, 3-digit sequence
  (odd for men, even for women), check character by ISO 7064:1983 MOD 11-2.
- 港澳台居民居住证 (国务院办公厅 国办发〔2018〕81号): the same structure, with area code 810000
  (Hong Kong), 820000 (Macao) or 830000 (Taiwan).
- 公安部 2023 外国人永久居留身份证: "9", 2-digit province code, 3-digit nationality code, birth
  date YYYYMMDD, 3-digit sequence (odd for men), ISO 7064 MOD 11-2 check character. The card
  before it carried 3 Latin letters (nationality) and 12 digits.
- GB 32100-2015 法人和其他组织统一社会信用代码编码规则, with the organisation code of
  GB 11714-1997 全国组织机构代码编制规则 inside it.

No error message holds the number itself: messages end up in logs, API responses and
screenshots (MISSION: personal data masked everywhere).
"""

import functools
import operator
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum import numdb

from zhiyuan.common.excel import ID_NUMBER_AS_NUMBER, in_scientific_notation


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    HMT_PERMIT = "hmt_permit", _("Residence permit for Hong Kong, Macao and Taiwan residents")
    FOREIGN_PERMANENT_ID = "foreign_permanent_id", _("Foreigner's permanent residence ID card")
    FOREIGN_PERMANENT_CARD = (
        "foreign_permanent_card",
        _("Foreigner's permanent residence card (old)"),
    )
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other document")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


@dataclass(frozen=True)
class IdentityDocument:
    """A checked document number and what it tells about its holder.

    `number` is the canonical form (upper-case, half-width, no spaces); `birth_date` and
    `gender` (a `Gender` value) are derived from 18-digit numbers and None otherwise;
    `warnings` are translated texts to show the person entering the number, never refusals.
    """

    document_type: str
    number: str
    birth_date: date | None
    gender: str | None
    warnings: tuple[str, ...]


# Area codes of the residence permits for Hong Kong, Macao and Taiwan residents.
HMT_AREA_CODES = frozenset({"810000", "820000", "830000"})

_CHINA_TIME = ZoneInfo("Asia/Shanghai")
# The earliest plausible birth date, of a number or typed beside one.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# ISO 7064 MOD 11-2 weights 2^(17-i) mod 11 for the 17 digits, left to right.
_MOD_11_2_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
# Invisible characters that spreadsheets and chat apps paste along with a number.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))

_SEVENTEEN = re.compile(r"[0-9]{17}")
_EIGHTEEN = re.compile(r"[0-9]{17}[0-9X]")
_OLD_PERMANENT_CARD = re.compile(r"[A-Z]{3}[0-9]{12}")
_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")
_FOREIGN_PERMANENT_ID = re.compile(r"9[0-9]{16}[0-9X]")

# GB 32100-2015: the 31 characters of the code, in the order of their values 0..30.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 32100-2015: weight of position i (0-based) is 3^i mod 31.
_CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# GB 11714-1997: weights of the 8 body characters of an organisation code.
_ORGANIZATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def normalize_document_number(raw: str) -> str:
    """Return `raw` in canonical form: NFKC (full-width digits and letters become
    half-width), every whitespace character (including the ideographic space U+3000) and
    zero-width character removed, upper-case (`x` -> `X`)."""
    text = unicodedata.normalize("NFKC", raw or "").translate(_INVISIBLE)
    return "".join(text.split()).upper()


def resident_id_check_character(first17: str) -> str:
    """The 18th character for the 17 digits `first17` (GB 11643-1999 / ISO 7064 MOD 11-2):
    "0".."9", or "X" for 10. Raises ValueError unless `first17` is 17 ASCII digits."""
    if not _SEVENTEEN.fullmatch(first17):
        raise ValueError("expected 17 digits")
    total = sum(map(operator.mul, map(int, first17), _MOD_11_2_WEIGHTS))  # 17 of each
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def looks_like_resident_id(text: str) -> bool:
    """Whether `text` (any case, no spaces) is shaped like an 18-character number of the
    GB 11643 layout (resident ID, HMT permit, foreigner's permanent residence ID): 17 digits
    whose digits 7-14 are a real date from 1900 on, and the right check character. For
    spotting numbers in free text; `parse_identity_document` is the check of a typed ID."""
    number = text.upper()
    if not _EIGHTEEN.fullmatch(number):
        return False
    try:
        birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return birth_date >= EARLIEST_BIRTH_DATE and (
        resident_id_check_character(number[:17]) == number[17]
    )


def parse_identity_document(
    document_type: str, raw: str, *, today: date | None = None
) -> IdentityDocument:
    """Check the number `raw` of a document of `document_type` (a `DocumentType` value)
    and return it normalised, with the birth date and gender it carries.

    `today` (default: today's date in China, Asia/Shanghai) bounds birth dates.
    Raises ValidationError with a field-level message and a code: "required",
    "unknown_document_type", "legacy_id_number", "scientific_notation" (1.10105E+17, as a
    spreadsheet wrote it), "wrong_length", "not_digits",
    "hmt_number_as_resident_id", "not_hmt_area", "not_foreign_permanent_id",
    "impossible_birth_date", "birth_date_before_1900", "future_birth_date",
    "wrong_check_character", "invalid_permanent_card", "invalid_passport",
    "invalid_other_number", "id_number_as_other_document".
    """
    parser = _PARSERS.get(document_type)
    if parser is None:
        raise ValidationError(
            _("Choose a document type from the list."), code="unknown_document_type"
        )
    number = normalize_document_number(raw)
    if not number:
        raise ValidationError(_("Enter the document number."), code="required")
    return parser(number, today or datetime.now(_CHINA_TIME).date())


def guess_document_type(raw: str) -> str:
    """The most likely `DocumentType` of `raw`, for imports without a type column:
    18 characters starting 810000/820000/830000 -> HMT permit; 18 digits starting with 9 ->
    foreigner's permanent residence ID; 3 letters and 12 digits -> old permanent residence
    card; anything else -> resident ID (whose check then says what is wrong)."""
    number = normalize_document_number(raw)
    if _EIGHTEEN.fullmatch(number) and number[:6] in HMT_AREA_CODES:
        return DocumentType.HMT_PERMIT
    if _FOREIGN_PERMANENT_ID.fullmatch(number):
        return DocumentType.FOREIGN_PERMANENT_ID
    if _OLD_PERMANENT_CARD.fullmatch(number):
        return DocumentType.FOREIGN_PERMANENT_CARD
    return DocumentType.RESIDENT_ID


def validate_credit_code(raw: str) -> str:
    """Check a unified social credit code (GB 32100-2015) and return it normalised
    (18 upper-case characters).

    Characters: 1 registration authority, 2 kind of organisation (any character of the code's
    alphabet, so codes starting with Y, A or N are valid), 3-8 division code (digits), 9-17
    organisation code with its own GB 11714 check character, 18 the overall check character.
    Raises ValidationError with code "required", "wrong_length", "invalid_characters",
    "invalid_division_code", "wrong_organization_check_character" or "wrong_check_character".
    """
    code = normalize_document_number(raw)
    if not code:
        raise ValidationError(_("Enter the unified social credit code."), code="required")
    _check_credit_code_shape(code)
    if organization_code_check_character(code[8:16]) != code[16]:
        raise ValidationError(
            _(
                "Characters 9 to 17 (the organisation code) do not match their own check "
                "character, so one of them is probably mistyped. Check them against the "
                "business licence or registration certificate."
            ),
            code="wrong_organization_check_character",
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _(
                "The last character does not match the other 17, so one of them is probably "
                "mistyped. Check each character against the business licence or registration "
                "certificate."
            ),
            code="wrong_check_character",
        )
    return code


def organization_code_check_character(body: str) -> str:
    """GB 11714-1997 check character of the 8-character organisation-code body: digits
    count 0-9 and letters A-Z 10-35; 11 - (weighted sum mod 11), with 10 -> "X", 11 -> "0"."""
    total = sum(
        int(ch, 36) * weight for ch, weight in zip(body, _ORGANIZATION_CODE_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def credit_code_check_character(first17: str) -> str:
    """GB 32100-2015 check character of the first 17 characters of a credit code: each
    character's value (its index in the alphabet) times 3^i mod 31, summed; 31 - sum mod 31."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(ch) * weight
        for ch, weight in zip(first17, _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def _check_credit_code_shape(code: str) -> None:
    if len(code) != 18:
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters; this one has %(length)d. "
                "Check for a missing or extra character."
            ),
            code="wrong_length",
            params={"length": len(code)},
        )
    if any(ch not in CREDIT_CODE_ALPHABET for ch in code):
        raise ValidationError(
            _(
                "A unified social credit code has only digits and capital letters other than "
                "I, O, S, V and Z. Check for the letter O typed for zero or I for one."
            ),
            code="invalid_characters",
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _(
                "Characters 3 to 8 of a unified social credit code are a division code of six "
                "digits. Check them against the business licence or registration certificate."
            ),
            code="invalid_division_code",
        )


# 18-digit numbers: resident IDs, HMT permits, foreigners' permanent residence IDs.


def _is_legacy_id_number(number: str) -> bool:
    return len(number) == 15 and number.isascii() and number.isdigit()


def _legacy_id_number() -> ValidationError:
    return ValidationError(
        _(
            "15-digit ID numbers are no longer in use. Enter the 18-digit number printed "
            "on the current identity card."
        ),
        code="legacy_id_number",
    )


def _parse_resident_id(number: str, today: date) -> IdentityDocument:
    if _is_legacy_id_number(number):
        raise _legacy_id_number()
    _check_eighteen_digit_shape(number)
    if number[:6] in HMT_AREA_CODES:
        raise ValidationError(
            _(
                "Numbers starting with 810000, 820000 or 830000 belong to residence permits "
                "for Hong Kong, Macao and Taiwan residents. Choose that document type instead."
            ),
            code="hmt_number_as_resident_id",
        )
    return _parse_eighteen_digits(
        DocumentType.RESIDENT_ID, number, today, warnings=_area_warnings(number[:6])
    )


def _parse_hmt_permit(number: str, today: date) -> IdentityDocument:
    _check_eighteen_digit_shape(number)
    if number[:6] not in HMT_AREA_CODES:
        raise ValidationError(
            _(
                "A residence permit number for Hong Kong, Macao and Taiwan residents starts "
                "with 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan). Check the first "
                "six digits, or choose the resident identity card for a mainland ID number."
            ),
            code="not_hmt_area",
        )
    return _parse_eighteen_digits(DocumentType.HMT_PERMIT, number, today)


def _parse_foreign_permanent_id(number: str, today: date) -> IdentityDocument:
    _check_eighteen_digit_shape(number)
    if not number.startswith("9"):
        raise ValidationError(
            _(
                "A foreigner's permanent residence ID number starts with 9. Check the first "
                "digit, or choose the old permanent residence card for a number of 3 letters "
                "and 12 digits."
            ),
            code="not_foreign_permanent_id",
        )
    return _parse_eighteen_digits(DocumentType.FOREIGN_PERMANENT_ID, number, today)


def _check_eighteen_digit_shape(number: str) -> None:
    if in_scientific_notation(number):
        raise ValidationError(ID_NUMBER_AS_NUMBER, code="scientific_notation")
    if len(number) != 18:
        raise ValidationError(
            _(
                "The number has %(length)d characters; it must have 18: 17 digits and a last "
                "digit or X. Check for a missing or extra digit."
            ),
            code="wrong_length",
            params={"length": len(number)},
        )
    if not _EIGHTEEN.fullmatch(number):
        raise ValidationError(
            _(
                "The number may only hold digits, with X allowed as the last character. Remove "
                "any other letters or punctuation and check it against the card."
            ),
            code="not_digits",
        )


def _parse_eighteen_digits(
    document_type: str, number: str, today: date, *, warnings: tuple[str, ...] = ()
) -> IdentityDocument:
    """Birth date (digits 7-14), sequence (15-17, odd for men) and check character (18),
    laid out alike in all three 18-digit documents."""
    birth_date = _birth_date(number[6:14], today)
    if resident_id_check_character(number[:17]) != number[17]:
        raise ValidationError(
            _(
                "The last character does not match the other 17 digits, so one of them is "
                "probably mistyped. Check each digit against the card."
            ),
            code="wrong_check_character",
        )
    gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
    return IdentityDocument(document_type, number, birth_date, gender, warnings)


def _birth_date(digits: str, today: date) -> date:
    """The date in `digits` (YYYYMMDD): a real calendar date from 1900 up to `today`."""
    try:
        birth_date = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ValidationError(
            _(
                "Digits 7 to 14 must be the date of birth (year, month, day) but are not a real "
                "date. Check them against the card."
            ),
            code="impossible_birth_date",
        ) from None
    if birth_date < EARLIEST_BIRTH_DATE:
        raise ValidationError(
            _("Digits 7 to 14 give a year of birth before 1900. Check them against the card."),
            code="birth_date_before_1900",
        )
    if birth_date > today:
        raise ValidationError(
            _("Digits 7 to 14 give a date of birth in the future. Check them against the card."),
            code="future_birth_date",
        )
    return birth_date


def _area_warnings(area_code: str) -> tuple[str, ...]:
    """A warning when the area code is in no list we have: codes of new divisions arrive
    after our data, and a number keeps the code it was issued under after its division is
    abolished or renamed (GB 11643-1999), so an unknown code is never a refusal."""
    if is_known_area_code(area_code):
        return ()
    return (
        gettext(
            "The first six digits are not a division code this system knows. If they match "
            "the card, keep the number: codes of new or abolished divisions remain valid."
        ),
    )


@functools.lru_cache(maxsize=8192)
def is_known_area_code(area_code: str) -> bool:
    """Whether the 6-digit `area_code` is a division code in python-stdnum's table of
    current and former codes (from GB/T 2260 as listed on Wikipedia), at any time."""
    parts = numdb.get("cn/loc").info(area_code)
    return any("county" in properties for _part, properties in parts)


# Documents with a number format only.


def _refuse_id_numbers(number: str) -> None:
    """Under a passport or another document, an 18-digit ID number (resident ID, residence
    permit, permanent residence ID) would escape its checks and give no birth date or gender,
    and a 15-digit legacy resident number would escape the one-person rule: its digest differs
    from that of the 18-digit number the same person holds today."""
    if _is_legacy_id_number(number):
        raise _legacy_id_number()
    if looks_like_resident_id(number):
        raise ValidationError(
            _(
                "This is an 18-digit ID number. Choose its document type (resident identity "
                "card, residence permit or permanent residence ID) so that it is checked and "
                "the date of birth and gender are taken from it."
            ),
            code="id_number_as_other_document",
        )


def _parse_old_permanent_card(number: str, today: date) -> IdentityDocument:
    if not _OLD_PERMANENT_CARD.fullmatch(number):
        raise ValidationError(
            _(
                "An old foreigner's permanent residence card number has 15 characters: 3 "
                "letters for the nationality followed by 12 digits. Check it against the card."
            ),
            code="invalid_permanent_card",
        )
    return IdentityDocument(DocumentType.FOREIGN_PERMANENT_CARD, number, None, None, ())


def _parse_passport(number: str, today: date) -> IdentityDocument:
    _refuse_id_numbers(number)
    if not _PASSPORT.fullmatch(number):
        raise ValidationError(
            _(
                "A passport number has 5 to 20 letters and digits, without punctuation. "
                "Check it against the passport."
            ),
            code="invalid_passport",
        )
    return IdentityDocument(DocumentType.PASSPORT, number, None, None, ())


def _parse_other(number: str, today: date) -> IdentityDocument:
    _refuse_id_numbers(number)
    if len(number) > 30 or not number.isprintable():
        raise ValidationError(
            _(
                "Enter the document number as printed: at most 30 characters, without "
                "control characters."
            ),
            code="invalid_other_number",
        )
    return IdentityDocument(DocumentType.OTHER, number, None, None, ())


_PARSERS: dict[str, Callable[[str, date], IdentityDocument]] = {
    DocumentType.RESIDENT_ID: _parse_resident_id,
    DocumentType.HMT_PERMIT: _parse_hmt_permit,
    DocumentType.FOREIGN_PERMANENT_ID: _parse_foreign_permanent_id,
    DocumentType.FOREIGN_PERMANENT_CARD: _parse_old_permanent_card,
    DocumentType.PASSPORT: _parse_passport,
    DocumentType.OTHER: _parse_other,
}
