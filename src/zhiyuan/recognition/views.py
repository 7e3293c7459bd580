"""Office pages of recognition, under /recognition/:

- star awards by state (waiting for review, on notice, awarded, flagged), an award with its
  hours snapshot and objections: review, answer objections, award, decide a flag;
- the star eligibility list (one query) with "propose";
- the registered volunteers below the yearly hours, by unit, with its xlsx export;
- the recognition policy of an organisation the user administers.

Every list reads through the access layer; actions call one service each and show its errors.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _

from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.params import parse_id
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.organizations.models import Organization
from zhiyuan.recognition import exports, permissions, selectors, services
from zhiyuan.recognition.enums import WAITING, AwardStatus
from zhiyuan.recognition.forms import AnswerForm, FlagForm, PolicyForm, ProposeForm, ReviewForm
from zhiyuan.recognition.models import Objection, StarAward
from zhiyuan.volunteers.models import Volunteer

NAV = "recognition"
PAGE_SIZE = 50
STATES = {
    "waiting": WAITING,
    "notice": (AwardStatus.NOTICE,),
    "awarded": (AwardStatus.AWARDED,),
    "closed": (AwardStatus.REFUSED, AwardStatus.WITHDRAWN, AwardStatus.REVOKED),
}


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _organization(request: HttpRequest) -> Organization | None:
    """The `org` filter: an organisation inside the user's scope (else 404), or None."""
    pk = parse_id(request.GET.get("org"))
    if pk is None:
        return None
    return get_scoped_or_404(request.user, Organization.objects.all(), pk=pk)


def _year(request: HttpRequest) -> int:
    today = selectors.local_today().year
    year = parse_id(request.GET.get("year"))
    return year if year is not None and 2000 <= year <= today else today


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Star awards in the user's area by state; flagged awards first."""
    state = request.GET.get("state", "waiting")
    awards = selectors.awards(request.user)
    if state == "flagged":
        shown = awards.filter(flagged_at__isnull=False)
    else:
        state = state if state in STATES else "waiting"
        shown = awards.filter(status__in=STATES[state])
    page = Paginator(shown.order_by("-asked_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "nav": NAV,
        "page": page,
        "state": state,
        "states": [
            ("waiting", _("Waiting for review")),
            ("notice", _("On public notice")),
            ("awarded", _("Awarded")),
            ("flagged", _("Flagged after a correction")),
            ("closed", _("Refused, withdrawn or revoked")),
        ],
        "flagged": selectors.flagged(request.user).count(),
        "reviews": permissions.reviews_anywhere(request.user),
    }
    return render(request, "recognition/index.html", context)


def _masked(objection: Objection, user: Any) -> Objection:
    """The objection with its contact as `user` may see it (`permissions.shown_contact`)."""
    objection.shown_contact = permissions.shown_contact(user, objection)  # type: ignore[attr-defined]
    return objection


def _award(request: HttpRequest, pk: int) -> StarAward:
    return get_scoped_or_404(
        request.user, StarAward.objects.select_related(*selectors.AWARD_RELATED), pk=pk
    )


@login_required
def award(request: HttpRequest, pk: int) -> HttpResponse:
    """An award: the volunteer, the level, the hours snapshot, the notice, the objections."""
    found = _award(request, pk)
    today = selectors.local_today()
    context = {
        "nav": NAV,
        "award": found,
        "objections": [
            _masked(o, request.user) for o in found.objections.select_related("answered_by")
        ],
        "reviews": permissions.reviews(request.user, found.organization),
        "review_form": ReviewForm(),
        "answer_form": AnswerForm(),
        "flag_form": FlagForm(),
        "hours_now": selectors.total_minutes(found.volunteer),
        "notice_over": found.notice_until is not None and today > found.notice_until,
        "bar": selectors.active_bar(found.volunteer, today),
    }
    return render(request, "recognition/award.html", context)


@login_required
@post_action("recognition:award", "pk")
def award_review(request: HttpRequest, pk: int) -> HttpResponse:
    found = _award(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("recognition:award", pk=pk)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.review_award(
            found, actor=request.user, approve=approve, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        done = _("The notice is published.") if approve else _("The award is refused.")
        messages.success(request, done)
    return redirect("recognition:award", pk=pk)


@login_required
@post_action("recognition:award", "pk")
def award_grant(request: HttpRequest, pk: int) -> HttpResponse:
    found = _award(request, pk)
    try:
        granted = services.grant_award(found, actor=request.user)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request, _("Awarded with the number %(number)s.") % {"number": granted.number}
        )
    return redirect("recognition:award", pk=pk)


@login_required
@post_action("recognition:award", "pk")
def award_flag(request: HttpRequest, pk: int) -> HttpResponse:
    found = _award(request, pk)
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and say why."))
        return redirect("recognition:award", pk=pk)
    try:
        services.decide_flag(
            found,
            actor=request.user,
            keep=form.cleaned_data["decision"] == "keep",
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The decision is recorded."))
    return redirect("recognition:award", pk=pk)


@login_required
@post_action("recognition:index")
def objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_scoped_or_404(
        request.user, Objection.objects.select_related("award__organization"), pk=pk
    )
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_objection(
                objection,
                actor=request.user,
                answer=form.cleaned_data["answer"],
                upheld=form.cleaned_data["upheld"],
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The answer is recorded."))
    else:
        messages.error(request, _("Give an answer of at most 1,000 characters."))
    return redirect("recognition:award", pk=objection.award_id)


@login_required
def eligible(request: HttpRequest) -> HttpResponse:
    """Registered volunteers whose hours reach their next level (one query)."""
    organization = _organization(request)
    found = selectors.eligible(request.user, organization)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": NAV,
        "page": page,
        "organization": organization,
        "reviews": permissions.reviews_anywhere(request.user),
    }
    return render(request, "recognition/eligible.html", context)


@login_required
@post_action("recognition:eligible")
def propose(request: HttpRequest) -> HttpResponse:
    form = ProposeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a volunteer."))
        return redirect("recognition:eligible")
    volunteer = get_scoped_or_404(
        request.user,
        Volunteer.objects.select_related("organization"),
        pk=form.cleaned_data["volunteer"],
    )
    try:
        made = services.propose_level(volunteer, actor=request.user)
    except ValidationError as error:
        _errors(request, error)
        return redirect("recognition:eligible")
    messages.success(request, _("Proposed for %(level)s stars.") % {"level": made.level})
    return redirect("recognition:award", pk=made.pk)


@login_required
def below(request: HttpRequest) -> HttpResponse:
    """Registered volunteers below the yearly hours, counted by unit, and listed."""
    organization = _organization(request)
    year = _year(request)
    found = selectors.below_line(request.user, organization=organization, year=year)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": NAV,
        "page": page,
        "units": selectors.below_by_unit(found),
        "organization": organization,
        "year": year,
        "query": urlencode({k: str(v) for k, v in request.GET.items() if k != "page" and v}),
    }
    return render(request, "recognition/below.html", context)


@login_required
@post_action("recognition:below")
def below_export(request: HttpRequest) -> HttpResponse:
    """The list as xlsx: at once up to EXPORT_IMMEDIATE_ROWS, else queued ("my exports")."""
    filters = exports.BelowFilter(_organization(request), _year(request))
    rows = selectors.below_line(
        request.user, organization=filters.organization, year=filters.year
    ).count()
    if exports.in_background(rows):
        exports.request_below_export(request.user, filters, rows=rows)
        messages.success(request, _("The export is being written; it will be under My exports."))
        return redirect("exports:list")
    made = exports.write_below(request.user, filters)
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = content_disposition_header(True, made.name)
    return response


def _administered(user: Any) -> list[tuple[int, str]]:
    if user.is_superuser:
        found = Organization.objects.filter(depth=1)
    else:
        found = Organization.objects.filter(
            roles__user=user, roles__kind__in=permissions.REVIEWING, is_active=True
        )
    return [(o.pk, o.name) for o in found.distinct().order_by("path")]


@login_required
def policy(request: HttpRequest) -> HttpResponse:
    """The recognition policy of an organisation the user administers (inherited below it)."""
    choices = _administered(request.user)
    form = PolicyForm(request.POST or None, organizations=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organization = Organization.objects.get(pk=data.pop("organization"))
        try:
            services.set_policy(organization, actor=request.user, **data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request, _("The policy of %(name)s was saved.") % {"name": organization.name}
            )
            return redirect("recognition:policy")
    in_force = [
        (name, selectors.policy_for(Organization.objects.get(pk=pk))) for pk, name in choices
    ]
    return render(
        request, "recognition/policy.html", {"nav": NAV, "form": form, "policies": in_force}
    )
