"""Forms of the checks pages: they parse input; the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.accounts.models import User
from zhiyuan.checks.enums import AttemptMethod, CheckedDetail, Decision, ItemKind, Outcome, Subject
from zhiyuan.organizations.form_fields import OrganizationCodeField


class CampaignForm(forms.Form):
    organization = OrganizationCodeField(
        label=_("Area checked"), help_text=_("The city, a district, or an area below them.")
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    subject = forms.ChoiceField(label=_("What is checked"), choices=Subject.choices)
    period_start = forms.DateField(
        label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"})
    )
    sample_size = forms.IntegerField(
        label=_("Sample size"),
        min_value=1,
        required=False,
        help_text=_("For each kind checked. Or give a rate."),
    )
    sample_rate = forms.DecimalField(
        label=_("Or a rate (%)"), min_value=0, max_value=100, decimal_places=2, required=False
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        required=False,
        help_text=_(
            "Left empty, one is drawn and recorded: anyone can draw the same sample again."
        ),
    )

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].actor = actor  # type: ignore[attr-defined]


class AssignForm(forms.Form):
    checker: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Checker"), queryset=User.objects.none()
    )

    def __init__(self, *args: Any, checkers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checker"].queryset = checkers  # type: ignore[attr-defined]
        self.fields["checker"].label_from_instance = lambda user: user.name or user.username  # type: ignore[attr-defined]


class AttemptForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Call or visit"), choices=AttemptMethod.choices, widget=forms.RadioSelect
    )
    reached = forms.TypedChoiceField(
        label=_("Did it reach the person?"),
        choices=[("0", _("No answer, not found")), ("1", _("Reached"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    wrong_fields = forms.MultipleChoiceField(
        label=_("Which details are wrong"),
        choices=CheckedDetail.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("What the person said"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed for a denial or wrong details. No ID or phone numbers."),
    )

    def __init__(self, *args: Any, kind: str = ItemKind.HOURS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kind == ItemKind.REGISTRATION:  # only an hour record's hours can be denied
            outcome: Any = self.fields["outcome"]
            outcome.choices = [c for c in Outcome.choices if c[0] != Outcome.DENIES_HOURS]
            fields: Any = self.fields["wrong_fields"]
            fields.choices = [c for c in CheckedDetail.choices if not c[0].startswith("hours_")]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[], widget=forms.RadioSelect, required=False
    )
    note = forms.CharField(
        label=_("What was decided and why"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = forms.FileField(
        label=_("Evidence (a photo or PDF)"),
        required=False,
        help_text=_("Needed to dispute the finding."),
    )

    def __init__(self, *args: Any, decisions: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Decision.choices)
        self.fields["decision"].choices = [(d, labels[d]) for d in decisions]  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
