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


# Chinese numerals spelled out one by one ("一三八…"), read as digits: the common forms, the
# financial ones ("壹叁捌…", simplified and traditional) and 幺, the "one" of a number read aloud.
_CHINESE_DIGITS = str.maketrans(
    "〇零一二三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖幺", "001234567891223345667891"
)
_DIGIT = re.compile(r"\d")
# Invisible format characters (zero-width space, soft hyphen, joiners): dropped before matching.
_FORMAT_CHARACTERS = re.compile(r"[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
_GROUPS = re.compile(r"[0-9]+[Xx]?|(?<![A-Za-z])[Xx](?![A-Za-z0-9])")  # an ID ends in X
# What people type between the groups of one number: spaces, dashes, dots, brackets, slashes,
# underscores, commas, semicolons, full stops, plus signs (never a colon: "13:45" is a time).
# At most four in a row.
_BETWEEN_GROUPS = re.compile(r"[\s\-\u2010-\u2015\u2212.·・()\[\]{}/\\_,、;。+*#~|'\"]{1,4}")
_JOINABLE = re.compile(rf"(?<=[0-9])(?:{_BETWEEN_GROUPS.pattern})(?=[0-9])")
_COUNTRY_CODES = ("0086", "86")
# Fewer characters that can be digits than this: no mobile (11) nor ID number (18) fits.
_SHORTEST = 10


def digits_normalised(text: str) -> str:
    """`text` with every way of writing a digit made an ASCII digit: full-width and other
    compatibility forms (NFKC: "１", "①", "¹") and other scripts' decimal digits; invisible
    format characters (zero-width space, soft hyphen) dropped. Chinese numerals stay: "张三"
    is a name (`holds_personal_number` reads them as digits too)."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    text = _FORMAT_CHARACTERS.sub("", text)
    return _DIGIT.sub(lambda found: str(unicodedata.decimal(found[0])), text)


def digits_joined(text: str) -> str:
    """`text` with its digits normalised (`digits_normalised`) and the separators people type
    inside a phone or ID number ("+86 (138) 0013.8000") dropped from between them."""
    return _JOINABLE.sub("", digits_normalised(text))


def holds_personal_number(text: str) -> bool:
    """Whether `text` holds what looks like a mainland mobile number (11 digits that
    phonenumbers takes for one, with or without +86, 86 or 0086 before it) or an 18-character
    resident ID number (a real birth date and a right check character), however it is
    spelled: digits normalised (`digits_normalised`) or spelled as Chinese numerals
    ("一三八…"), the number split into groups by spaces, dashes, dots, brackets or slashes
    ("+86 (137) 1234-5558", "137.1234.5559"), alone, after a name ("张三１３７…") or inside an
    email address ("13712345561@qq.com"). Registration numbers, dates and times do not look
    like either."""
    if len(unicodedata.normalize("NFKC", text)) < _SHORTEST:
        # No room for ten digits: of the steps below only NFKC makes text longer ("⑩" is
        # "10"), and most names, occupations and units are shorter (a third of a roster row's
        # rules once).
        return False
    plain = digits_normalised(text)
    if _holds(plain, None):
        return True
    numerals = plain.translate(_CHINESE_DIGITS)
    return numerals != plain and _holds(numerals, plain)


def _holds(text: str, plain: str | None) -> bool:
    """`holds_personal_number` of normalised `text`; `plain` is the same text before Chinese
    numerals became digits, or None when they did not: a run with numerals in it may hold
    the number anywhere inside ("张三" + "一三七…": a name's numeral, then the number)."""
    if sum(map(text.count, "0123456789")) < _SHORTEST:
        return False
    for chunk in _chunks(text):
        groups = [group for group, _start in chunk]
        if _holds_number(groups):
            return True
        with_numerals = plain is not None and any(
            plain[start : start + len(group)] != group for group, start in chunk
        )
        if with_numerals and _holds_inside("".join(groups)):
            return True
    return False


def _chunks(text: str) -> list[list[tuple[str, int]]]:
    """The groups of digits in `text` (with where each starts), in runs whose groups only
    separators part."""
    chunks: list[list[tuple[str, int]]] = []
    end = -1
    for found in _GROUPS.finditer(text):
        between = text[end : found.start()]
        if chunks and _BETWEEN_GROUPS.fullmatch(between):
            chunks[-1].append((found[0], found.start()))
        else:
            chunks.append([(found[0], found.start())])
        end = found.end()
    return chunks


def _holds_number(groups: list[str]) -> bool:
    """Whether consecutive groups of one chunk spell a mobile or an ID number together."""
    for first in range(len(groups)):
        number = ""
        for group in groups[first:]:
            number += group
            if len(number) > 18:
                break
            if _is_personal_number(number):
                return True
    return False


def _holds_inside(group: str) -> bool:
    return any(
        _is_personal_number(group[start : start + size])
        for size in (11, 18)
        for start in range(len(group) - size + 1)
    )


def _is_personal_number(number: str) -> bool:
    if len(number) == 18:
        from zhiyuan.common.identity import looks_like_resident_id

        return looks_like_resident_id(number)
    for code in _COUNTRY_CODES:
        if len(number) == len(code) + 11 and number.startswith(code):
            number = number[len(code) :]
    if len(number) != 11 or number[0] != "1" or not number.isdigit():
        return False
    from zhiyuan.common.phones import is_mobile

    return is_mobile(number)


def refuse_personal_number(text: str) -> str:
    """`text` unchanged; raises ValidationError ("personal_number") when it holds an ID or
    mobile number (`holds_personal_number`): for text kept in clear (names, emails, notes)."""
    if holds_personal_number(text):
        raise personal_number_error()
    return text


def personal_number_error() -> ValidationError:
    return ValidationError(
        _("Do not write ID numbers or mobile numbers here: this text is kept and shown in clear."),
        code="personal_number",
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
    refuse_personal_number(text)
