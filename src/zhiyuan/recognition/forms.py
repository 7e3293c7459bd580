"""Forms of the recognition office pages (the portal's are in the portal app)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.recognition.models import MIN_NOTICE_WORKING_DAYS


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


class PolicyForm(forms.Form):
    """The recognition policy of one of the organisations the user administers."""

    organization = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    yearly_hours = forms.IntegerField(label=_("Hours expected a year"), min_value=1, max_value=1000)
    reminder_dates = forms.CharField(
        label=_("Reminder dates (MM-DD, separated by commas)"), required=False, max_length=100
    )
    star_hours = forms.CharField(
        label=_("Hours for one to five stars (separated by commas)"), max_length=100
    )
    notice_working_days = forms.IntegerField(
        label=_("Public notice in working days"), min_value=MIN_NOTICE_WORKING_DAYS, max_value=60
    )
    bar_months = forms.IntegerField(
        label=_("Months a spot check bars from awards"), min_value=1, max_value=120
    )

    def __init__(self, *args: Any, organizations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = organizations  # type: ignore[attr-defined]

    def clean_reminder_dates(self) -> list[str]:
        return _listed(self.cleaned_data["reminder_dates"])

    def clean_star_hours(self) -> list[str]:
        return _listed(self.cleaned_data["star_hours"])


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Publish the notice")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason (when refusing)"), required=False, max_length=200)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    upheld = forms.BooleanField(
        label=_("The objection is upheld: refuse the award"), required=False
    )


class FlagForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("keep", _("Keep the award")), ("revoke", _("Revoke the award"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ProposeForm(forms.Form):
    volunteer = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
