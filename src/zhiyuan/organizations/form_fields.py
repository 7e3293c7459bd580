"""Form fields that pick organisations, shared by the web forms of the apps above (accounts,
volunteers): they resolve what the user typed inside the user's own scope."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.selectors import administered_organizations, resolve_organization


def picker_widget(*, within: str = "administered", options: str = "org-codes") -> forms.TextInput:
    """A text box for an organisation's name or code: the page's datalist `options` offers
    names without JavaScript; static/zhiyuan/picker.js turns it into a searchable list of
    the user's organisations (organizations:pick, `within` their administered ones)."""
    url = reverse_lazy("organizations:pick")
    return forms.TextInput(
        attrs={
            "list": options,
            "autocomplete": "off",
            "spellcheck": "false",
            "data-pick-url": format_lazy("{}?within={}", url, within),
        }
    )


def resolve_choice(queryset: QuerySet[Organization], text: str) -> Organization | None:
    """The organisation of `queryset` that `text` names (a code or a name, see
    `selectors.resolve_organization`); None when none does. Several: a ValidationError that
    names them (code "ambiguous_organization")."""
    found, candidates = resolve_organization(queryset, text)
    if found is None and candidates:
        raise forms.ValidationError(
            _("Several organisations match “%(text)s”: %(names)s. Pick one from the list."),
            code="ambiguous_organization",
            params={
                "text": text,
                "names": "、".join(f"{o.name} ({o.code})" for o in candidates),
            },
        )
    return found


class OrganizationCodeField(forms.CharField):
    """An organisation picked by name or code, resolved to an active organisation the actor
    administers."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Organisation"))
        kwargs.setdefault(
            "help_text",
            _("Type its name or its code (e.g. 430602001-SC) and pick it from the list."),
        )
        kwargs.setdefault("widget", picker_widget())
        super().__init__(max_length=200, **kwargs)
        self.actor: Any = None

    def clean(self, value: Any) -> Organization:  # type: ignore[override]
        code = super().clean(value).strip()
        organization = resolve_choice(administered_organizations(self.actor), code)
        if organization is None:
            raise forms.ValidationError(
                _("No active organisation with code %(code)s in the area you administer."),
                code="unknown_organization",
                params={"code": code},
            )
        return organization
