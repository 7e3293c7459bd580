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
