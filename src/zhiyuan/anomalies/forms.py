"""Forms of the anomaly pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.anomalies.enums import FlagState, Rule


class FlagFilterForm(forms.Form):
    """The list's filter: a rule, a state (open by default on the page)."""

    rule = forms.ChoiceField(
        label=_("Rule"), required=False, choices=[("", _("All")), *Rule.choices]
    )
    state = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *FlagState.choices]
    )


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the flag closed? (what was checked and found)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
