"""Forms of the targets' pages: figures with the date they hold from, a unit's category, the
city's rates and built-up area, and the upload of a target sheet."""

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.divisions.models import Division
from zhiyuan.organizations.enums import UnitCategory
from zhiyuan.reports.models import RATE_FIELDS, TargetPolicy
from zhiyuan.reports.services import MAX_FIGURE

FIGURE_ERRORS = {
    "invalid": _("Enter a whole number, e.g. 120."),
    "min_value": _("A headcount or population cannot be negative."),
    "max_value": _("This number is too large to be right."),
}


def _figure(label: Any, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_FIGURE,
        error_messages=FIGURE_ERRORS,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _date(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )


class HeadcountForm(forms.Form):
    headcount = _figure(
        _("Headcount"),
        _("Staff; at schools and universities, staff and students aged 14 and over."),
    )
    valid_from = _date(_("Valid from"))
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        required=False,
        help_text=_("Where the figure comes from, e.g. 2026 年人事报表."),
    )


class PopulationForm(forms.Form):
    division = forms.ChoiceField(label=_("Division"))
    population = _figure(_("Resident population"))
    valid_from = _date(_("Valid from"))
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        required=False,
        help_text=_("e.g. 第七次全国人口普查, or the street's count of 2026."),
    )

    def __init__(self, *args: Any, divisions: list[Division], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.divisions = {division.code: division for division in divisions}
        self.fields["division"].choices = [  # type: ignore[attr-defined]
            (d.code, f"{d.name} ({d.code})") for d in divisions
        ]

    def clean_division(self) -> Division:
        return self.divisions[self.cleaned_data["division"]]


class CategoryForm(forms.Form):
    unit_category = forms.ChoiceField(label=_("Unit category"), choices=UnitCategory.choices)


_CODES = re.compile(r"[\s,，、;；]+")


class PolicyForm(forms.Form):
    built_up_area = forms.CharField(
        label=_("Built-up urban area"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "12-digit codes of the districts, streets or communities whose resident population "
            "the city-wide target is a share of, separated by commas or spaces."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {f.name: f.verbose_name for f in TargetPolicy._meta.fields}
        for name in RATE_FIELDS:
            self.fields[name] = forms.DecimalField(
                label=labels[name],
                min_value=Decimal(0),
                max_value=Decimal(100),
                max_digits=5,
                decimal_places=2,
                error_messages={
                    "min_value": _("A rate is a percentage from 0 to 100."),
                    "max_value": _("A rate is a percentage from 0 to 100."),
                },
            )
        self.order_fields([*RATE_FIELDS, "built_up_area"])

    def clean_built_up_area(self) -> list[Division]:
        codes = [code for code in _CODES.split(self.cleaned_data["built_up_area"]) if code]
        found = {d.code: d for d in Division.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown division codes: %(codes)s."),
                params={"codes": "、".join(code[:20] for code in unknown[:10])},
            )
        return [found[code] for code in dict.fromkeys(codes)]


class TargetUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Target sheet (xlsx or csv)"),
        help_text=_("At most 5 MB. Download the template: it lists the units of your area."),
    )
    valid_from = _date(_("Figures hold from"))
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        required=False,
        help_text=_("For rows that name none; the file's name when empty."),
    )
