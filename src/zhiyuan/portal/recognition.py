"""The volunteer's own page of the yearly hours and star levels, and the public notices:

- /me/stars/: per registration of the logged-in mobile, this year's confirmed hours against the
  city's yearly hours (plan §三(二)3), the cumulative hours, the star levels held and asked for,
  "apply for the next level" (refused with the hours still needed), and the reminder's opt-out;
- /stars/notices/: the awards on public notice (anyone, no log-in), each with a form to lodge
  an objection (rate-limited per address).

The volunteer is the portal's session (`session`); nothing personal stands in a URL. Public
pages show the masked name, the level, the organisation and the notice's dates only.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.masking import mask_name
from zhiyuan.common.params import parse_id
from zhiyuan.portal import session
from zhiyuan.recognition import selectors, services
from zhiyuan.recognition.models import StarAward
from zhiyuan.recognition.throttles import ObjectionThrottle


class ObjectionForm(forms.Form):
    """Anyone's objection to an award on public notice (the portal)."""

    text = forms.CharField(
        label=gettext_lazy("Your objection"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    name = forms.CharField(
        label=gettext_lazy("Your name (optional)"), required=False, max_length=50
    )
    contact = forms.CharField(
        label=gettext_lazy("How to reach you (optional; seen by the office only)"),
        required=False,
        max_length=100,
    )


def clean_level(value: Any) -> int | None:
    """A level from a form or a query (1–5), None when absent. Raises ValidationError."""
    if value in (None, ""):
        return None
    try:
        level = int(value)
    except (TypeError, ValueError):
        raise ValidationError(gettext_lazy("Choose a level from 1 to 5.")) from None
    if not 1 <= level <= 5:
        raise ValidationError(gettext_lazy("Choose a level from 1 to 5."))
    return level


def _card(volunteer: Any, opted_out: set[int], awards: list[StarAward]) -> dict[str, Any]:
    policy = selectors.policy_for(volunteer.organization)
    total = selectors.total_minutes(volunteer)
    thresholds = selectors.star_minutes(policy)
    mine = [a for a in awards if a.volunteer_id == volunteer.pk]
    held = max((a.level for a in mine if a.status == "awarded"), default=0)
    following = thresholds[held] if held < len(thresholds) else None
    return {
        "volunteer": volunteer,
        "line": selectors.yearly_line(volunteer),
        "total": total,
        "held": held,
        "next_level": held + 1 if following is not None else None,
        "next_threshold": following,
        "missing": max(0, following - total) if following is not None else 0,
        "awards": mine,
        "opted_out": volunteer.pk in opted_out,
        "star_hours": policy.star_hours,
    }


def my_stars(request: HttpRequest) -> HttpResponse:
    """The volunteer's yearly hours, star levels and reminder choice."""
    digest = session.mobile_digest_of(request)
    if digest is None:
        session.return_after_login(request, "public:me-stars")
        return redirect("public:me")
    volunteers = list(selectors.volunteers_of_digest(digest))
    awards = list(selectors.awards_of_digest(digest))
    opted_out = selectors.opted_out(volunteers)
    cards = [_card(volunteer, opted_out, awards) for volunteer in volunteers]
    return render(request, "portal/my_stars.html", {"cards": cards})


def _own(request: HttpRequest, digest: str) -> Any:
    pk = parse_id(request.POST.get("volunteer"))
    found = selectors.volunteers_of_digest(digest).filter(pk=pk).first() if pk else None
    if found is None:
        raise Http404
    return found


@post_action("public:me-stars")
def my_stars_apply(request: HttpRequest) -> HttpResponse:
    """The volunteer applies for their next star level."""
    digest = session.mobile_digest_of(request)
    if digest is None:
        messages.error(request, _("Your log-in has expired. Log in again."))
        return redirect("public:me")
    volunteer = _own(request, digest)
    try:
        award = services.apply_for_level(volunteer, level=clean_level(request.POST.get("level")))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Your application for %(level)s stars was sent to %(organization)s.")
            % {"level": award.level, "organization": award.organization.name},
        )
    return redirect("public:me-stars")


@post_action("public:me-stars")
def my_stars_reminders(request: HttpRequest) -> HttpResponse:
    """The reminder's opt-out, for every registration of the logged-in mobile."""
    digest = session.mobile_digest_of(request)
    if digest is None:
        messages.error(request, _("Your log-in has expired. Log in again."))
        return redirect("public:me")
    opted_out = request.POST.get("reminders") == "off"
    services.set_reminder_opt_out(list(selectors.volunteers_of_digest(digest)), opted_out=opted_out)
    done = (
        _("You will not be texted the yearly-hours reminder.")
        if opted_out
        else _("You will be texted the yearly-hours reminder.")
    )
    messages.success(request, done)
    return redirect("public:me-stars")


def _public(award: StarAward) -> dict[str, Any]:
    return {
        "pk": award.pk,
        "name": mask_name(award.volunteer.name),
        "level": award.level,
        "organization": award.organization.name,
        "hours": award.hours,
        "notice_from": award.notice_from,
        "notice_until": award.notice_until,
    }


def notices(request: HttpRequest) -> HttpResponse:
    """Awards on public notice today (anyone)."""
    shown = [_public(award) for award in selectors.on_notice()]
    return render(request, "portal/star_notices.html", {"notices": shown})


def notice(request: HttpRequest, pk: int, form: ObjectionForm | None = None) -> HttpResponse:
    """One award on notice, with the objection form; any other number answers 404 alike."""
    award = selectors.on_notice().filter(pk=pk).first()
    if award is None:
        raise Http404
    context = {"notice": _public(award), "form": form or ObjectionForm()}
    return render(request, "portal/star_notice.html", context, status=400 if form else 200)


@post_action("public:star-notices")
def notice_objection(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone lodges an objection to an award on notice (limited per address)."""
    award = selectors.on_notice().filter(pk=pk).first()
    if award is None:
        raise Http404
    form = ObjectionForm(request.POST)
    if form.is_valid():
        if not ObjectionThrottle().allow_request(request, None):  # type: ignore[arg-type]
            form.add_error(None, _("Too many objections from your network. Try again in an hour."))
            return notice(request, pk, form)
        try:
            services.lodge_objection(award, **form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Your objection was received; the office will answer it."))
            return redirect("public:star-notice", pk=pk)
    return notice(request, pk, form)
