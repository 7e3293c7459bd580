"""Forms of the standards' pages: an assessment of an item, and an item of a city's list."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.reports.standards.models import StandardItem
from zhiyuan.reports.standards.services import EVIDENCE_MAX_BYTES

MET_CHOICES = [("1", _("Met")), ("0", _("Not met"))]


class AssessmentForm(forms.Form):
    item = forms.ChoiceField(label=_("Item"))
    met = forms.ChoiceField(label=_("Assessment"), choices=MET_CHOICES, widget=forms.RadioSelect)
    assessed_on = forms.DateField(
        label=_("Assessed on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("A JPEG or PNG photo or a PDF of at most %(mb)s MB.")
        % {"mb": EVIDENCE_MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def __init__(self, *args: Any, items: list[StandardItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(item.code, item.label) for item in items]
        cast(forms.ChoiceField, self.fields["item"]).choices = choices

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["met"] = data["met"] == "1"
        return data


class ItemForm(forms.Form):
    name = forms.CharField(label=_("Item"), max_length=100)
    short_name = forms.CharField(
        label=_("Column heading"),
        max_length=12,
        help_text=_("A few characters: the item's column in Attachments 6 and 7."),
    )
    name_en = forms.CharField(label=_("Item in English"), max_length=200, required=False)
    short_name_en = forms.CharField(
        label=_("Column heading in English"), max_length=30, required=False
    )
