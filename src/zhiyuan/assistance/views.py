"""Office pages of priority help, under /assistance/:

- the queue: open requests the user reaches, registered volunteers' first, then urgency, then
  age (or by age alone, `?order=age`), and the taken ones awaiting their outcome;
- response times per station for a period (median and maximum from request to taking);
- a call taken by phone: a request entered for a volunteer of the user's ledger;
- a request: take it, call the volunteer (the number shown once, audited), record what was
  done with the helpers' hours.

Every list reads through the access layer; actions call one service each and show its errors.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.activities.selectors import team_members
from zhiyuan.assistance import permissions, selectors, services
from zhiyuan.assistance.enums import HelpChannel, HelpStatus
from zhiyuan.assistance.forms import OfficeRequestForm, OutcomeForm, PeriodForm, TakeForm
from zhiyuan.assistance.models import HelpRequest
from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.masking import mask_phone
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.access import scope
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

NAV = "assistance"


def _request(request: HttpRequest, pk: int) -> HelpRequest:
    """The request `pk` if the user reaches it (its station or a route in their subtrees),
    else 404."""
    found = selectors.visible(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Open requests in the queue's order (or by age), and the taken ones."""
    by_age = request.GET.get("order") == "age"
    found = selectors.queue(request.user, by_age=by_age)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    taken = (
        selectors.visible(request.user)
        .filter(status=HelpStatus.TAKEN)
        .order_by("taken_at", "pk")[:50]
    )
    context = {
        "nav": NAV,
        "page": page,
        "taken": taken,
        "by_age": by_age,
        "now": timezone.now(),
        "enters": permissions.enters_anywhere(request.user),
    }
    return render(request, "assistance/queue.html", context)


@login_required
def times(request: HttpRequest) -> HttpResponse:
    """Time from request to first response per station of the user's subtrees, for a
    period of days the requests were made."""
    form = PeriodForm(request.GET or None)
    rows = selectors.in_office_scope(request.user)
    figures: list[selectors.StationTimes] = []
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        rows = selectors.in_period(rows, data.get("start"), data.get("end"))
        figures = selectors.response_times(rows)
    context = {"nav": NAV, "form": form, "figures": figures, "now": timezone.now()}
    return render(
        request, "assistance/times.html", context, status=200 if figures or not form.errors else 400
    )


def _places(request: HttpRequest) -> list[tuple[str, str]]:
    return selectors.places_for_office(request.user)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    """A call taken by phone: the volunteer (a registration of the user's ledger) or a
    relative asks for help; the office enters it and it goes to the covering station."""
    form = OfficeRequestForm(request.POST or None, places=_places(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            volunteer = (
                scope(request.user, Volunteer.objects.all(), permissions.ENTERING)
                .filter(registration_number=data["registration_number"].strip())
                .first()
            )
            if volunteer is None:
                form.add_error(
                    "registration_number",
                    _("No volunteer of the ledger you keep has this registration number."),
                )
            else:
                try:
                    made = services.ask_for_help(
                        volunteer,
                        actor=request.user,
                        channel=HelpChannel.PHONE,
                        details={
                            **{k: data.get(k) for k in services.DETAIL_FIELDS},
                            "division": Division.objects.filter(code=data["division"]).first(),
                        },
                    )
                except ValidationError as error:
                    add_validation_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("Request %(number)s was sent to %(station)s.")
                        % {"number": made.number, "station": made.organization.name},
                    )
                    return redirect("assistance:detail", pk=made.pk)
    return render(request, "assistance/new.html", {"nav": NAV, "form": form}, status=status)


def _take_form(request: HttpRequest, item: HelpRequest) -> TakeForm | None:
    if item.status != HelpStatus.OPEN:
        return None
    choices = selectors.takers_routes(request.user, item, permissions.TAKING)
    if not choices:
        return None
    return TakeForm(organizations=[(o.pk, o.name) for o in choices])


def _outcome_form(request: HttpRequest, item: HelpRequest, data: Any = None) -> OutcomeForm | None:
    if item.status != HelpStatus.TAKEN or item.taken_for is None:
        return None
    if not permissions.takes_for(request.user, item.taken_for):
        return None
    members = [(v.pk, v.name) for v in team_members(item.taken_for) if v.pk != item.volunteer_id]
    activities = [(a.pk, a.title) for a in services.outcome_activities(item)[:100]]
    return OutcomeForm(data, members=members, activities=activities)


def _detail(
    request: HttpRequest, item: HelpRequest, *, outcome: OutcomeForm | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "nav": NAV,
        "item": item,
        "routes": selectors.routes_of(item),
        "masked_mobile": mask_phone(item.volunteer.mobile),
        "take_form": _take_form(request, item),
        "outcome_form": outcome or _outcome_form(request, item),
        "records": [link.record for link in item.hour_links.select_related("record__volunteer")],
        "now": timezone.now(),
        **extra,
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _request(request, pk)
    return render(request, "assistance/detail.html", _detail(request, item))


@login_required
@post_action("assistance:detail", "pk")
def take(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the request for one of its routes the user leads (one taker)."""
    item = _request(request, pk)
    form = _take_form(request, item)
    organization = None
    if form is not None:
        bound = TakeForm(request.POST, organizations=form.fields["organization"].choices)  # type: ignore[attr-defined]
        if bound.is_valid():
            organization = Organization.objects.get(pk=bound.cleaned_data["organization"])
    try:
        services.take_request(item, actor=request.user, organization=organization)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("You took the request; the volunteer is told by SMS."))
    return redirect("assistance:detail", pk=item.pk)


@login_required
@post_action("assistance:detail", "pk")
def phone(request: HttpRequest, pk: int) -> HttpResponse:
    """The volunteer's full number, for the taker's call (audited)."""
    item = _request(request, pk)
    try:
        number = services.reveal_phone(item, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("assistance:detail", pk=item.pk)
    return render(request, "assistance/detail.html", _detail(request, item, full_mobile=number))


@login_required
@post_action("assistance:detail", "pk")
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what was done, and the helpers' hours (pending in the ledger)."""
    item = _request(request, pk)
    form = _outcome_form(request, item, request.POST)
    if form is None:
        messages.error(request, _("Only the team that took the request records its outcome."))
        return redirect("assistance:detail", pk=item.pk)
    if form.is_valid():
        data = form.cleaned_data
        helpers = list(Volunteer.objects.filter(pk__in=data["helpers"]))
        activity = services.outcome_activities(item).filter(pk=data["activity"]).first()
        try:
            services.record_outcome(
                item,
                actor=request.user,
                outcome=data["outcome"],
                helpers=helpers,
                activity=activity,
                start=data["start"],
                end=data["end"],
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("The outcome was recorded; the helpers' hours await confirmation in the ledger."),
            )
            return redirect("assistance:detail", pk=item.pk)
    return render(
        request, "assistance/detail.html", _detail(request, item, outcome=form), status=400
    )
