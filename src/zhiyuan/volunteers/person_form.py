"""The registration form (Attachment 4, 注册志愿者登记表) as a Django form: `PersonForm`, the
person's data under `rules.PERSON_FIELDS`. The registrar's forms (`forms`) and the volunteers'
self-registration (`zhiyuan.portal`) build on it. It parses input into the shapes the
services take; the rules themselves (names, ID numbers, phones, dates, ages) live in
`rules.clean_person`, which the service runs, and its field-keyed ValidationError is shown on
the form with `zhiyuan.common.forms.add_validation_errors`.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhiyuan.common.identity import DocumentType, Gender
from zhiyuan.divisions.enums import DivisionLevel
from zhiyuan.divisions.models import Division
from zhiyuan.volunteers import rules
from zhiyuan.volunteers.enums import (
    ActivityCategory,
    AgeBasis,
    AvailableTime,
    Education,
    Ethnicity,
    PoliticalStatus,
    Skill,
)

_BLANK = ("", "—")


_TEL = {"type": "tel", "inputmode": "tel", "autocomplete": "tel"}


# More villages than this in an area, and the home-division list offers townships only.
DIVISION_OPTIONS_MAX = 600


# Shown as required (the rules refuse the form without them); the check itself is the rules'.
MARKED_REQUIRED = frozenset({"name", "document_number", "mobile"})


# The fields of the age-basis block (中国注册志愿者管理办法 第八条), shown for minors.
AGE_BASIS_FIELDS = (
    "age_basis",
    "guardian_name",
    "guardian_relation",
    "guardian_mobile",
    "school_consent_reference",
)


def _text(label: Any, *, max_length: int, help_text: Any = "", **attrs: Any) -> forms.CharField:
    # Lenient on purpose: the rules say what is wrong; max_length only stops giant input.
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=help_text,
        strip=False,
        widget=forms.TextInput(attrs=attrs),
    )


def _choices(enum: Any, *, blank: bool = True) -> list[tuple[str, Any]]:
    return [_BLANK, *enum.choices] if blank else list(enum.choices)


def _checkboxes(label: Any, enum: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=enum.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def division_choices(area: Division) -> list[Any]:
    """Home-division options within `area`: a group per township with the township itself
    first ("elsewhere in …") and its communities and villages; where the area holds more
    than DIVISION_OPTIONS_MAX villages, the townships only, grouped by county. Abolished
    divisions are left out (people name where they live today)."""
    below = Division.objects.filter(code__startswith=area.prefix, abolished=False)
    villages = below.filter(level=DivisionLevel.VILLAGE)
    if villages.count() > DIVISION_OPTIONS_MAX:
        return _grouped(below.filter(level=DivisionLevel.TOWNSHIP), DivisionLevel.COUNTY)
    rows = below.filter(level__in=[DivisionLevel.TOWNSHIP, DivisionLevel.VILLAGE])
    choices: list[Any] = [_BLANK]
    groups: dict[str, list[tuple[str, str]]] = {}
    names: dict[str, str] = {}
    for division in rows.order_by("code").only("code", "name", "level", "parent_id"):
        if division.level == DivisionLevel.TOWNSHIP:
            names[division.code] = division.name
            label = _("%(township)s (another community, or not sure)") % {"township": division.name}
            groups.setdefault(division.code, []).insert(0, (division.code, str(label)))
        else:
            groups.setdefault(str(division.parent_id), []).append((division.code, division.name))
    for code, options in groups.items():
        choices.append((names.get(code, code), options))
    return choices


def _grouped(townships: Any, parent_level: int) -> list[Any]:
    parents = {
        division.code: division.name
        for division in Division.objects.filter(
            code__in=townships.values("parent_id"), level=parent_level
        )
    }
    groups: dict[str, list[tuple[str, str]]] = {}
    for division in townships.order_by("code").only("code", "name", "parent_id"):
        label = parents.get(str(division.parent_id), "")
        groups.setdefault(label, []).append((division.code, division.name))
    return [_BLANK, *groups.items()]


class PersonForm(forms.Form):
    """The person's data of a registration (Attachment 4); keys are rules.PERSON_FIELDS.

    `division_area` limits the home division to a select of the townships and villages in
    that division (`division_choices`); without it the field takes a 12-digit division code.
    The form only checks shapes (choices from the enums); call the service with
    `person_data()` and show its ValidationError with `add_validation_errors`.
    A view may delete fields it does not offer (e.g. "work_unit"): `person_data()` leaves
    them out.
    """

    name = _text(
        pgettext_lazy("person", "Name"),
        max_length=100,
        help_text=_("As on your ID document."),
        autocomplete="name",
    )
    document_type = forms.ChoiceField(
        label=_("ID document type"),
        choices=_choices(DocumentType, blank=False),
        initial=DocumentType.RESIDENT_ID,
        required=False,
    )
    document_number = _text(
        _("ID number"),
        max_length=40,
        help_text=_("The number is stored encrypted and shown masked."),
        autocomplete="off",
        autocapitalize="characters",
        spellcheck="false",
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=_choices(Gender),
        required=False,
        help_text=_("Taken from a resident ID number; choose it for other documents."),
    )
    birth_date = forms.CharField(
        label=_("Date of birth"),
        required=False,
        max_length=20,
        help_text=_("Taken from a resident ID number; enter it for other documents."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=_choices(Ethnicity), required=False)
    political_status = forms.ChoiceField(
        label=_("Political status"),
        choices=_choices(PoliticalStatus, blank=False),
        initial=PoliticalStatus.PUBLIC,
        required=False,
    )
    education = forms.ChoiceField(label=_("Education"), choices=_choices(Education), required=False)
    occupation = _text(_("Occupation"), max_length=100)
    work_unit = _text(
        _("Work unit code"),
        max_length=40,
        help_text=_("If your work unit or school is on the platform: its organisation code."),
        autocapitalize="characters",
    )
    work_unit_name = _text(_("Work unit or school"), max_length=200, autocomplete="organization")
    mobile = _text(
        _("Mobile number"),
        max_length=30,
        help_text=_("Your own mobile: the confirmation code is sent to it."),
        **_TEL,
    )
    email = forms.CharField(
        label=_("Email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    home_division = _text(
        _("Home community or village"),
        max_length=20,
        help_text=_("The 12-digit division code, e.g. 430602001001."),
        inputmode="numeric",
    )
    address_detail = _text(
        _("Address"),
        max_length=400,
        help_text=_("Street, building and door number; stored encrypted."),
        autocomplete="street-address",
    )
    skills = _checkboxes(_("Skills"), Skill)
    service_intentions = _checkboxes(_("What you would like to do"), ActivityCategory)
    available_times = _checkboxes(_("When you are free"), AvailableTime)
    emergency_contact_name = _text(_("Emergency contact"), max_length=100)
    emergency_contact_phone = _text(_("Emergency contact's mobile"), max_length=30, **_TEL)
    age_basis = forms.ChoiceField(
        label=_("Basis of registration"),
        choices=_choices(AgeBasis, blank=False),
        initial=AgeBasis.ADULT,
        required=False,
        widget=forms.RadioSelect,
    )
    guardian_name = _text(_("Guardian's name"), max_length=100)
    guardian_relation = _text(
        _("Guardian's relation"), max_length=40, help_text=_("e.g. father, mother.")
    )
    guardian_mobile = _text(_("Guardian's mobile"), max_length=30, **_TEL)
    school_consent_reference = _text(
        _("Reference of the school's consent"),
        max_length=200,
        help_text=_("The number or title of the school's consent record."),
    )

    marked_required = MARKED_REQUIRED

    def __init__(self, *args: Any, division_area: Division | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if division_area is not None:
            field = self.fields["home_division"]
            self.fields["home_division"] = forms.ChoiceField(
                label=field.label, choices=division_choices(division_area), required=False
            )
        for name in MARKED_REQUIRED:
            self.fields[name].widget.attrs["aria-required"] = "true"

    def person_data(self) -> dict[str, Any]:
        """The cleaned values under rules.PERSON_FIELDS, for `register_volunteer` and
        `update_person` (raw text: the rules normalise it)."""
        return {
            field: self.cleaned_data.get(field)
            for field in rules.PERSON_FIELDS
            if field in self.fields
        }

    def age_basis_fields(self) -> list[Any]:
        return [self[name] for name in AGE_BASIS_FIELDS if name in self.fields]

    def shows_age_basis(self) -> bool:
        """Open the age-basis block: a minor's basis chosen, or an error in the block."""
        chosen = self["age_basis"].value() if "age_basis" in self.fields else None
        has_errors = any(name in self.errors for name in AGE_BASIS_FIELDS)
        return has_errors or (chosen not in (None, "", AgeBasis.ADULT))
