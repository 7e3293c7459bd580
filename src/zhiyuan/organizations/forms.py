from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.services import EDITABLE_FIELDS


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = list(EDITABLE_FIELDS)
        widgets = {"contact_phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel"})}


class NewOrganizationForm(OrganizationForm):
    code = forms.CharField(
        label=_("organisation code"),
        max_length=40,
        help_text=_("Unique; letters, digits and dashes."),
    )

    class Meta(OrganizationForm.Meta):
        fields = ["code", *OrganizationForm.Meta.fields]


class ManagementAreaForm(forms.Form):
    name = forms.CharField(
        label=_("Area name"), max_length=60, help_text=_("e.g. 岳阳经济技术开发区")
    )
    code = forms.CharField(
        label=_("Area code"), max_length=31, help_text=_("Letters, digits and dashes, e.g. YYETDZ.")
    )
    townships = forms.CharField(
        label=_("Townships it administers"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("12-digit township codes, separated by commas or spaces."),
    )
