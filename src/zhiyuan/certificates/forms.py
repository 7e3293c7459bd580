"""Forms of the certificates' office pages (the portal keeps its own request form)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.certificates.enums import CertificateStatus


def _day(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class PeriodFields(forms.Form):
    """A period of local days (either end open) and what the certificate shows."""

    start = _day(_("From (leave empty for all records)"))
    end = _day(_("To (leave empty for up to today)"))
    per_activity = forms.BooleanField(label=_("List the hours per activity"), required=False)


class IssueForm(PeriodFields):
    """The office issues a certificate: the issuer (name or code), the volunteer's registration
    number, the period."""

    issuer = forms.CharField(
        label=_("Issued by (name or code)"),
        max_length=200,
        widget=forms.TextInput(attrs={"list": "certificate-issuers", "autocomplete": "off"}),
    )
    registration_number = forms.CharField(label=_("Volunteer's registration number"), max_length=40)
    full_number = forms.BooleanField(
        label=_("The volunteer asked for their full ID number on the certificate"),
        required=False,
    )
    field_order = ["issuer", "registration_number", "start", "end", "per_activity", "full_number"]


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Why is the certificate revoked?"), max_length=200)


class FilterForm(forms.Form):
    q = forms.CharField(
        label=_("Certificate number, name or registration number"),
        required=False,
        max_length=50,
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *CertificateStatus.choices]
    )


class SettingsForm(forms.Form):
    handler = forms.CharField(
        label=_("Handler"),
        required=False,
        max_length=50,
        help_text=_("Printed as the handler of the certificates volunteers ask for themselves."),
    )
    contact = forms.CharField(
        label=_("Contact for certificates"),
        required=False,
        max_length=40,
        help_text=_("The office telephone printed on certificates, where they can be checked."),
    )


class SealForm(forms.Form):
    seal = forms.FileField(
        label=_("Seal image"),
        help_text=_("A PNG (best with a transparent background) or JPEG image of at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
