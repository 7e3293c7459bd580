"""The portal's pages of the award campaigns (评选表彰): the campaigns whose shortlist or results
are out, a campaign's shortlist on notice (with a form to object to an entry) or its results,
and an objection's answer by its reference. Public, no log-in. Volunteers' names are masked
(张*明); nothing else about a person is shown, and the pages say nothing of campaigns or
nominations not published."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiyuan.awards import selectors, services
from zhiyuan.awards.enums import NominationStatus, Stage
from zhiyuan.awards.models import Campaign, Nomination, Objection
from zhiyuan.awards.throttles import ObjectionThrottle
from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.masking import mask_name


class ObjectionForm(forms.Form):
    nomination = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)
    text = forms.CharField(
        label=gettext_lazy("Your objection"),
        max_length=1000,
        min_length=10,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Say what is wrong. Do not write ID or mobile numbers."),
    )


class ObjectionLookupForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Reference of your objection"), max_length=20)


def public_name(row: Nomination) -> str:
    """A nominee as the public sees it: a volunteer's name masked, an organisation's in full."""
    if row.volunteer_id is not None:
        return mask_name(str(row.volunteer.name))  # type: ignore[union-attr]
    return row.nominee_name


def _allowed(request: HttpRequest) -> bool:
    return ObjectionThrottle().allow_request(request, None)  # type: ignore[arg-type]


def honours(request: HttpRequest) -> HttpResponse:
    """The campaigns whose shortlist is on notice or whose results are published."""
    rows = selectors.public_campaigns()[:100]
    return render(request, "portal/honours.html", {"campaigns": rows})


def _public_campaign(pk: int) -> Campaign:
    try:
        return selectors.public_campaigns().get(pk=pk)
    except Campaign.DoesNotExist:
        raise Http404 from None


def honour(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign's shortlist on notice (each entry with a form to object) or its results; a
    POST lodges an objection."""
    campaign = _public_campaign(pk)
    on_notice = campaign.stage() == Stage.NOTICE
    bound: ObjectionForm | None = None
    lodged: Objection | None = None
    status = 200
    if request.method == "POST":
        bound = ObjectionForm(request.POST)
        lodged, status = _lodge(request, campaign, bound)
    entries = [
        {
            "row": row,
            "name": public_name(row),
            "form": bound
            if bound is not None and bound.data.get("nomination") == str(row.pk) and lodged is None
            else ObjectionForm(initial={"nomination": row.pk}, auto_id=f"id_o{row.pk}_%s"),
        }
        for row in selectors.public_entries(campaign)
    ]
    context = {
        "campaign": campaign,
        "entries": entries,
        "on_notice": on_notice and lodged is None,
        "lodged": lodged,
        "error": bound.non_field_errors() if bound is not None and lodged is None else None,
    }
    return render(request, "portal/honour.html", context, status=status)


def _lodge(
    request: HttpRequest, campaign: Campaign, form: ObjectionForm
) -> tuple[Objection | None, int]:
    if not form.is_valid():
        return None, 400
    if not _allowed(request):
        form.add_error(
            None, _("Too many objections were sent from your network. Try again in an hour.")
        )
        return None, 429
    row = selectors.public_entries(campaign).filter(pk=form.cleaned_data["nomination"]).first()
    if row is None or row.status != NominationStatus.SHORTLISTED:
        form.add_error(None, _("Objections are lodged during the notice period."))
        return None, 400
    try:
        return services.lodge_objection(row, text=form.cleaned_data["text"]), 200
    except ValidationError as exc:
        add_validation_errors(form, exc, rename={"nomination": "__all__"})
        return None, 400


def objection(request: HttpRequest) -> HttpResponse:
    """An objection's status and answer, by the reference given when it was lodged. Every
    unknown reference answers alike."""
    form = ObjectionLookupForm(request.POST or None)
    found: Any = None
    status = 200
    if request.method == "POST" and form.is_valid():
        if not _allowed(request):
            form.add_error(None, _("Too many look-ups from your network. Try again in an hour."))
            status = 429
        else:
            reference = form.cleaned_data["reference"].strip().upper()
            found = (
                Objection.objects.filter(reference=reference)
                .select_related("campaign", "nomination__category")
                .first()
            )
            if found is None:
                form.add_error("reference", _("No objection has this reference."))
                status = 400
    return render(request, "portal/objection.html", {"form": form, "found": found}, status=status)
