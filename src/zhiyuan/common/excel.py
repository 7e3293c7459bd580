"""What spreadsheet programs do to long numbers, and what a clerk is told about it.

Excel keeps 15 significant digits of a number, and a General column shows one of 12 digits or
more in scientific notation (1.10105E+17), which is also what it saves to CSV. Either way the
last digits are gone: such a value is refused with a message that says how to fix the file,
never read as a wrong number (or refused for its length, which tells the clerk nothing).
"""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

ID_NUMBER_AS_NUMBER = _(
    "This ID number is stored as a number, so Excel has already changed its last digits. "
    "Format the column as text and type the number again."
)
PHONE_AS_NUMBER = _(
    "This phone number is stored as a number, so Excel has already changed its last digits. "
    "Format the column as text and type the number again."
)
CODE_AS_NUMBER = _(
    "This code is stored as a number, so Excel has already changed its last digits. Format the "
    "column as text and type the code again."
)

# Mantissa (a decimal point or, in some locales, a comma), E, exponent; spaces are removed first.
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]*)?E[+-]?[0-9]+", re.IGNORECASE)


def in_scientific_notation(text: str) -> bool:
    """Whether `text` is a number in scientific notation as spreadsheets write it: 1.10105E+17,
    4.30602e+11, "4.30602 E + 17", 4.30602E17, full-width characters included."""
    compact = "".join(unicodedata.normalize("NFKC", text).split())
    return _SCIENTIFIC.fullmatch(compact) is not None
