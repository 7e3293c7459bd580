"""Forms of the hours pages: times are typed as local date and time (Asia/Shanghai)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.hours.enums import HourStatus, Rounding

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the local zone (a phone's date-time picker)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", LOCAL_FORMATS)
        super().__init__(**kwargs)


class PeriodForm(forms.Form):
    """The office's filter: an organisation of its area (name or code), a period of local
    days, a status."""

    org = forms.CharField(label=_("Organisation (name or code)"), required=False, max_length=200)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *HourStatus.choices]
    )
    activity = forms.IntegerField(
        label=_("Activity number"), required=False, min_value=1, max_value=2**63 - 1
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The period must end on or after its first day."))
        return data


class RecordTimesForm(forms.Form):
    start = LocalDateTimeField(label=_("Start"))
    end = LocalDateTimeField(label=_("End"))
    content = forms.CharField(label=_("Service content"), required=False, max_length=200)


class EntryForm(RecordTimesForm):
    """A leader's entry of one volunteer's hours in a slot (the roster's volunteers)."""

    volunteer = forms.TypedChoiceField(label=_("Volunteer"), coerce=int)

    def __init__(self, *args: Any, volunteers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = volunteers  # type: ignore[attr-defined]
        self.order_fields(["volunteer", "start", "end", "content"])


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why is it rejected?"), max_length=200)


class CorrectionForm(forms.Form):
    """A correction of a confirmed record: the right times and content, or void."""

    start = LocalDateTimeField(label=_("Right start"), required=False)
    end = LocalDateTimeField(label=_("Right end"), required=False)
    content = forms.CharField(label=_("Service content"), required=False, max_length=200)
    void = forms.BooleanField(
        label=_("The service did not take place: void the record"), required=False
    )
    reason = forms.CharField(label=_("What is wrong with the record?"), max_length=200)


class UploadForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Hours of activities of"), coerce=int)
    file = forms.FileField(label=_("Sheet (xlsx or csv)"))

    def __init__(self, *args: Any, organizations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = organizations  # type: ignore[attr-defined]


class PolicyForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    rounding = forms.ChoiceField(label=_("Rounding of each record"), choices=Rounding.choices)

    def __init__(self, *args: Any, organizations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = organizations  # type: ignore[attr-defined]
