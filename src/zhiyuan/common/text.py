"""Checks of free text typed or imported into names and addresses."""

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Bidirectional embeddings, overrides and isolates: invisible, and they make text display
# in another order than it is stored ("Trojan Source"), so a name could pass for another.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_control_characters(text: str) -> bool:
    """Whether `text` holds control characters (NUL, escape, line breaks, tabs: Unicode
    category Cc) or bidirectional controls. PostgreSQL refuses NUL outright (a 500), and
    none of them belongs in a one-line name, code or address."""
    return any(unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS for ch in text)


# Digits with the separators people type inside a phone or ID number ("138-0013-8000").
SEPARATED_DIGITS = re.compile(r"(?<=[0-9])[\s\-]+(?=[0-9])")
_NUMBER_RUNS = re.compile(r"[0-9]+[Xx]?")


def holds_personal_number(text: str) -> bool:
    """Whether `text` holds what looks like a mainland mobile number (11 digits that
    phonenumbers takes for one) or an 18-character resident ID number (a real birth date and a
    right check character), once full-width digits are made half-width and spaces or dashes
    between digits dropped. Registration numbers and dates do not look like either."""
    from zhiyuan.common.identity import looks_like_resident_id
    from zhiyuan.common.phones import is_mobile

    flat = SEPARATED_DIGITS.sub("", unicodedata.normalize("NFKC", text))
    return any(
        (len(run) == 18 and looks_like_resident_id(run)) or (len(run) == 11 and is_mobile(run))
        for run in _NUMBER_RUNS.findall(flat)
    )


def clean_note(raw: Any, *, limit: int = 200, field: str | None = None) -> str:
    """A reason, response, note or message kept in clear in a record or an audit entry:
    whitespace collapsed to single spaces. Raises ValidationError ("control", "too_long",
    "personal_number"; keyed by `field` when given): control characters (PostgreSQL refuses
    NUL: a 500), more than `limit` characters, or an ID or mobile number, which are never kept
    in clear (MISSION: privacy by design)."""
    text = " ".join(str(raw or "").split())
    try:
        _check_note(text, limit)
    except ValidationError as error:
        raise (ValidationError({field: error.error_list}) if field else error) from None
    return text


def _check_note(text: str, limit: int) -> None:
    if has_control_characters(text):
        raise ValidationError(_("Remove control characters from this text."), code="control")
    if len(text) > limit:
        raise ValidationError(
            _("At most %(limit)s characters."), code="too_long", params={"limit": limit}
        )
    if holds_personal_number(text):
        raise ValidationError(
            _(
                "Do not write ID numbers or mobile numbers here: this text is kept and shown "
                "in clear."
            ),
            code="personal_number",
        )
