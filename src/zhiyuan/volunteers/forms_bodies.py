"""Forms of the registration-body pages. They parse input; the rules (body kinds, codes, the
body's area) live in `services`."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from zhiyuan.organizations.form_fields import OrganizationCodeField, picker_widget, resolve_choice
from zhiyuan.organizations.models import Organization


class DesignateForm(forms.Form):
    organization = OrganizationCodeField(
        help_text=_(
            "A volunteer association, service centre, work unit or team you administer, e.g. "
            "430602001-SC."
        )
    )
    code = forms.CharField(
        label=_("Registration body code"),
        max_length=12,
        help_text=_(
            "2–12 capital letters or digits that start every registration number of the body, "
            "e.g. 4306009. No code may start another."
        ),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(OrganizationCodeField, self.fields["organization"]).actor = actor


class DelegationForm(forms.Form):
    """The organisation that may register volunteers for the body, by code, among
    `candidates` (what the user administers in the body's area)."""

    organization = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        help_text=_(
            "A community organisation, station or district unit in the body's area: type its "
            "name or its code (e.g. 430602001001-ST) and pick it from the list."
        ),
        widget=picker_widget(),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("e.g. the reference of the written consent."),
    )

    def __init__(self, *args: Any, candidates: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates

    def clean_organization(self) -> Organization:
        code = self.cleaned_data["organization"].strip()
        found = resolve_choice(self.candidates, code)
        if found is None:
            raise forms.ValidationError(
                _(
                    "No active organisation with code %(code)s in the body's area that you "
                    "administer, or it already has consent."
                ),
                code="unknown_organization",
                params={"code": code},
            )
        return found
