"""A roster row's cells (values as `reader` gives them) into the raw data of `rules.PERSON_FIELDS`, cell by
cell (`RowReader`), refusing the cells that cannot be read exactly:

- An ID number stored as a number has lost digits already (Excel keeps 15 significant
  digits): such a cell is refused, never repaired. Text in scientific notation (1.10105E+17,
  what Excel saves to CSV) gets the same message from the rules (`common.excel`), and so do
  phones and codes written so.
- A formula without a cached value is refused with a message to save the file again from
  Excel or WPS.
- Choices are read from their values, their English and Chinese labels and the words offices
  write (男, 党员, 本科…); dates from date cells, Excel's serial numbers and common text forms.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.excel import ID_NUMBER_AS_NUMBER
from zhiyuan.common.identity import DocumentType, Gender, guess_document_type
from zhiyuan.common.masking import mask_document
from zhiyuan.volunteers.enums import (
    ActivityCategory,
    AgeBasis,
    AvailableTime,
    Education,
    Ethnicity,
    PoliticalStatus,
    Skill,
)
from zhiyuan.volunteers.imports.messages import kept
from zhiyuan.volunteers.imports.reader import Row

_LIST_SEPARATORS = re.compile(r"[、,，;；/|\s]+")


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


# Excel's day 0 in the 1900 date system (which counts a 29 February 1900 that never was).
_EXCEL_EPOCH = date(1899, 12, 30)


#: Roster columns that hold one choice, by field (their labels are what offices type; the
#: template offers them as drop-downs, `workbooks.template_xlsx`).
CHOICE_FIELDS: dict[str, Any] = {
    "gender": Gender,
    "document_type": DocumentType,
    "ethnicity": Ethnicity,
    "political_status": PoliticalStatus,
    "education": Education,
    "age_basis": AgeBasis,
}


_LIST_FIELDS: dict[str, Any] = {
    "skills": Skill,
    "service_intentions": ActivityCategory,
    "available_times": AvailableTime,
}


# Words offices write for a choice besides its labels (compared after `_key`).
_EXTRA_CHOICES: dict[str, dict[str, str]] = {
    "gender": {"男": "male", "女": "female", "m": "male", "f": "female"},
    "document_type": {"身份证": "resident_id", "居民身份证": "resident_id", "护照": "passport"},
    "political_status": {
        "党员": "party_member",
        "预备党员": "probationary_party_member",
        "团员": "league_member",
        "民主党派": "democratic_party",
        "群众": "public",
    },
    "skills": {
        "急救": "first_aid",
        "医疗": "medical",
        "医护": "medical",
        "心理": "psychology",
        "心理咨询": "psychology",
        "法律": "legal",
        "教育": "teaching",
        "辅导": "teaching",
        "外语": "language",
        "翻译": "language",
        "电脑": "computing",
        "计算机": "computing",
        "摄影": "photography",
        "文艺": "performing_arts",
        "体育": "sports",
        "驾驶": "driving",
        "维修": "repair",
        "养老": "elderly_care",
        "护理": "elderly_care",
    },
    "education": {
        "研究生": "postgraduate",
        "博士": "postgraduate",
        "硕士": "postgraduate",
        "本科": "undergraduate",
        "大学": "undergraduate",
        "大专": "college",
        "专科": "college",
        "高中": "senior_secondary",
        "中专": "senior_secondary",
        "职高": "senior_secondary",
        "技校": "senior_secondary",
        "初中": "junior_secondary",
        "小学": "primary",
    },
}


def _key(text: Any) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(text or "")).lower())


def _choice_words(enum: Any, extra: dict[str, str]) -> dict[str, str]:
    """Every word that names a choice: its value, its English and Chinese labels (with and
    without 族 for ethnic groups), and the extra words offices use. The same whatever the
    language of the page or task that reads the roster, so a check and its import agree."""
    words: dict[str, str] = {}
    for value, label in enum.choices:
        words[_key(value)] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                text = _key(str(label))
            words[text] = value
            if text.endswith("族"):
                words[text[:-1]] = value
    words.update({_key(word): value for word, value in extra.items()})
    return words


class CellProblem(Exception):
    """A cell that cannot be read exactly; the message (a lazy translation, with `params`)
    says how to fix it."""

    def __init__(self, message: Any, params: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.params = params or {}


class RowReader:
    """Turns a roster row into the raw data of `rules.PERSON_FIELDS`, cell by cell.
    Built once per import: the choice words are computed once, and each distinct text of a
    choice column is looked up once (a roster repeats a few dozen of them on every row)."""

    # Choice texts remembered per column; beyond this a column is looked up cell by cell.
    CACHE_SIZE = 10_000

    def __init__(self, columns: dict[int, str]) -> None:
        self.columns = columns
        self.choice_words = {
            name: _choice_words(enum, _EXTRA_CHOICES.get(name, {}))
            for name, enum in {**CHOICE_FIELDS, **_LIST_FIELDS}.items()
        }
        self._choices: dict[str, dict[str, Any]] = {name: {} for name in self.choice_words}

    def read(self, cells: list[Any]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
        """(raw person data, problems by field as kept messages, `messages.kept`) of a row's
        cell values (a `reader.Row` where it holds formulas without cached values). Empty rows
        give ({}, {})."""
        data: dict[str, Any] = {}
        problems: dict[str, list[Any]] = {}
        width = len(cells)
        choices = self._choices
        formulas = cells.formulas if type(cells) is Row else frozenset()
        for index, name in self.columns.items():
            value = cells[index] if index < width else None
            try:
                if type(value) is str and index not in formulas:
                    # Most cells: text, and in choice columns a text seen before.
                    known = choices.get(name)
                    found = known.get(value) if known is not None else None
                    if found is not None:
                        value = _chosen(found)
                    else:
                        text = (  # NFKC leaves ASCII as it is
                            value.strip()
                            if value.isascii()
                            else unicodedata.normalize("NFKC", value).strip()
                        )
                        if not text:
                            continue
                        if known is not None:
                            value = self._choice_value(name, text)
                        elif name == "birth_date":
                            value = _date_value(text)
                        else:
                            value = text
                else:
                    value = self._value(name, value, formula=index in formulas)
            except CellProblem as problem:
                problems[name] = [kept(problem.message, problem.params)]
                continue
            if value != "" and value is not None and value != []:
                data[name] = value
        if data and "document_type" not in data and "document_number" in data:
            data["document_type"] = guess_document_type(data["document_number"])
        return data, problems

    def _value(self, name: str, value: Any, *, formula: bool) -> Any:
        if formula:
            raise CellProblem(
                _(
                    "This cell holds a formula without a saved result. Open the file in Excel "
                    "or WPS and save it again, or type the value."
                )
            )
        if (
            name == "document_number"
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            raise CellProblem(ID_NUMBER_AS_NUMBER)
        if name == "birth_date":
            return _date_value(value)
        text = cell_text(value)
        if name in self._choices and text:
            return self._choice_value(name, text)
        return text

    def _choice_value(self, name: str, text: str) -> Any:
        """The choice (or, in a list column, the list of choices) that `text` names; raises
        CellProblem for a word that names none."""
        known = self._choices[name]
        found = known.get(text)
        if found is None:
            try:
                if name in _LIST_FIELDS:
                    found = tuple(
                        self._choice(name, part) for part in _LIST_SEPARATORS.split(text) if part
                    )
                else:
                    found = self._choice(name, text)
            except CellProblem as problem:
                found = _Refused(problem.message, problem.params)
            if len(known) < self.CACHE_SIZE:
                known[text] = found
        return _chosen(found)

    def _choice(self, name: str, text: str) -> str:
        value = self.choice_words[name].get(_key(text))
        if value is None:
            raise CellProblem(
                _("“%(value)s” is not one of the choices; use the template's drop-down list."),
                {"value": mask_long_numbers(text[:30])},
            )
        return value


# Digit runs as long as a phone or ID number: a cell in a shifted column may hold one, and a
# problem's message (kept on the import, shown by the API) must hold no personal data.
_LONG_NUMBER = re.compile(r"[0-9]{6,}[0-9Xx]?")


def _masked_number(match: "re.Match[str]") -> str:
    return mask_document(match.group())


def mask_long_numbers(text: str) -> str:
    """`text` with every run of six or more digits masked like an ID number."""
    return _LONG_NUMBER.sub(_masked_number, text)


@dataclass(frozen=True)
class _Refused:
    message: Any
    params: dict[str, Any]


def _chosen(found: Any) -> Any:
    """A remembered choice as read: a value, a new list of values, or a new CellProblem (a
    raised exception would grow its traceback each time it is raised again)."""
    if isinstance(found, _Refused):
        raise CellProblem(found.message, found.params)
    return list(found) if isinstance(found, tuple) else found


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious ".0", dates as YYYY-MM-DD, NFKC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def _date_value(value: Any) -> Any:
    """A date cell (Excel date, a date serial number, or text in a common format) as a date;
    text that is no date is passed on for the rules to refuse."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # up to 9999-12-31
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellProblem(_("This is not a date. Enter it as YYYY-MM-DD."))
    text = cell_text(value)
    if not text:
        return ""
    match = _DATE_TEXT.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise CellProblem(_("This date does not exist. Check the day and month.")) from None
    return text
