"""Mobile-number validation through phonenumbers (lite), so new number ranges work.

Most numbers people type are the plain 11 digits of a mainland mobile (13800138000). Those are
answered by one regular expression, the library's own pattern of mainland mobile numbers, without
the library's general parse (about three quarters of the cost of a check: a 100,000-row roster
checks 200,000 phones). Anything else (+86, 0086, landlines, IP-dialling prefixes, invalid
numbers) goes through the library as before; `library_mobile` is that path alone, which the
tests compare the fast one with.
"""

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.excel import PHONE_AS_NUMBER, in_scientific_notation

_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def _mobile_pattern() -> "re.Pattern[str]":
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    pattern = metadata.mobile.national_number_pattern if metadata and metadata.mobile else None
    if not pattern:
        raise ImproperlyConfigured("phonenumbers holds no pattern of mainland mobile numbers.")
    return re.compile(pattern, re.ASCII)


# The library's pattern of mainland mobile numbers (11 digits: 13x, 145, 15x, 1610, 16x, 17x,
# 17400-17405, 18x, 19x …), from the same metadata its number_type matches. For 11 digits that
# it matches, `phonenumbers.parse(text, "CN")` gives country code 86 and the national number
# `text` unchanged, and number_type answers MOBILE (or FIXED_LINE_OR_MOBILE): CN's international
# and national prefixes for parsing (00, 0, and IP-dialling prefixes such as 17951 and 12593)
# start with 0, 11, 12 or 179, which the number does not (checked below all the same), and CN's
# premium, toll-free and shared-cost patterns match no 11-digit number starting 1[3-9].
_PLAIN_MOBILE = _mobile_pattern()
_PARSING_PREFIXES = ("0", "11", "12", "179")


def normalize_mobile(raw: str) -> str:
    """Return the 11-digit national form of a mainland China mobile number.

    Accepts spaces, dashes, full-width digits and a +86/0086 prefix.
    Raises ValidationError (code "invalid_mobile") otherwise, or (code "scientific_notation")
    for a number a spreadsheet wrote as 1.38001E+10, its last digits lost.
    """
    text = _compact(raw)
    if (
        len(text) == 11
        and text.isascii()  # other scripts' digits: the library turns them into ASCII ones
        and _PLAIN_MOBILE.fullmatch(text)
        and not text.startswith(_PARSING_PREFIXES)
    ):
        return text
    return _parsed_mobile(text)


def library_mobile(raw: str) -> str:
    """`normalize_mobile` through the library's general parse for every number (no fast path):
    the reference the fast path is tested against."""
    return _parsed_mobile(_compact(raw))


def _compact(raw: str) -> str:
    """`raw` after NFKC (full-width digits), without surrounding space, spaces and dashes."""
    return unicodedata.normalize("NFKC", raw or "").strip().replace(" ", "").replace("-", "")


def _parsed_mobile(text: str) -> str:
    if in_scientific_notation(text):
        raise ValidationError(PHONE_AS_NUMBER, code="scientific_notation")
    if text.startswith("0086"):
        text = "+86" + text[4:]
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or number.country_code != 86
        # number_type answers UNKNOWN for an invalid number, so a mobile type implies a
        # valid number (is_valid_number would compute the same type a second time).
        or phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number, such as 13800138000."),
            code="invalid_mobile",
        )
    return str(number.national_number)


def is_mobile(raw: str) -> bool:
    """Whether `raw` is a mainland China mobile number (`normalize_mobile` takes it)."""
    try:
        normalize_mobile(raw)
    except ValidationError:
        return False
    return True
