"""Form fields that pick organisations, shared by the web forms of the apps above (accounts,
volunteers): they resolve what the user typed inside the user's own scope."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.selectors import administered_organization


class OrganizationCodeField(forms.CharField):
    """An organisation code, resolved to an active organisation the actor administers."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Organisation code"))
        kwargs.setdefault(
            "help_text",
            _("The code shown on the organisation's page, e.g. 430602001-SC."),
        )
        kwargs.setdefault("widget", forms.TextInput(attrs={"list": "org-codes"}))
        super().__init__(max_length=40, **kwargs)
        self.actor: Any = None

    def clean(self, value: Any) -> Organization:  # type: ignore[override]
        code = super().clean(value)
        organization = administered_organization(self.actor, code)
        if organization is None:
            raise forms.ValidationError(
                _("No active organisation with code %(code)s in the area you administer."),
                code="unknown_organization",
                params={"code": code},
            )
        return organization
