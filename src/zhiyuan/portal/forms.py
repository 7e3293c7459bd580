"""Forms of the volunteers' own pages: self-registration (the registration form of Attachment
4, `PersonForm`, with the registration point and the person's separate consent), the
one-time codes, the log-in by mobile, joining a team and a volunteer's request. They parse
input; the rules live in the services they are handed to.
"""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.volunteers.enums import RequestKind
from zhiyuan.volunteers.person_form import PersonForm

_BLANK = ("", "—")
_TEL = {"type": "tel", "inputmode": "tel", "autocomplete": "tel"}


class SelfRegistrationForm(PersonForm):
    """The public registration page: the person's data, where they register, and their
    separate consent to processing their ID number (个人信息保护法 第二十九条), which the
    service checks (an unticked box: error under "consent", nothing written)."""

    point = forms.CharField(widget=forms.HiddenInput, max_length=40)
    consent = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that my ID number is processed for my "
            "registration as described there."
        ),
        required=False,
    )

    field_order = ["point"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Self-registrants do not know organisation codes: they type the unit's name.
        del self.fields["work_unit"]


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from the SMS"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={
            "invalid": _("The code has 6 digits."),
            "required": _("Enter the 6-digit code."),
        },
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]*",
                "maxlength": "6",
            }
        ),
    )


class MobileCodeForm(CodeForm):
    """Confirming without the registration in the session: the mobile and the code."""

    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=30,
        error_messages={"required": _("Enter a mobile number.")},
        widget=forms.TextInput(attrs=_TEL),
    )
    field_order = ["mobile", "code"]


class MobileForm(forms.Form):
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=30,
        error_messages={"required": _("Enter a mobile number.")},
        widget=forms.TextInput(attrs=_TEL),
    )


class LoginCodeForm(CodeForm):
    """Second log-in step; `ticket` carries the mobile number encrypted, so that it is kept
    neither in the page in clear nor in the session."""

    ticket = forms.CharField(widget=forms.HiddenInput, max_length=500)


class VolunteerRequestForm(forms.Form):
    volunteer = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("Request"), choices=RequestKind.choices, widget=forms.HiddenInput
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=1000,
        help_text=_(
            "Say what is wrong and what is right, without ID or mobile numbers: the "
            "registrars check those with you."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class JoinTeamForm(forms.Form):
    """`teams` are option groups: (label, [(team id, name), …]) (selectors.team_choices)."""

    volunteer = forms.IntegerField(widget=forms.HiddenInput)
    team = forms.TypedChoiceField(label=_("Team or station"), coerce=int, choices=())

    def __init__(self, *args: Any, teams: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["team"])
        field.choices = [_BLANK, *teams]
