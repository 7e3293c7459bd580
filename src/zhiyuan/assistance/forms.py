"""Forms of the office's help pages: times are typed as local date and time (Asia/Shanghai).
The portal has its own (`portal.assistance`), with the same fields."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.assistance.enums import HelpKind, Urgency

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", LOCAL_FORMATS)
        super().__init__(**kwargs)


class RequestFieldsForm(forms.Form):
    """What help, where, when, how urgent; a relative's name and relation when one asks."""

    kind = forms.ChoiceField(label=_("What help is needed?"), choices=HelpKind.choices)
    description = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    division = forms.ChoiceField(label=_("Community or street"))
    address = forms.CharField(label=_("Address"), max_length=200)
    needed_at = LocalDateTimeField(label=_("When (empty: as soon as possible)"), required=False)
    urgency = forms.TypedChoiceField(
        label=_("How urgent?"), choices=Urgency.choices, coerce=int, initial=Urgency.ROUTINE
    )
    asked_by_name = forms.CharField(
        label=_("A relative asking: their name"), required=False, max_length=50
    )
    asked_by_relation = forms.CharField(
        label=_("Their relation to the volunteer"), required=False, max_length=20
    )

    def __init__(self, *args: Any, places: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = [("", "—"), *places]  # type: ignore[attr-defined]


class OfficeRequestForm(RequestFieldsForm):
    """A call taken by an office: the volunteer by registration number."""

    registration_number = forms.CharField(
        label=_("The volunteer's registration number"), max_length=30
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["registration_number"])


class TakeForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Take it for"), coerce=int)

    def __init__(self, *args: Any, organizations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = organizations  # type: ignore[attr-defined]


class OutcomeForm(forms.Form):
    """What was done, and the helpers' time under one of the team's activities."""

    outcome = forms.CharField(
        label=_("What was done?"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    helpers = forms.TypedMultipleChoiceField(
        label=_("Who helped (members of the team)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    activity = forms.TypedChoiceField(
        label=_("Their hours count under the activity"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    start = LocalDateTimeField(label=_("Help began"), required=False)
    end = LocalDateTimeField(label=_("Help ended"), required=False)

    def __init__(
        self,
        *args: Any,
        members: list[tuple[int, str]],
        activities: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["helpers"].choices = members  # type: ignore[attr-defined]
        self.fields["activity"].choices = [("", "—"), *activities]  # type: ignore[attr-defined]


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("Asked from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The period must end on or after its first day."))
        return data
