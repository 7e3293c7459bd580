"""Serializer fields the API's input shares: identifiers that travel as text only.

DRF's CharField turns a JSON number into text. For an identifier that is already a loss: a
JSON number holds about 15 significant digits exactly (JavaScript clients round
110105198506028123 to 110105198506028000, which may still pass the check digit) and has no
leading zeros (a division code, an SMS code). So ID numbers, phones and every code are
`IdentifierField`s: text, and a number is refused with a message that says why.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

#: What a number sent for each kind of identifier is told.
AS_NUMBER = {
    "id_number": _("Send the ID number as text: a JSON number cannot hold 18 digits exactly."),
    "phone": _(
        "Send the phone number as text: a JSON number drops leading zeros and cannot hold "
        "long numbers exactly."
    ),
    "code": _(
        "Send the code as text: a JSON number drops leading zeros and cannot hold long codes "
        "exactly."
    ),
    "username": _("Send the username or mobile number as text, not as a JSON number."),
}


class IdentifierField(serializers.CharField):
    """A CharField that refuses JSON numbers (and booleans, as CharField does) instead of
    turning them into text. `kind` (a key of AS_NUMBER) chooses the message."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error_messages["number"] = AS_NUMBER[kind]

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, int | float) and not isinstance(data, bool):
            self.fail("number")
        return super().to_internal_value(data)
