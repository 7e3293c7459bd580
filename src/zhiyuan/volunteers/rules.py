"""The registration rules, in one place for every path (web form, API, roster import):
the person's data (Attachment 4) checked field by field, and the age rules of the CYL's
中国注册志愿者管理办法 (第八条) with the city's policy.

`clean_person` returns clean values or raises one ValidationError whose dict maps field names
to messages that say what is wrong and how to fix it. No message holds an ID number or phone.
"""

import functools
import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.excel import CODE_AS_NUMBER, in_scientific_notation
from zhiyuan.common.identity import (
    EARLIEST_BIRTH_DATE,
    DocumentType,
    Gender,
    parse_identity_document,
)
from zhiyuan.common.phones import normalize_mobile
from zhiyuan.common.text import has_control_characters, refuse_personal_number
from zhiyuan.divisions.enums import DivisionLevel
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.enums import OrgKind
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import (
    ActivityCategory,
    AgeBasis,
    AvailableTime,
    Education,
    Ethnicity,
    PoliticalStatus,
    Skill,
)
from zhiyuan.volunteers.models import RegistrationPolicy
from zhiyuan.volunteers.selectors import age_on

# Middle dots people type in minority and foreign names (·, •, ‧, ・, ･); stored as U+00B7.
_MIDDLE_DOTS = dict.fromkeys(map(ord, "•‧・･∙⋅"), "·")
_NAME_PUNCTUATION = frozenset("· -'")

PERSON_FIELDS = (
    "name",
    "gender",
    "document_type",
    "document_number",
    "birth_date",
    "ethnicity",
    "political_status",
    "education",
    "occupation",
    "work_unit",
    "work_unit_name",
    "mobile",
    "email",
    "home_division",
    "address_detail",
    "skills",
    "service_intentions",
    "available_times",
    "emergency_contact_name",
    "emergency_contact_phone",
    "age_basis",
    "guardian_name",
    "guardian_relation",
    "guardian_mobile",
    "school_consent_reference",
)
_CHOICES: dict[str, Any] = {
    "ethnicity": Ethnicity,
    "political_status": PoliticalStatus,
    "education": Education,
    "age_basis": AgeBasis,
}
_CHOICE_LISTS: dict[str, Any] = {
    "skills": Skill,
    "service_intentions": ActivityCategory,
    "available_times": AvailableTime,
}
# Free text; all but the address (encrypted) is stored in clear, so no ID or mobile number
# may hide in it.
_TEXT_LIMITS = {
    "occupation": 50,
    "work_unit_name": 100,
    "address_detail": 200,
    "emergency_contact_name": 50,
    "guardian_relation": 20,
    "school_consent_reference": 100,
}


def clean_name(raw: Any, *, field_label: Any = None) -> str:
    """A person's name: Unicode letters and marks (Chinese, minority and foreign names), with
    middle dots, spaces, hyphens and apostrophes between them; at most 50 characters.
    Full-width forms are normalised (NFKC) and the several middle dots become "·"."""
    text = unicodedata.normalize("NFKC", str(raw or "")).translate(_MIDDLE_DOTS)
    text = " ".join(text.split())
    if not text:
        raise ValidationError(_("Enter the name as it is on the ID document."), code="required")
    if len(text) > 50:
        raise ValidationError(_("A name has at most 50 characters."), code="too_long")
    if _has_controls(text) or not all(
        unicodedata.category(ch)[0] in "LM" or ch in _NAME_PUNCTUATION for ch in text
    ):
        raise ValidationError(
            _(
                "A name may hold letters (Chinese or other scripts), middle dots, spaces and "
                "hyphens only; remove digits and other symbols."
            ),
            code="invalid_name",
        )
    if not unicodedata.category(text[0]).startswith("L"):
        raise ValidationError(_("A name starts with a letter."), code="invalid_name")
    # Chinese numerals are letters: "一三八…" would spell a mobile number.
    return refuse_personal_number(text)


def _has_controls(text: str) -> bool:
    """has_control_characters, answered at once for printable text (no Cc or Cf character,
    which the controls it looks for are): most text, at C speed."""
    return not text.isprintable() and has_control_characters(text)


def _text(raw: Any, limit: int) -> str:
    text = " ".join(unicodedata.normalize("NFKC", str(raw or "")).split())
    if _has_controls(text):
        raise ValidationError(_("Remove control characters from this text."), code="control")
    if len(text) > limit:
        raise ValidationError(
            _("At most %(limit)s characters."), code="too_long", params={"limit": limit}
        )
    return text


@functools.cache
def _values(enum: Any) -> dict[str, int]:
    """The enum's values with their positions (Django computes `enum.values` anew on each use,
    which was a third of the time spent on a roster row)."""
    return {value: index for index, value in enumerate(enum.values)}


def _clear_text(raw: Any, limit: int) -> str:
    # clean_note's other checks are _text's: only the numbers are left to look for.
    return refuse_personal_number(_text(raw, limit))


def _choice(enum: Any, raw: Any) -> str:
    value = str(raw or "").strip()
    if value and value not in _values(enum):
        raise ValidationError(_("Choose a value from the list."), code="invalid_choice")
    return value


def _choice_list(enum: Any, raw: Any) -> list[str]:
    values = [str(v) for v in (raw or [])] if not isinstance(raw, str) else raw.split(",")
    values = [v.strip() for v in values if v.strip()]
    positions = _values(enum)
    unknown = [v for v in values if v not in positions]
    if unknown:
        raise ValidationError(_("Choose values from the list."), code="invalid_choice")
    return sorted(set(values), key=positions.__getitem__)


def _date(raw: Any) -> date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, date):
        return raw
    try:
        # NFKC: a Chinese input method types full-width digits and hyphens (１９９０－０５－１７).
        return date.fromisoformat(unicodedata.normalize("NFKC", str(raw)).strip())
    except ValueError:
        raise ValidationError(
            _("Enter the date as YYYY-MM-DD, for example 1990-05-17."), code="invalid_date"
        ) from None


def _phone(raw: Any, *, required: bool) -> str:
    if not str(raw or "").strip():
        if required:
            raise ValidationError(_("Enter a mobile number."), code="required")
        return ""
    return normalize_mobile(str(raw))


def _refuse_scientific_notation(code: str) -> None:
    """A code no row has, written by a spreadsheet as 4.30602E+11: say how to fix the file."""
    if in_scientific_notation(code):
        raise ValidationError(CODE_AS_NUMBER, code="scientific_notation")


def resolve_division(raw: Any) -> Division | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, Division):
        return raw
    found = Division.objects.filter(code=str(raw).strip()).first()
    if found is None:
        _refuse_scientific_notation(str(raw))
        raise ValidationError(
            _("No division has this code; choose the community or village from the list."),
            code="unknown_division",
        )
    return found


def place_names(area: Division) -> list[tuple[str, Division]]:
    """Where people live in `area` (a district), by the names offices write: each township
    and, after it, its communities and villages (not abolished), in code order. A village
    whose name another in the area shares is written with its township, "三眼桥街道/朝阳社区"
    (`resolve_home_division` reads every one of these names back)."""
    places = list(
        Division.objects.filter(
            code__startswith=area.prefix,
            abolished=False,
            level__in=[DivisionLevel.TOWNSHIP, DivisionLevel.VILLAGE],
        )
        .select_related("parent")
        .order_by("code")
    )
    counts: dict[str, int] = {}
    for place in places:
        counts[place.name] = counts.get(place.name, 0) + 1
    return [(_place_label(place, qualified=counts[place.name] > 1), place) for place in places]


def _place_label(place: Division, *, qualified: bool) -> str:
    if qualified and place.level == DivisionLevel.VILLAGE and place.parent is not None:
        return f"{place.parent.name}/{place.name}"
    return place.name


_PLACE_SEPARATORS = re.compile(r"[/\\\s·、,，|]+")


def resolve_home_division(raw: Any, *, area: Division | None) -> Division | None:
    """A home division as a roster writes it: its 12-digit code, or its name within `area`
    (the body's district): a township, or a community or village alone or after its
    township ("三眼桥街道/朝阳社区", "三眼桥街道 朝阳社区", "三眼桥街道朝阳社区").
    Raises ValidationError "unknown_division_name" or "ambiguous_division" (params: name,
    area, and for the latter count and places)."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not text or text.isdigit() or area is None or in_scientific_notation(text):
        return resolve_division(raw)
    places = [(label, place) for label, place in place_names(area)]
    found = [place for label, place in places if text in (label, place.name)]
    if not found:
        joined = _PLACE_SEPARATORS.sub("", text)
        found = [
            place
            for _label, place in places
            if place.parent is not None
            and place.level == DivisionLevel.VILLAGE
            and joined == f"{place.parent.name}{place.name}"
        ]
    if len(found) == 1:
        return found[0]
    params: dict[str, Any] = {"name": text, "area": area.name}
    if not found:
        raise ValidationError(
            _(
                "No community, village or street called “%(name)s” in %(area)s. Choose one "
                "from the template's list, or write its 12-digit code."
            ),
            code="unknown_division_name",
            params=params,
        )
    params |= {
        "count": len(found),
        "places": ", ".join(_place_label(place, qualified=True) for place in found),
    }
    raise ValidationError(
        _(
            "“%(name)s” names %(count)s places in %(area)s: %(places)s. Write the street as "
            "well, as in the template's list, or the 12-digit code."
        ),
        code="ambiguous_division",
        params=params,
    )


def resolve_work_unit(raw: Any) -> Organization | None:
    if raw in (None, ""):
        return None
    unit = (
        raw
        if isinstance(raw, Organization)
        else Organization.objects.filter(code=str(raw).strip()).first()
    )
    if unit is None:
        _refuse_scientific_notation(str(raw))
    if unit is None or unit.kind != OrgKind.WORK_UNIT or not unit.is_active:
        raise ValidationError(
            _("No active work unit has this code; leave it empty and type the unit's name."),
            code="unknown_work_unit",
        )
    return unit


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, field: str, error: ValidationError) -> None:
        self.errors.setdefault(field, []).extend(error.error_list)

    def run(self, field: str, check: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except ValidationError as error:
            self.add(field, error)
            return None


def clean_person(
    data: Mapping[str, Any], *, policy: RegistrationPolicy, today: date
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Check and normalise the person's data of a registration.

    `data` maps PERSON_FIELDS to raw values (strings, lists, dates or model instances; missing
    keys are empty). Returns (clean values, warnings). Gender and birth date come from the ID
    where it carries them; a typed value that disagrees is refused.
    Raises ValidationError({field: [errors]}) listing every problem found.
    """
    errors = _Errors()
    clean: dict[str, Any] = {}
    clean["name"] = errors.run("name", clean_name, data.get("name"))
    document = errors.run(
        "document_number",
        parse_identity_document,
        str(data.get("document_type") or DocumentType.RESIDENT_ID),
        str(data.get("document_number") or ""),
        today=today,
    )
    clean["document_type"] = str(data.get("document_type") or DocumentType.RESIDENT_ID)
    clean["document_number"] = document.number if document else None
    _derive(data, document, clean, errors, today)
    for field, enum in _CHOICES.items():
        clean[field] = errors.run(field, _choice, enum, data.get(field))
    clean["political_status"] = clean["political_status"] or PoliticalStatus.PUBLIC
    clean["age_basis"] = clean["age_basis"] or AgeBasis.ADULT
    for field, enum in _CHOICE_LISTS.items():
        clean[field] = errors.run(field, _choice_list, enum, data.get(field))
    for field, limit in _TEXT_LIMITS.items():
        check = _text if field == "address_detail" else _clear_text
        clean[field] = errors.run(field, check, data.get(field), limit)
    clean["mobile"] = errors.run("mobile", _phone, data.get("mobile"), required=True)
    clean["guardian_mobile"] = errors.run(
        "guardian_mobile", _phone, data.get("guardian_mobile"), required=False
    )
    clean["emergency_contact_phone"] = errors.run(
        "emergency_contact_phone", _phone, data.get("emergency_contact_phone"), required=False
    )
    clean["email"] = errors.run("email", _email, data.get("email"))
    clean["home_division"] = errors.run(
        "home_division", resolve_division, data.get("home_division")
    )
    clean["work_unit"] = errors.run("work_unit", resolve_work_unit, data.get("work_unit"))
    clean["guardian_name"] = errors.run("guardian_name", _optional_name, data.get("guardian_name"))
    if clean["work_unit"] is not None and not clean["work_unit_name"]:
        clean["work_unit_name"] = clean["work_unit"].name
    if not errors.errors:
        errors.run("age_basis", check_age, clean, policy=policy, today=today)
    if errors.errors:
        raise ValidationError(errors.errors)
    return clean, document.warnings


def _email(raw: Any) -> str:
    value = str(raw or "").strip()
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(
                _("Enter an email address such as name@example.com, or leave it empty."),
                code="invalid_email",
            ) from None
    # Kept in clear: an address made of a mobile number ("13812345678@qq.com") is refused.
    return refuse_personal_number(value)


def _optional_name(raw: Any) -> str:
    return clean_name(raw) if str(raw or "").strip() else ""


def _derive(
    data: Mapping[str, Any], document: Any, clean: dict[str, Any], errors: _Errors, today: date
) -> None:
    """Birth date and gender from the ID where it carries them; else as typed."""
    typed_birth = errors.run("birth_date", _date, data.get("birth_date"))
    typed_gender = errors.run("gender", _choice, Gender, data.get("gender"))
    derived_birth = document.birth_date if document else None
    derived_gender = document.gender if document else None
    if derived_birth and typed_birth and typed_birth != derived_birth:
        errors.add(
            "birth_date",
            ValidationError(
                _("The date of birth differs from the one in the ID number; check both."),
                code="birth_date_mismatch",
            ),
        )
    if derived_gender and typed_gender and typed_gender != derived_gender:
        errors.add(
            "gender",
            ValidationError(
                _("The gender differs from the one in the ID number; check both."),
                code="gender_mismatch",
            ),
        )
    clean["birth_date"] = derived_birth or typed_birth
    clean["gender"] = derived_gender or typed_gender
    if document is not None and clean["birth_date"] is None and "birth_date" not in errors.errors:
        errors.add("birth_date", ValidationError(_("Enter the date of birth."), code="required"))
    if document is not None and not clean["gender"] and "gender" not in errors.errors:
        errors.add("gender", ValidationError(_("Choose the gender."), code="required"))
    if clean["birth_date"] and clean["birth_date"] > today:
        errors.add(
            "birth_date",
            ValidationError(_("The date of birth cannot be in the future."), code="future"),
        )
    if clean["birth_date"] and clean["birth_date"] < EARLIEST_BIRTH_DATE:
        # 0001-01-01 made an age of 2025, outside every age band of the statistics.
        errors.add(
            "birth_date",
            ValidationError(
                _("The date of birth is before 1900; check the year."), code="before_1900"
            ),
        )


def check_age(clean: Mapping[str, Any], *, policy: RegistrationPolicy, today: date) -> None:
    """The age rules (中国注册志愿者管理办法 第八条, with the city's `policy`):
    under `minimum_age` refused; from `adult_age` on, no condition; below it, the guardian's
    recorded consent (name, relation, mobile), or the school's recorded consent procedure for
    a student registered through a school, or — from `own_income_age` — a declaration of
    living on one's own income. Raises ValidationError (field age_basis or guardian fields)."""
    age = age_on(clean["birth_date"], today)
    basis = clean["age_basis"]
    if age < policy.minimum_age:
        raise ValidationError(
            _("People under %(age)s cannot register as volunteers (registration rules, art. 8)."),
            code="too_young",
            params={"age": policy.minimum_age},
        )
    if age >= policy.adult_age:
        if basis != AgeBasis.ADULT:
            raise ValidationError(
                _("Adults register in their own right; choose “Adult”."), code="adult_basis"
            )
        return
    if basis == AgeBasis.ADULT:
        raise ValidationError(
            _(
                "Under %(age)s: record the guardian's consent, the school's consent, or (%(own)s "
                "and over) a declaration of living on one's own income."
            ),
            code="minor_needs_basis",
            params={"age": policy.adult_age, "own": policy.own_income_age},
        )
    if basis == AgeBasis.OWN_INCOME and age < policy.own_income_age:
        raise ValidationError(
            _("Only people of %(age)s and over may register on their own income."),
            code="too_young_for_own_income",
            params={"age": policy.own_income_age},
        )
    if basis == AgeBasis.GUARDIAN_CONSENT and not (
        clean.get("guardian_name")
        and clean.get("guardian_relation")
        and clean.get("guardian_mobile")
    ):
        raise ValidationError(
            _("Enter the guardian's name, relation and mobile number to record their consent."),
            code="guardian_missing",
        )
    if basis == AgeBasis.SCHOOL_CONSENT and not (
        clean.get("school_consent_reference")
        and (clean.get("work_unit") or clean.get("work_unit_name"))
    ):
        raise ValidationError(
            _("Enter the school and the reference of its consent procedure."),
            code="school_consent_missing",
        )
