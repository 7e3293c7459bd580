"""The volunteers' activity pages (phone first): published activities, filterable by category,
place and day (/events/), an activity with its slots and places (/events/<id>/), signing up
and cancelling, and "my activities" (/me/activities/). Signing up needs the portal's
phone-and-code session (`session`); the list and the public activities need nothing."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.activities import selectors, services
from zhiyuan.activities.enums import LIVE_SIGNUP_STATUSES
from zhiyuan.activities.models import SignUp
from zhiyuan.common.http import post_action
from zhiyuan.common.masking import mask_name
from zhiyuan.common.params import clean_search, parse_id
from zhiyuan.divisions.models import Division
from zhiyuan.portal import session
from zhiyuan.volunteers import mobile_login
from zhiyuan.volunteers.enums import Skill
from zhiyuan.volunteers.models import Volunteer


def _mine(request: HttpRequest) -> list[Volunteer]:
    """The registrations of the logged-in phone; none without a session."""
    digest = session.mobile_digest_of(request)
    return mobile_login.registrations(digest) if digest else []


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value or "")[:10])
    except ValueError:
        return None


def _without_page(request: HttpRequest) -> str:
    """The list's filters as a query string, for its pages' links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def events(request: HttpRequest) -> HttpResponse:
    mine = _mine(request)
    place = Division.objects.filter(code=clean_search(request.GET.get("place", ""))[:12]).first()
    how = selectors.ActivityFilter(
        category=selectors.known_category(clean_search(request.GET.get("category", ""))),
        division=place,
        day_from=_day(request.GET.get("from")),
        day_to=_day(request.GET.get("to")),
    )
    activities = selectors.open_activities(mine, how)
    page = Paginator(activities, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/events.html",
        {
            "page": page,
            "filters": how,
            "categories": selectors.categories(),
            "places": selectors.places_of(selectors.open_activities(mine)),
            "logged_in": session.mobile_digest_of(request) is not None,
            "query": _without_page(request),
        },
    )


def event(request: HttpRequest, pk: int) -> HttpResponse:
    mine = _mine(request)
    activity = selectors.open_activity(mine, pk)
    if activity is None:
        raise Http404
    now = timezone.now()
    slots = [slot for slot in selectors.slots_of(activity) if slot.starts_at > now]
    taken = {
        (s.slot_id, s.volunteer_id): s
        for s in SignUp.objects.filter(slot__activity=activity, volunteer__in=[v.pk for v in mine])
    }
    rows = [
        {
            "slot": slot,
            "left": max(slot.capacity - slot.confirmed, 0),  # type: ignore[attr-defined]
            "mine": [
                taken[(slot.pk, v.pk)]
                for v in mine
                if (slot.pk, v.pk) in taken
                and taken[(slot.pk, v.pk)].status in LIVE_SIGNUP_STATUSES
            ],
        }
        for slot in slots
    ]
    return render(
        request,
        "portal/event.html",
        {
            "activity": activity,
            "rows": rows,
            "campaigns": activity.campaigns.all(),
            "skills": [Skill(s).label for s in activity.skills if s in Skill.values],
            "people": [{"pk": v.pk, "name": mask_name(v.name)} for v in mine],
            "logged_in": session.mobile_digest_of(request) is not None,
        },
    )


@post_action("public:event", "pk")
def event_signup(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign one of the phone's registrations up for a slot of the activity."""
    mine = _mine(request)
    if not mine:
        session.return_after_login(request, "public:events")
        messages.info(request, _("Log in with your mobile number to sign up."))
        return redirect("public:me")
    activity = selectors.open_activity(mine, pk)
    slot = (
        activity.slots.filter(pk=parse_id(request.POST.get("slot")) or 0).first()
        if activity
        else None
    )
    chosen = parse_id(request.POST.get("volunteer")) or (mine[0].pk if len(mine) == 1 else None)
    volunteer = next((v for v in mine if v.pk == chosen), None)
    if slot is None or volunteer is None:
        messages.error(request, _("Choose a slot and who signs up."))
        return redirect("public:event", pk=pk)
    try:
        signup = services.sign_up(slot, volunteer)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("public:event", pk=pk)
    messages.success(request, _signed_up_message(signup))
    return redirect("public:my-activities")


def _signed_up_message(signup: SignUp) -> str:
    if signup.status == "confirmed":
        return _("You are signed up. Thank you!")
    if signup.status == "pending":
        return _("Signed up: the organiser approves sign-ups; you will get an SMS.")
    return _(
        "The slot is full: you are number %(position)s on the waiting list. If a place frees "
        "up, it is yours and you get an SMS."
    ) % {"position": signup.waitlist_position}


def my_activities(request: HttpRequest) -> HttpResponse:
    digest = session.mobile_digest_of(request)
    if digest is None:
        session.return_after_login(request, "public:my-activities")
        return redirect("public:me")
    mine = mobile_login.registrations(digest)
    now = timezone.now()
    signups = list(selectors.my_signups(mine))
    return render(
        request,
        "portal/my_activities.html",
        {
            "upcoming": [s for s in signups if s.slot.ends_at > now],
            "past": [s for s in signups if s.slot.ends_at <= now][:50],
            "several": len(mine) > 1,
            "live": LIVE_SIGNUP_STATUSES,
        },
    )


@post_action("public:my-activities")
def my_activity_cancel(request: HttpRequest) -> HttpResponse:
    mine = _mine(request)
    signup = (
        SignUp.objects.filter(
            pk=parse_id(request.POST.get("signup")) or 0, volunteer__in=[v.pk for v in mine]
        )
        .select_related("slot__activity")
        .first()
    )
    if signup is None:
        return redirect("public:my-activities")
    try:
        services.cancel_signup(signup, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect("public:my-activities")
