"""Office pages of reporting rounds: the rounds a user sees, opening one, a round with who has
submitted, submitting and withdrawing, and a submission's tables as submitted beside the live
figures, with the files as submitted.

Every page reads through `rounds.selectors` (the access layer): a round or submission outside
the reader's scope is not found; the services check the right to act (PermissionDenied: 403).
"""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.common.text import clean_note
from zhiyuan.organizations.enums import OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.selectors import administered_organizations
from zhiyuan.reports import kinds, selectors
from zhiyuan.reports.enums import ReportFormat
from zhiyuan.reports.render import CONTENT_TYPES
from zhiyuan.reports.rounds import selectors as rounds
from zhiyuan.reports.rounds import services
from zhiyuan.reports.rounds.forms import RoundForm, WithdrawForm
from zhiyuan.reports.rounds.models import ReportingRound, Submission, SubmissionStatus
from zhiyuan.reports.rounds.snapshots import compare, table_from_data
from zhiyuan.reports.views import download

FILE_FORMATS = (ReportFormat.XLSX, ReportFormat.PDF)
#: What the plan's work step 4 asks for by 15 June: Attachments 5, 6 and 7 (a new round's default).
PLAN_TABLES = ("attachment5", "attachment6", "attachment7")


def _cities(user: Any) -> list[Organization]:
    """The cities `user` administers (where they may open rounds)."""
    return list(administered_organizations(user).filter(level=OrgLevel.CITY))


def _round_or_404(user: Any, pk: int) -> ReportingRound:
    return get_object_or_404(rounds.visible_rounds(user), pk=pk)


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    """The rounds the user sees, each with how many of its organisations (in the user's scope)
    have submitted, and the rounds the user's organisations must still submit in."""
    shown = list(rounds.visible_rounds(request.user)[:100])
    statuses = rounds.statuses_by_round(request.user, shown)
    listed = [(opened, rounds.summary(statuses[opened.pk])) for opened in shown]
    context = {
        "nav": "reports",
        "rounds": listed,
        "to_submit": rounds.to_submit(request.user),
        "may_open": bool(_cities(request.user)),
        "today": selectors.local_today(),
    }
    return render(request, "reports/rounds/list.html", context)


@login_required
def round_new(request: HttpRequest) -> HttpResponse:
    """Open a round (a city's administrators)."""
    cities = _cities(request.user)
    if not cities:
        raise Http404
    today = selectors.local_today()
    due = today.replace(month=6, day=15) if today <= today.replace(month=6, day=15) else None
    initial = {
        "organization": cities[0].code,
        "tables": [key for key in kinds.kind_keys() if key in PLAN_TABLES] or kinds.kind_keys()[:1],
        "reference_date": today.isoformat(),
        "due_date": (due or today + timedelta(days=14)).isoformat(),
    }
    form = RoundForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            opened = services.open_round(data.pop("organization"), actor=request.user, **data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Round opened."))
            return redirect("reports:round", pk=opened.pk)
    context = {"nav": "reports", "form": form}
    return render(request, "reports/rounds/new.html", context, status=400 if form.errors else 200)


def _round_context(request: HttpRequest, opened: ReportingRound) -> dict[str, Any]:
    statuses = rounds.member_statuses(request.user, opened)
    mine = {org.pk for org in rounds.submittable_members(request.user, opened)}
    return {
        "nav": "reports",
        "round": opened,
        "tables": rounds.table_labels(opened),
        "statuses": statuses,
        "summary": rounds.summary(statuses),
        "mine": [status for status in statuses if status.organization.pk in mine],
        "today": selectors.local_today(),
        "withdraw_form": WithdrawForm(),
    }


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A round: what it asks, who has submitted (on time, late), who has not; for the
    administrators of an organisation asked, its submission and the buttons."""
    opened = _round_or_404(request.user, pk)
    return render(request, "reports/rounds/detail.html", _round_context(request, opened))


@login_required
@post_action("reports:round", "pk")
def round_submit(request: HttpRequest, pk: int) -> HttpResponse:
    opened = _round_or_404(request.user, pk)
    organization = get_object_or_404(Organization, pk=_int(request.POST.get("organization")))
    if organization not in rounds.submittable_members(request.user, opened):
        raise Http404
    try:
        submission = services.submit_tables(opened, organization, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("reports:round", pk=opened.pk)
    except FontUnavailable as exc:
        context = _round_context(request, opened)
        context["pdf_error"] = str(exc)
        return render(request, "reports/rounds/detail.html", context, status=503)
    if submission.late:
        messages.warning(request, _("Submitted after the due date: the submission is marked late."))
    else:
        messages.success(request, _("Submitted."))
    return redirect("reports:submission", pk=submission.pk)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _submission_or_404(user: Any, pk: int) -> Submission:
    return get_object_or_404(rounds.visible_submissions(user), pk=pk)


@login_required
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A submission's tables as submitted, each cell beside the live figure for the same
    reference date where they differ; the files as submitted; the organisation's history in
    the round."""
    submission = _submission_or_404(request.user, pk)
    opened = submission.round
    compared = []
    with translation.override(services.DOCUMENT_LANGUAGE):  # the language the tables froze in
        for row in rounds.submission_tables(submission):
            submitted = table_from_data(row.data)
            kind = kinds.get_kind(row.kind)
            live = None
            if kind is not None:
                live = kind.build(submission.organization, opened.reference_date)
            compared.append((row, submitted, compare(submitted, live) if live else None))
    history = rounds.visible_submissions(request.user).filter(
        round=opened, organization=submission.organization
    )
    may_withdraw = (
        submission.status == SubmissionStatus.SUBMITTED
        and selectors.local_today() <= opened.due_date
        and submission.organization in rounds.submittable_members(request.user, opened)
    )
    context = {
        "nav": "reports",
        "submission": submission,
        "round": opened,
        "compared": compared,
        "history": history.order_by("sequence"),
        "may_withdraw": may_withdraw,
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "reports/rounds/submission.html", context)


@login_required
@post_action("reports:submission", "pk")
def submission_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_or_404(request.user, pk)
    try:
        reason = clean_note(request.POST.get("reason", ""), limit=200)
        services.withdraw_submission(submission, actor=request.user, reason=reason)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("reports:submission", pk=submission.pk)
    messages.success(request, _("Withdrawn. You may submit again until the due date."))
    return redirect("reports:round", pk=submission.round_id)


@login_required
def submission_file(request: HttpRequest, pk: int, kind: str, extension: str) -> HttpResponse:
    """A submitted table's xlsx or PDF exactly as submitted: its SHA-256 is checked first, and
    a file that no longer matches is refused rather than served."""
    submission = _submission_or_404(request.user, pk)
    if extension not in FILE_FORMATS:
        raise Http404
    row = submission.tables.filter(kind=kind).first()
    if row is None:
        raise Http404
    try:
        content, name = rounds.submitted_file(row, extension)
    except rounds.FileChangedError as exc:
        return HttpResponse(str(exc), status=409, content_type="text/plain; charset=utf-8")
    return download(content, name, CONTENT_TYPES[ReportFormat(extension)])
