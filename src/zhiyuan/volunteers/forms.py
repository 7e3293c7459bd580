"""Forms of the office pages for registered volunteers: the registrar's registration form and
correction form (both `person_form.PersonForm`, Attachment 4) and the reason asked before full
values are shown. They parse input into the shapes the services take; the rules live in
`rules.clean_person`, which the service runs.
"""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.volunteers import rules
from zhiyuan.volunteers.person_form import PersonForm


class RegistrarRegistrationForm(PersonForm):
    """A registrar enters a registration form (Attachment 4) for a person: where it is
    registered (one of the registrar's registration points), the person's data, and the
    record that the person read the privacy notice and consented separately."""

    point = forms.ChoiceField(label=_("Registered with / through"))
    consent = forms.BooleanField(
        label=_(
            "The person has read the privacy notice and consents separately to processing "
            "their ID number (Personal Information Protection Law, art. 29)."
        ),
        required=False,
    )
    send_confirmation = forms.BooleanField(
        label=_("Text the person a confirmation code now"), required=False, initial=True
    )

    field_order = ["point"]

    def __init__(self, *args: Any, points: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["point"]).choices = [
            (point.key, str(point)) for point in points
        ]
        self.points = {point.key: point for point in points}

    def chosen_point(self) -> Any:
        return self.points.get(self.cleaned_data.get("point", ""))


# Encrypted values are never put back into a form (the page would show them in full): their
# fields start empty on the correction form and an empty one keeps the stored value.
KEPT_WHEN_EMPTY = (
    "document_number",
    "mobile",
    "guardian_mobile",
    "emergency_contact_phone",
    "address_detail",
)


class CorrectionForm(PersonForm):
    """A registrar corrects a registration's details; masked fields left empty stay as
    they are."""

    def __init__(self, *args: Any, volunteer: Any, **kwargs: Any) -> None:
        initial = {
            field: getattr(volunteer, field)
            for field in rules.PERSON_FIELDS
            if field not in KEPT_WHEN_EMPTY
        }
        initial["work_unit"] = volunteer.work_unit.code if volunteer.work_unit else ""
        initial["home_division"] = volunteer.home_division_id or ""
        initial["birth_date"] = volunteer.birth_date.isoformat()
        super().__init__(*args, initial=initial, **kwargs)
        for field in KEPT_WHEN_EMPTY:
            self.fields[field].help_text = _("Stored; leave empty to keep it.")

    def changes(self) -> dict[str, Any]:
        data = self.person_data()
        return {
            field: value
            for field, value in data.items()
            if not (field in KEPT_WHEN_EMPTY and not str(value or "").strip())
        }


class ReasonForm(forms.Form):
    """Why full values are asked for (a full export, a revealed registration form)."""

    reason = forms.CharField(
        label=_("Why do you need the full values?"),
        max_length=200,
        help_text=_("Recorded in the audit log with your name, e.g. “insurance for the event”."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
