"""Forms of the work plan's pages: a step of a city, the plan's defaults, a report that a step
is done, and the reason a report is returned."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.organizations.models import Organization
from zhiyuan.reports.rounds.models import ReportingRound
from zhiyuan.workplan.enums import StepLevel, StepLink
from zhiyuan.workplan.services import EVIDENCE_MAX_BYTES

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StepForm(forms.Form):
    name = forms.CharField(label=_("Step"), max_length=100)
    name_en = forms.CharField(label=_("Step in English"), max_length=200, required=False)
    description = forms.CharField(
        label=_("What is asked"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_date = forms.DateField(label=_("Due date"), widget=DATE_WIDGET, input_formats=["%Y-%m-%d"])
    levels = forms.MultipleChoiceField(
        label=_("Applies to"), choices=StepLevel.choices, widget=forms.CheckboxSelectMultiple
    )
    link = forms.ChoiceField(label=_("Reports link to"), choices=StepLink.choices, required=False)
    round = forms.ModelChoiceField(
        label=_("Reporting round of Attachments 5–7"),
        queryset=ReportingRound.objects.none(),
        required=False,
        help_text=_("For a step linking to a reporting round."),
    )

    def __init__(self, *args: Any, rounds: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if rounds is not None:
            cast(forms.ModelChoiceField, self.fields["round"]).queryset = rounds


class DefaultsForm(forms.Form):
    year = forms.IntegerField(label=_("Campaign year"), min_value=2000, max_value=2100)


class ReportForm(forms.Form):
    responsible_person = forms.CharField(label=_("Responsible person"), max_length=50)
    contact_phone = forms.CharField(
        label=_("Their mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
        help_text=_("Kept encrypted; shown masked."),
    )
    responsible_department = forms.CharField(
        label=_("Responsible department"), max_length=100, required=False
    )
    note = forms.CharField(
        label=_("What was done"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = forms.FileField(
        label=_("Document or photo (optional)"),
        required=False,
        help_text=_("A JPEG or PNG photo or a PDF of at most %(mb)s MB.")
        % {"mb": EVIDENCE_MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
    stations = forms.ModelMultipleChoiceField(
        label=_("Stations built to the six haves"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: all the stations of your area."),
    )

    def __init__(self, *args: Any, stations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if stations is None:
            del self.fields["stations"]
        else:
            cast(forms.ModelMultipleChoiceField, self.fields["stations"]).queryset = stations


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Why it is returned"), max_length=200)


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you need the number"),
        max_length=200,
        help_text=_("Each viewing is recorded in the audit log."),
    )
