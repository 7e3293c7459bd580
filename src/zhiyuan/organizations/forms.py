from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.organizations.models import Organization


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "kind",
            "level",
            "specialty",
            "unit_category",
            "headcount",
            "station_type",
            "address",
            "responsible_department",
            "responsible_person",
            "contact_phone",
        ]
        widgets = {"contact_phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel"})}


class NewOrganizationForm(OrganizationForm):
    code = forms.CharField(
        label=_("organisation code"),
        max_length=40,
        help_text=_("Unique; letters, digits and dashes."),
    )

    class Meta(OrganizationForm.Meta):
        fields = ["code", *OrganizationForm.Meta.fields]
