"""The volunteer's priority help on the portal, phone first (MISSION §4: a registered volunteer
who needs help gets it first):

- /me/help/ "my help requests": each request, its state, who took it, what was done; an open
  one may be withdrawn;
- /me/help/new/ the request: what help, where (the community or street and the address), when,
  how urgent, and, when a relative asks on the volunteer's behalf, their name and relation.

The volunteer is the portal's session (`session`): every registration with the logged-in
mobile number; the request names one of them. Nothing personal stands in a URL.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiyuan.assistance import selectors, services
from zhiyuan.assistance.enums import HelpChannel, HelpKind, Urgency
from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.params import parse_id
from zhiyuan.divisions.models import Division
from zhiyuan.portal import session
from zhiyuan.volunteers.models import Volunteer

_LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class AskForm(forms.Form):
    """What help, where, when, how urgent; who asks."""

    volunteer = forms.TypedChoiceField(label=gettext_lazy("For"), coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("What help do you need?"), choices=HelpKind.choices)
    description = forms.CharField(
        label=gettext_lazy("Tell us more (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    division = forms.ChoiceField(label=gettext_lazy("Community or street"))
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200)
    needed_at = forms.DateTimeField(
        label=gettext_lazy("When (empty: as soon as possible)"),
        required=False,
        input_formats=_LOCAL,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    urgency = forms.TypedChoiceField(
        label=gettext_lazy("How urgent is it?"),
        choices=Urgency.choices,
        coerce=int,
        initial=Urgency.ROUTINE,
        widget=forms.RadioSelect,
    )
    relative = forms.BooleanField(
        label=gettext_lazy("I am a relative asking on the volunteer's behalf"), required=False
    )
    asked_by_name = forms.CharField(label=gettext_lazy("Your name"), required=False, max_length=50)
    asked_by_relation = forms.CharField(
        label=gettext_lazy("Your relation to the volunteer"), required=False, max_length=20
    )

    def __init__(
        self,
        *args: Any,
        registrations: list[Volunteer],
        places: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = [  # type: ignore[attr-defined]
            (v.pk, f"{v.name} · {v.body.organization.name}") for v in registrations
        ]
        self.fields["division"].choices = [("", "—"), *places]  # type: ignore[attr-defined]
        if len(registrations) == 1:
            self.fields["volunteer"].widget = forms.HiddenInput()

    def details(self) -> dict[str, Any]:
        data = self.cleaned_data
        relative = data.get("relative")
        return {
            "kind": data["kind"],
            "description": data["description"],
            "division": Division.objects.filter(code=data["division"]).first(),
            "address": data["address"],
            "needed_at": data["needed_at"],
            "urgency": data["urgency"],
            "asked_by_name": data["asked_by_name"] if relative else "",
            "asked_by_relation": data["asked_by_relation"] if relative else "",
        }


def _registrations(digest: str) -> list[Volunteer]:
    return list(
        selectors.volunteers_of(digest)
        .filter(status__in=services.ASKING_STATUSES)
        .select_related("body__organization", "organization", "home_division__parent")
    )


def my_help(request: HttpRequest) -> HttpResponse:
    """The volunteer's help requests, newest first."""
    digest = session.mobile_digest_of(request)
    if digest is None:
        session.return_after_login(request, "public:me-help")
        return redirect("public:me")
    rows = list(selectors.requests_of(digest)[:100])
    return render(request, "portal/my_help.html", {"rows": rows})


def _ask_page(
    request: HttpRequest, form: AskForm, registrations: list[Volunteer], status: int = 200
) -> HttpResponse:
    context = {"form": form, "registrations": registrations}
    return render(request, "portal/ask_help.html", context, status=status)


def ask_help(request: HttpRequest) -> HttpResponse:
    """Ask for help for one of the session's registrations."""
    digest = session.mobile_digest_of(request)
    if digest is None:
        session.return_after_login(request, "public:me-help-new")
        return redirect("public:me")
    registrations = _registrations(digest)
    if not registrations:
        return _ask_page(request, None, [], status=403)  # type: ignore[arg-type]
    chosen = registrations[0]
    if request.method == "POST":
        picked = parse_id(request.POST.get("volunteer"))
        chosen = next((v for v in registrations if v.pk == picked), chosen)
    places = selectors.places_for_volunteer(chosen)
    if request.method != "POST":
        initial = {
            "volunteer": chosen.pk,
            "division": chosen.home_division_id or "",
            "address": chosen.address_detail,
        }
        form = AskForm(initial=initial, registrations=registrations, places=places)
        return _ask_page(request, form, registrations)
    form = AskForm(request.POST, registrations=registrations, places=places)
    if form.is_valid():
        try:
            made = services.ask_for_help(
                chosen, actor=None, channel=HelpChannel.PORTAL, details=form.details()
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your request %(number)s was sent to %(station)s. You will get an SMS when "
                    "a team takes it."
                )
                % {"number": made.number, "station": made.organization.name},
            )
            return redirect("public:me-help")
    return _ask_page(request, form, registrations, status=400)


@post_action("public:me-help")
def withdraw_help(request: HttpRequest) -> HttpResponse:
    """Withdraw one of the volunteer's open requests (no longer needed)."""
    digest = session.mobile_digest_of(request)
    if digest is None:
        messages.error(request, _("Your log-in has expired. Log in again."))
        return redirect("public:me")
    pk = parse_id(request.POST.get("request"))
    item = selectors.requests_of(digest).filter(pk=pk).first() if pk else None
    if item is None:
        raise Http404
    try:
        services.withdraw_request(item)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The request was withdrawn."))
    return redirect("public:me-help")
