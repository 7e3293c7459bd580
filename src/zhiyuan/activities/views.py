"""The office pages of activities: the list of the activities of the user's subtrees, creating
and editing, publishing, cancelling and finishing, slots, a slot's roster with its sign-ups
(approve, reject, cancel; a leader's group), and attachments. Every read goes through the
access layer (`selectors`), every write through one service."""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhiyuan.activities import permissions, selectors, services
from zhiyuan.activities.enums import ActivityStatus
from zhiyuan.activities.forms import (
    ActivityForm,
    AttachmentForm,
    CapacityForm,
    ReasonForm,
    SlotForm,
)
from zhiyuan.activities.models import Activity, Attachment
from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.params import clean_search, parse_id
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.volunteers.enums import Skill
from zhiyuan.volunteers.models import Volunteer

NAV = "activities"


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _attempt(request: HttpRequest, act: Callable[[], object], done: str) -> bool:
    """Call a service (`act`): its refusal's messages are shown as errors, else `done` as a
    success. Returns whether the service succeeded."""
    try:
        act()
    except ValidationError as error:
        _errors(request, error)
        return False
    messages.success(request, done)
    return True


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    how = selectors.ActivityFilter(
        category=selectors.known_category(clean_search(request.GET.get("category", ""))),
        search=clean_search(request.GET.get("q", "")),
        status=status if status in ActivityStatus.values else "",
    )
    activities = selectors.office_activities(request.user, how)
    page = Paginator(activities, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "activities/list.html",
        {
            "nav": NAV,
            "page": page,
            "filters": how,
            "statuses": ActivityStatus.choices,
            "categories": selectors.categories(),
            "may_create": selectors.organisers(request.user).exists(),
            "query": query.urlencode(),
        },
    )


@login_required
def create(request: HttpRequest) -> HttpResponse:
    organisers = list(selectors.organisers(request.user)[:500])
    chosen = parse_id(request.POST.get("organizer") or request.GET.get("organizer"))
    organizer = next((o for o in organisers if o.pk == chosen), None)
    if organizer is None and len(organisers) == 1:
        organizer = organisers[0]
    if organizer is None:
        return render(
            request, "activities/choose_organizer.html", {"nav": NAV, "organisers": organisers}
        )
    form = ActivityForm(request.POST or None, organizer=organizer)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.create_activity(
                organizer, actor=request.user, details=form.details()
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Draft saved. Add its slots, then publish it."))
            return redirect("activities:detail", pk=activity.pk)
    return render(
        request,
        "activities/form.html",
        {"nav": NAV, "form": form, "organizer": organizer, "activity": None},
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.office_activity(request.user, pk)
    return render(
        request,
        "activities/detail.html",
        {
            "nav": NAV,
            "activity": activity,
            "slots": selectors.slots_of(activity),
            "attachments": activity.attachments.all(),
            "campaigns": activity.campaigns.all(),
            "skills": [Skill(skill).label for skill in activity.skills if skill in Skill.values],
            "manages": permissions.manages(request.user, activity),
            "slot_form": SlotForm(),
            "reason_form": ReasonForm(),
            "attachment_form": AttachmentForm(),
        },
    )


def _managed(request: HttpRequest, pk: int) -> Activity:
    """An activity in scope (else 404); the service checks the right to manage it."""
    return selectors.office_activity(request.user, pk)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    form = ActivityForm(
        request.POST or None,
        organizer=activity.organizer,
        initial=ActivityForm.initial_of(activity),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_activity(activity, actor=request.user, details=form.details())
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("activities:detail", pk=activity.pk)
    return render(
        request,
        "activities/form.html",
        {"nav": NAV, "form": form, "organizer": activity.organizer, "activity": activity},
    )


def _on_activity(
    request: HttpRequest, pk: int, service: Callable[..., object], done: str, **options: Any
) -> HttpResponse:
    """Call `service` on the activity `pk` (in scope, else 404; the service checks the right to
    manage it) as the user, with `options`; back to the activity's page, saying how it went."""
    _attempt(request, partial(service, _managed(request, pk), actor=request.user, **options), done)
    return redirect("activities:detail", pk=pk)


@login_required
@post_action("activities:detail", "pk")
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_activity(
        request, pk, services.publish_activity, _("Published: volunteers can see it and sign up.")
    )


@login_required
@post_action("activities:detail", "pk")
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_activity(
        request,
        pk,
        services.cancel_activity,
        _("Cancelled; those signed up are being told by SMS."),
        reason=request.POST.get("reason", ""),
    )


@login_required
@post_action("activities:detail", "pk")
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_activity(request, pk, services.finish_activity, _("Marked finished."))


@login_required
@post_action("activities:detail", "pk")
def add_slot(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    form = SlotForm(request.POST)
    if not form.is_valid():
        for message in form.errors.as_data().values():
            _errors(request, ValidationError(message))
        return redirect("activities:detail", pk=pk)
    starts_at, ends_at = form.instants()
    _attempt(
        request,
        partial(
            services.add_slot,
            activity,
            actor=request.user,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=form.cleaned_data["capacity"],
            label=form.cleaned_data["label"],
        ),
        _("Slot added."),
    )
    return redirect("activities:detail", pk=pk)


@login_required
@post_action("activities:detail", "pk")
def add_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_activity(
        request,
        pk,
        services.add_attachment,
        _("File kept with the activity."),
        upload=request.FILES.get("file"),
        kind=request.POST.get("kind", ""),
        caption=request.POST.get("caption", ""),
    )


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment's file, to those who see its activity; never from MEDIA_URL."""
    kept = get_scoped_or_404(request.user, Attachment.objects.all(), pk=pk)
    return FileResponse(
        kept.file.open("rb"),
        as_attachment=True,
        filename=kept.filename,
        content_type=kept.content_type,
    )


@login_required
@post_action("activities:list")
def remove_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    kept = get_scoped_or_404(request.user, Attachment.objects.all(), pk=pk)
    activity_pk = kept.activity_id
    services.remove_attachment(kept, actor=request.user)
    messages.success(request, _("File removed."))
    return redirect("activities:detail", pk=activity_pk)


# --- a slot and its roster --------------------------------------------------------------


@login_required
def slot(request: HttpRequest, slot: int) -> HttpResponse:
    found = selectors.office_slot(request.user, slot)
    counted = selectors.slots_of(found.activity).get(pk=found.pk)
    return render(
        request,
        "activities/slot.html",
        {
            "nav": NAV,
            "slot": counted,
            "activity": found.activity,
            "rows": selectors.roster(found),
            "manages": permissions.manages(request.user, found.activity),
            "teams": selectors.led_teams(request.user),
            "capacity_form": CapacityForm(initial={"capacity": found.capacity}),
        },
    )


@login_required
@post_action("activities:slot", "slot")
def change_capacity(request: HttpRequest, slot: int) -> HttpResponse:
    found = selectors.office_slot(request.user, slot)
    _attempt(
        request,
        partial(
            services.change_slot, found, actor=request.user, capacity=request.POST.get("capacity")
        ),
        _("Places changed."),
    )
    return redirect("activities:slot", slot=slot)


@login_required
@post_action("activities:slot", "slot")
def remove_slot(request: HttpRequest, slot: int) -> HttpResponse:
    found = selectors.office_slot(request.user, slot)
    if _attempt(
        request, partial(services.remove_slot, found, actor=request.user), _("Slot removed.")
    ):
        return redirect("activities:detail", pk=found.activity_id)
    return redirect("activities:slot", slot=slot)


@login_required
@post_action("activities:slot", "slot")
def decide_signup(request: HttpRequest, slot: int, pk: int) -> HttpResponse:
    """Approve, reject (with a reason) or cancel a sign-up of the slot."""
    signup = selectors.office_signup(request.user, pk)
    if signup.slot_id != slot:
        return redirect("activities:slot", slot=signup.slot_id)
    reason = request.POST.get("reason", "")
    act = {
        "approve": partial(services.approve_signup, signup, actor=request.user),
        "reject": partial(services.reject_signup, signup, actor=request.user, reason=reason),
        "cancel": partial(services.cancel_signup, signup, actor=request.user, reason=reason),
    }.get(request.POST.get("action", ""))
    if act is None:
        messages.error(request, _("Choose what to do with the sign-up."))
    else:
        _attempt(request, act, _("Sign-up updated."))
    return redirect("activities:slot", slot=slot)


@login_required
def group(request: HttpRequest, slot: int) -> HttpResponse:
    """A team leader signs up members of their team (all or none, within the places left)."""
    found = selectors.office_slot(request.user, slot)
    teams = list(selectors.led_teams(request.user)[:200])
    team = next(
        (t for t in teams if t.pk == parse_id(request.GET.get("team") or request.POST.get("team"))),
        None,
    )
    if team is None and len(teams) == 1:
        team = teams[0]
    members = list(selectors.team_members(team)[:500]) if team else []
    if request.method == "POST" and team is not None:
        chosen = {parse_id(value) for value in request.POST.getlist("volunteer")}
        picked = [member for member in members if member.pk in chosen]
        signed_up = _attempt(
            request,
            partial(services.sign_up_group, found, picked, actor=request.user, team=team),
            _("Members signed up; each is told by SMS."),
        )
        if signed_up:
            return redirect("activities:slot", slot=slot)
    return render(
        request,
        "activities/group.html",
        {
            "nav": NAV,
            "slot": found,
            "teams": teams,
            "team": team,
            "members": [_member_row(member) for member in members],
        },
    )


def _member_row(member: Volunteer) -> dict[str, Any]:
    return {"pk": member.pk, "name": member.name, "number": member.registration_number}
