"""Mobile-number validation through phonenumbers (lite), so new number ranges work."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.excel import PHONE_AS_NUMBER, in_scientific_notation

_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def normalize_mobile(raw: str) -> str:
    """Return the 11-digit national form of a mainland China mobile number.

    Accepts spaces, dashes, full-width digits and a +86/0086 prefix.
    Raises ValidationError (code "invalid_mobile") otherwise, or (code "scientific_notation")
    for a number a spreadsheet wrote as 1.38001E+10, its last digits lost.
    """
    import unicodedata

    text = unicodedata.normalize("NFKC", raw or "").strip().replace(" ", "").replace("-", "")
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
