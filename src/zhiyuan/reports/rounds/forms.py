"""Forms of reporting rounds: opening one, withdrawing a submission."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.organizations.form_fields import OrganizationCodeField
from zhiyuan.reports import kinds
from zhiyuan.reports.rounds.models import SubmitterLevel
from zhiyuan.reports.rounds.services import MAX_REMIND_DAYS


def _date(label: Any, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )


class RoundForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=100,
        help_text=_("E.g. 2026 registered-volunteer statistics."),
    )
    organization = OrganizationCodeField(
        label=_("Area"),
        help_text=_("The organisation whose districts or streets submit (usually the city)."),
    )
    tables = forms.MultipleChoiceField(
        label=_("Tables"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    submitter_level = forms.ChoiceField(
        label=_("Submitted by"), choices=SubmitterLevel.choices, initial=SubmitterLevel.STREETS
    )
    reference_date = _date(_("Reference date"), _("The tables count as on this day."))
    due_date = _date(_("Due date"), _("E.g. 15 June. Later submissions are accepted as late."))
    remind_days_before = forms.IntegerField(
        label=_("Remind from (days before the due date)"),
        min_value=0,
        max_value=MAX_REMIND_DAYS,
        initial=3,
        help_text=_(
            "Administrators who have not submitted get one SMS a day from then until the due date."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. hand in the sealed paper copy as well."),
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].actor = actor  # type: ignore[attr-defined]
        self.fields["tables"].choices = [  # type: ignore[attr-defined]
            (kind.key, kind.label) for kind in kinds.table_kinds()
        ]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing (optional)"),
        max_length=200,
        required=False,
        help_text=_("E.g. a unit's headcount was wrong."),
    )
