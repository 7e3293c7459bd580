"""Pages of the work plan: the steps and what the user has to report or decide (the index), a
city's step form and its defaults, one organisation on one step (its state, what its report
links to, the history, the report form and the superior's decision), the evidence file, and
the board with its xlsx and PDF. Every page reads through the access layer: outside the scope,
404; a write the user may not make, 403 (the services check)."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.organizations.models import Organization
from zhiyuan.reports.rounds import selectors as rounds_selectors
from zhiyuan.workplan import exports, permissions, selectors, services
from zhiyuan.workplan.enums import PLAN_STEPS, CellState, ReportStatus, StepLink
from zhiyuan.workplan.forms import DefaultsForm, ReportForm, ReturnForm, RevealForm, StepForm
from zhiyuan.workplan.models import StepReport, WorkStep


def _city_or_404(request: HttpRequest) -> Organization:
    city = selectors.user_city(request.user)
    if city is None:
        raise Http404
    return city


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The city's steps (with the forms to set them for its administrators), what the user's
    own organisations have to report, and the reports awaiting the user's decision."""
    city = selectors.user_city(request.user)
    may_set = city is not None and permissions.may_set_steps(request.user, city)
    steps = selectors.city_steps(city, retired=True) if city else []
    have = {step.code for step in steps}
    context = {
        "nav": "workplan",
        "city": city,
        "steps": [step for step in steps if may_set or step.is_active],
        "missing_defaults": [plan for plan in PLAN_STEPS if plan.code not in have],
        "may_set": may_set,
        "defaults_form": DefaultsForm(initial={"year": selectors.local_today().year}),
        "to_report": selectors.to_report(request.user),
        "awaiting": selectors.awaiting_decision(request.user),
        "today": selectors.local_today(),
    }
    return render(request, "workplan/index.html", context)


@login_required
@post_action("workplan:index")
def defaults(request: HttpRequest) -> HttpResponse:
    """ "Use the plan's steps": add those the city does not have yet, due in the year given."""
    city = _city_or_404(request)
    form = DefaultsForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("workplan:index")
    try:
        added = services.create_plan_steps(city, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if added:
            messages.success(request, _("%(n)s of the plan's steps added.") % {"n": len(added)})
        else:
            messages.info(request, _("The city already has every step of the plan."))
    return redirect("workplan:index")


def _step_form(request: HttpRequest, city: Organization, step: WorkStep | None) -> HttpResponse:
    permissions.require_set_steps(request.user, city)
    rounds = rounds_selectors.visible_rounds(request.user).filter(
        organization__path__startswith=city.path
    )
    if request.method == "POST":
        form = StepForm(request.POST, rounds=rounds)
        if form.is_valid():
            try:
                services.save_step(city, actor=request.user, step=step, **form.cleaned_data)
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(request, _("Step saved."))
                return redirect("workplan:index")
        status = 400
    else:
        initial = {}
        if step is not None:
            initial = {
                key: getattr(step, key)
                for key in ("name", "name_en", "description", "due_date", "levels", "link")
            } | {"round": step.round_id}
        form = StepForm(initial=initial, rounds=rounds)
        status = 200
    context = {"nav": "workplan", "city": city, "step": step, "form": form}
    return render(request, "workplan/step_form.html", context, status=status)


@login_required
def step_new(request: HttpRequest) -> HttpResponse:
    return _step_form(request, _city_or_404(request), None)


def _step(request: HttpRequest, pk: int) -> WorkStep:
    """A step of the city above the user's roles (`selectors.visible_steps`), else 404."""
    found = selectors.visible_steps(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
def step_edit(request: HttpRequest, pk: int) -> HttpResponse:
    step = _step(request, pk)
    return _step_form(request, step.organization, step)


@login_required
@post_action("workplan:step-edit", "pk")
def step_in_use(request: HttpRequest, pk: int) -> HttpResponse:
    step = _step(request, pk)
    in_use = request.POST.get("in_use") == "1"
    services.set_step_in_use(step, actor=request.user, in_use=in_use)
    messages.success(request, _("Step brought back.") if in_use else _("Step retired."))
    return redirect("workplan:index")


# --- one organisation on one step ----------------------------------------------------------


def _cell_objects(request: HttpRequest, step_pk: int, org_pk: int) -> tuple[WorkStep, Organization]:
    step = _step(request, step_pk)
    organization = get_scoped_or_404(request.user, Organization.objects.all(), pk=org_pk)
    if not organization.path.startswith(step.organization.path):
        raise Http404
    return step, organization


def _cell_context(
    request: HttpRequest,
    step: WorkStep,
    organization: Organization,
    *,
    report_form: ReportForm | None = None,
    return_form: ReturnForm | None = None,
    reveal_form: RevealForm | None = None,
    revealed: str = "",
) -> dict[str, Any]:
    today = selectors.local_today()
    history = selectors.reports_of(step, organization)
    asked = step.is_active and selectors.applies_to(step, organization)
    live = next(
        (r for r in history if r.status in (ReportStatus.REPORTED, ReportStatus.ACCEPTED)), None
    )
    may_report = asked and live is None and permissions.may_report(request.user, organization)
    stations = selectors.stations_below(organization) if step.link == StepLink.STATIONS else None
    if may_report and report_form is None:
        report_form = ReportForm(stations=stations)
    pending = live if live is not None and live.status == ReportStatus.REPORTED else None
    may_decide = (
        pending is not None
        and permissions.may_decide(request.user, organization)
        and pending.reported_by_id != request.user.pk
    )
    shown = live or (history[-1] if history else None)
    return {
        "nav": "workplan",
        "step": step,
        "organization": organization,
        "asked": asked,
        "state": selectors.cell_state(step, history, today) if asked else None,
        "history": list(reversed(history)),
        "shown": shown,
        "station_states": selectors.station_states(shown.stations.all()) if shown else [],
        "round_state": selectors.round_state(request.user, step, organization),
        "may_report": may_report,
        "report_form": report_form,
        "pending": pending,
        "may_decide": may_decide,
        "return_form": return_form or ReturnForm(),
        "may_reveal": shown is not None and permissions.may_reveal(request.user, organization),
        "reveal_form": reveal_form or RevealForm(prefix="reveal"),
        "revealed": revealed,
        "today": today,
    }


@login_required
def cell(request: HttpRequest, step: int, organization: int) -> HttpResponse:
    found, org = _cell_objects(request, step, organization)
    return render(request, "workplan/cell.html", _cell_context(request, found, org))


@login_required
@post_action("workplan:cell", "step", "organization")
def report(request: HttpRequest, step: int, organization: int) -> HttpResponse:
    found, org = _cell_objects(request, step, organization)
    stations = selectors.stations_below(org) if found.link == StepLink.STATIONS else None
    form = ReportForm(request.POST, request.FILES, stations=stations)
    if form.is_valid():
        try:
            services.report_step(found, org, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Reported. The office above will accept or return it."))
            return redirect("workplan:cell", step=found.pk, organization=org.pk)
    context = _cell_context(request, found, org, report_form=form)
    return render(request, "workplan/cell.html", context, status=400)


def _report(request: HttpRequest, pk: int) -> StepReport:
    found = selectors.visible_reports(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
@post_action("workplan:index")
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    row = _report(request, pk)
    try:
        services.accept_report(row, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Report accepted."))
    return redirect("workplan:cell", step=row.step_id, organization=row.organization_id)


@login_required
@post_action("workplan:index")
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    row = _report(request, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.return_report(row, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Report returned."))
            return redirect("workplan:cell", step=row.step_id, organization=row.organization_id)
    context = _cell_context(request, row.step, row.organization, return_form=form)
    return render(request, "workplan/cell.html", context, status=400)


@login_required
@post_action("workplan:index")
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The responsible person's mobile in full on the report's page, once, for a reason (the
    viewing audited); never kept in a redirect or a cache."""
    row = _report(request, pk)
    form = RevealForm(request.POST, prefix="reveal")
    revealed = ""
    if form.is_valid():
        try:
            revealed = services.reveal_contact(row, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
    context = _cell_context(
        request, row.step, row.organization, reveal_form=form, revealed=revealed
    )
    response = render(request, "workplan/cell.html", context, status=200 if revealed else 400)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A report's document or photo, to those whose roles cover its organisation; never from
    MEDIA_URL."""
    kept = get_scoped_or_404(request.user, StepReport.objects.exclude(evidence=""), pk=pk)
    return FileResponse(
        kept.evidence.open("rb"),
        as_attachment=True,
        filename=kept.evidence_name,
        content_type=kept.evidence_type,
    )


# --- the board -------------------------------------------------------------------------------


def _board_query(request: HttpRequest) -> tuple[Organization, date, list[Organization]]:
    """The subtree (`under`, default the user's first) and the day (`date`, default today)."""
    roots = list(selectors.board_roots(request.user))
    if not roots:
        raise Http404
    wanted = request.GET.get("under", "")
    root = next((r for r in roots if str(r.pk) == wanted), roots[0])
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = selectors.local_today()
    return root, day, roots


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Per organisation of a subtree and step of its city: done, late, returned, awaiting
    review or not reported, with the counts; filtered by subtree and day."""
    root, day, roots = _board_query(request)
    found = selectors.board(root, day=day)
    context = {
        "nav": "workplan",
        "board": found,
        "roots": roots,
        "root": root,
        "day": day,
        "states": CellState.choices,
        "counts": [
            (step, [(value, found.counts[step.pk][value]) for value in CellState.values])
            for step in found.steps
        ],
    }
    return render(request, "workplan/board.html", context)


@login_required
def board_export(request: HttpRequest, kind: str) -> HttpResponse:
    """The board as xlsx or PDF: the same cells as the page."""
    if kind not in exports.FORMATS:
        raise Http404
    root, day, _roots = _board_query(request)
    found = selectors.board(root, day=day)
    try:
        content = exports.render(found, kind)
    except FontUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{exports.file_name(found, kind)}"'
    return response
