"""Forms of the award pages: opening a campaign, a quota, a nomination, a score, an objection
and its answer. They parse input; the services check the rules."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhiyuan.awards.enums import CategoryKind, Subject
from zhiyuan.awards.models import MIN_NOTICE_DAYS, Category
from zhiyuan.awards.services import EVIDENCE_MAX_BYTES, CategoryInput
from zhiyuan.organizations.models import Organization

DATE = {
    "widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    "input_formats": ["%Y-%m-%d"],
}
#: The usual categories offered when a campaign is opened, with their fields' names.
USUAL = [kind for kind in CategoryKind if kind != CategoryKind.OTHER]


class CampaignForm(forms.Form):
    organization = forms.ChoiceField(label=_("Organised by"))
    title = forms.CharField(label=_("Title"), max_length=100)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    criteria = forms.CharField(
        label=_("Criteria"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    nominations_close = forms.DateField(label=_("Nominations close"), **DATE)  # type: ignore[arg-type]
    review_ends = forms.DateField(label=_("Review ends"), **DATE)  # type: ignore[arg-type]
    notice_days = forms.IntegerField(
        label=_("Notice period in working days"),
        min_value=MIN_NOTICE_DAYS,
        max_value=60,
        initial=7,
        help_text=_("Weekends and public holidays are not counted."),
    )
    other_name = forms.CharField(
        label=_("Another category (optional)"), max_length=50, required=False
    )
    other_subject = forms.ChoiceField(
        label=_("It honours"), choices=Subject.choices, required=False
    )
    other_places = forms.IntegerField(
        label=_("Awards in that category"), min_value=0, max_value=1000, required=False
    )

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["organization"])
        field.choices = [(str(o.pk), o.name) for o in organizations]
        for kind in USUAL:
            self.fields[f"places_{kind.value}"] = forms.IntegerField(
                label=_("Awards: %(category)s") % {"category": kind.label},
                min_value=0,
                max_value=1000,
                required=False,
                help_text=_("0 or empty: not in this campaign."),
            )
        others = ["other_name", "other_subject", "other_places"]
        self.order_fields([name for name in self.fields if name not in others] + others)

    def categories(self) -> list[CategoryInput]:
        data = self.cleaned_data
        found = [
            CategoryInput(kind=kind.value, places=data[f"places_{kind.value}"])
            for kind in USUAL
            if data.get(f"places_{kind.value}")
        ]
        if data.get("other_name") and data.get("other_places"):
            found.append(
                CategoryInput(
                    kind=CategoryKind.OTHER,
                    name=data["other_name"],
                    subject=data.get("other_subject") or "",
                    places=data["other_places"],
                )
            )
        return found


class QuotaForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    unit = forms.CharField(
        label=_("Unit (organisation code)"),
        max_length=40,
        help_text=_("A district's or a street's code, e.g. 430602-GC."),
    )
    places = forms.IntegerField(label=_("Nominations"), min_value=0, max_value=1000)

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["category"])
        field.choices = [(str(c.pk), c.name) for c in categories]


class NominationForm(forms.Form):
    nominator = forms.ChoiceField(label=_("Nominated by"))
    category = forms.ChoiceField(label=_("Category"))
    registration_number = forms.CharField(
        label=_("Volunteer's registration number"),
        max_length=30,
        required=False,
        help_text=_("For a category that honours a volunteer."),
    )
    organization_code = forms.CharField(
        label=_("Organisation's code"),
        max_length=40,
        required=False,
        help_text=_("For a category that honours a team, a station or a project's organiser."),
    )
    project_title = forms.CharField(label=_("Project"), max_length=100, required=False)
    citation = forms.CharField(
        label=_("Citation"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Published on the portal with the shortlist and the results."),
    )
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def __init__(
        self,
        *args: Any,
        nominators: list[Organization],
        categories: list[Category],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["nominator"]).choices = [
            (str(o.pk), o.name) for o in nominators
        ]
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            (str(c.pk), f"{c.name} ({c.get_subject_display()})") for c in categories
        ]
        # Worded when the form is made, in the reader's language.
        self.fields["evidence"].help_text = gettext(
            "A JPEG or PNG photo or a PDF of at most %(mb)s MB."
        ) % {"mb": EVIDENCE_MAX_BYTES // (1024 * 1024)}


class ScoreForm(forms.Form):
    score = forms.DecimalField(
        label=_("Score (0–100)"), min_value=0, max_value=100, max_digits=4, decimal_places=1
    )
    comment = forms.CharField(label=_("Comment (optional)"), max_length=200, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why it is withdrawn"), max_length=200)


class AnswerForm(forms.Form):
    upheld = forms.ChoiceField(
        label=_("Decision"),
        choices=[("0", _("Dismissed")), ("1", _("Upheld: disqualify the nomination"))],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=_("Answer"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
