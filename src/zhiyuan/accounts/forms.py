"""Forms of the account pages. They parse input; the rules live in `services`."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.form_fields import OrganizationCodeField

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
_TEL = {"type": "tel", "inputmode": "tel", "autocomplete": "tel"}
# No role preselected: granting administrator by a careless click must not be the default.
_ROLE_CHOICES = [("", "---------"), *RoleKind.choices]


class LoginForm(forms.Form):
    identifier = forms.CharField(
        label=_("Mobile number or username"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class _ActorForm(forms.Form):
    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, OrganizationCodeField):
                field.actor = actor


class AccountForm(_ActorForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    username = forms.CharField(
        label=_("Username"),
        max_length=50,
        help_text=_("3 to 50 letters, digits or . @ + - _; not only digits."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    mobile = forms.CharField(label=_("Mobile"), max_length=30, widget=forms.TextInput(attrs=_TEL))
    organization = OrganizationCodeField()
    kind = forms.ChoiceField(label=_("Role"), choices=_ROLE_CHOICES)
    send_invitation = forms.BooleanField(
        label=_("Send the invitation by SMS now"), required=False, initial=True
    )


class AccountEditForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    mobile = forms.CharField(label=_("Mobile"), max_length=30, widget=forms.TextInput(attrs=_TEL))


class GrantRoleForm(_ActorForm):
    organization = OrganizationCodeField()
    kind = forms.ChoiceField(label=_("Role"), choices=_ROLE_CHOICES)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("An .xlsx or .csv file of at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file; create nothing"), required=False, initial=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."), code="too_large")
        return upload


class NewPasswordForm(forms.Form):
    """Two password fields that must match; the password rules are checked by the service."""

    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class ResetRequestForm(forms.Form):
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=30,
        widget=forms.TextInput(attrs={**_TEL, "autofocus": True}),
    )


class ResetCodeForm(forms.Form):
    mobile = forms.CharField(max_length=30, widget=forms.HiddenInput)
    code = forms.RegexField(
        label=_("Code from the SMS"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class ResetPasswordForm(NewPasswordForm):
    """The new password, and which person it is for when several share the mobile."""

    user_id = forms.TypedChoiceField(
        label=_("Whose password?"), coerce=int, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user_id"]
        field.choices = choices  # type: ignore[attr-defined]
        if len(choices) == 1:
            field.initial = choices[0][0]
            field.widget = forms.HiddenInput()
        # Shown first: the person is chosen before the password.
        self.order_fields(["user_id", "password1", "password2"])
