"""Office pages of spot checks and cases, under /checks/:

- the spot checks in the user's scope; opening one (the city's or a district's administrators);
  a spot check's strata and sample, assigning checkers, closing it, its xlsx and PDF;
- the checker's assignments and an item's page (phone-first): name, masked ID number, the phone
  revealed for the call (logged), attempts, the outcome;
- the cases of the user's scope, a case's page with its decision; their xlsx and PDF;
- the verification rates per body and organiser, and in-person confirmation for a body.
Every list reads through the access layer; each action calls one service and shows its errors.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from zhiyuan.accounts.models import User
from zhiyuan.checks import exports, permissions, selectors, services
from zhiyuan.checks.enums import DECISIONS_FOR, CampaignStatus, CaseKind, CaseStatus
from zhiyuan.checks.forms import (
    AssignForm,
    AttemptForm,
    CampaignForm,
    DecisionForm,
    OutcomeForm,
    ReasonForm,
)
from zhiyuan.checks.models import Campaign, Case, CheckItem, InPersonRequirement
from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.masking import mask_document, mask_phone
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.selectors import scope_roots
from zhiyuan.volunteers.models import RegistrationBody

NAV = "checks"
FORMATS = {"xlsx": exports.XLSX, "pdf": exports.PDF}
#: The attempt form shares the item page with the outcome form: its own ids.
ATTEMPT_ID = "id_attempt_%s"


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _file(data: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=FORMATS[fmt])
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.{fmt}")
    return response


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_scoped_or_404(request.user, selectors.campaigns(request.user), pk=pk)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    context = {
        "nav": NAV,
        "campaigns": selectors.campaigns(request.user)[:100],
        "may_open": permissions.opens_anywhere(request.user),
        "mine": selectors.my_items(request.user).filter(outcome="").count(),
        "open_cases": selectors.cases(request.user).filter(status=CaseStatus.OPEN).count(),
    }
    return render(request, "checks/index.html", context)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    if not permissions.opens_anywhere(request.user):
        raise PermissionDenied
    form = CampaignForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.open_campaign(
                data["organization"],
                actor=request.user,
                title=data["title"],
                subject=data["subject"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                sample_size=data["sample_size"],
                sample_rate=data["sample_rate"],
                seed=data["seed"],
            )
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                form.add_error("organization", str(exc))
            else:
                add_validation_errors(form, exc)
        else:
            messages.success(
                request,
                _("The spot check is open: %(n)s sampled with seed %(seed)s.")
                % {"n": campaign.items.count(), "seed": campaign.seed},
            )
            return redirect("checks:campaign", campaign.pk)
    return render(request, "checks/new.html", {"nav": NAV, "form": form})


def _checkers(campaign: Campaign) -> Any:
    """Checkers whose role lies on the campaign's area, above it or inside it."""
    path = campaign.organization.path
    users = User.objects.filter(is_active=True, roles__kind=RoleKind.CHECKER).distinct()
    candidates = [
        user.pk
        for user in users.prefetch_related("roles__organization")
        if any(
            role.kind == RoleKind.CHECKER
            and (role.organization.path.startswith(path) or path.startswith(role.organization.path))
            for role in user.roles.all()
        )
    ]
    return User.objects.filter(pk__in=candidates).order_by("name")


@login_required
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    found = _campaign(request, pk)
    items = list(selectors.items(request.user, found))
    manages = permissions.manages(request.user, found)
    context = {
        "nav": NAV,
        "campaign": found,
        "strata": selectors.strata_labels(found),
        "items": items,
        "manages": manages,
        "assign_form": AssignForm(checkers=_checkers(found)) if manages else None,
        "done": sum(1 for item in items if item.outcome),
    }
    return render(request, "checks/campaign.html", context)


@login_required
@post_action("checks:campaign", "pk")
def campaign_assign(request: HttpRequest, pk: int) -> HttpResponse:
    found = _campaign(request, pk)
    form = AssignForm(request.POST, checkers=_checkers(found))
    if not form.is_valid():
        messages.error(request, _("Choose a checker."))
        return redirect("checks:campaign", pk)
    try:
        count = services.assign_items(
            found, checker=form.cleaned_data["checker"], actor=request.user
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("%(n)s items assigned.") % {"n": count})
    return redirect("checks:campaign", pk)


@login_required
@post_action("checks:campaign", "pk")
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.close_campaign(_campaign(request, pk), actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The spot check is closed."))
    return redirect("checks:campaign", pk)


@login_required
def campaign_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    found = _campaign(request, pk)
    if fmt not in FORMATS:
        raise Http404
    data = exports.export_campaign(found, found.items.all(), fmt, actor=request.user)
    return _file(data, fmt, f"spot-check-{found.pk}")


# --- the checker ------------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    items = list(selectors.my_items(request.user))
    return render(request, "checks/mine.html", {"nav": NAV, "items": items})


def _item(request: HttpRequest, pk: int) -> CheckItem:
    item = selectors.checkable_item(request.user, pk)
    if item is None:
        raise Http404
    return item


def _item_page(
    request: HttpRequest,
    item: CheckItem,
    *,
    phone: str = "",
    attempt_form: AttemptForm | None = None,
    outcome_form: OutcomeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    volunteer = item.volunteer
    context = {
        "nav": NAV,
        "item": item,
        "volunteer": volunteer,
        "masked_document": mask_document(volunteer.document_number),
        "masked_mobile": mask_phone(volunteer.mobile),
        "phone": phone,
        "attempts": list(item.attempts.select_related("made_by")),
        "may_check": permissions.may_check(request.user, item)
        and item.assigned_to_id in (None, request.user.pk)
        and not item.outcome
        and item.campaign.status == CampaignStatus.OPEN,
        "attempt_form": attempt_form or AttemptForm(auto_id=ATTEMPT_ID),
        "outcome_form": outcome_form or OutcomeForm(kind=item.kind),
        "case": Case.objects.filter(item=item).first(),
    }
    return render(request, "checks/item.html", context, status=status)


@login_required
def item(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_page(request, _item(request, pk))


@login_required
@post_action("checks:item", "pk")
def item_phone(request: HttpRequest, pk: int) -> HttpResponse:
    found = _item(request, pk)
    try:
        phone = services.reveal_phone(found, actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("checks:item", pk)
    return _item_page(request, found, phone=phone)


@login_required
@post_action("checks:item", "pk")
def item_attempt(request: HttpRequest, pk: int) -> HttpResponse:
    found = _item(request, pk)
    form = AttemptForm(request.POST, auto_id=ATTEMPT_ID)
    if form.is_valid():
        try:
            services.record_attempt(
                found,
                actor=request.user,
                method=form.cleaned_data["method"],
                reached=form.cleaned_data["reached"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("The attempt is recorded."))
            return redirect("checks:item", pk)
    return _item_page(request, found, attempt_form=form, status=400)


@login_required
@post_action("checks:item", "pk")
def item_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    found = _item(request, pk)
    form = OutcomeForm(request.POST, kind=found.kind)
    if form.is_valid():
        try:
            services.record_outcome(
                found,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                wrong_fields=form.cleaned_data["wrong_fields"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("The outcome is recorded."))
            return redirect("checks:mine")
    return _item_page(request, found, outcome_form=form, status=400)


# --- cases ------------------------------------------------------------------------------------


def _case(request: HttpRequest, pk: int) -> Case:
    return get_scoped_or_404(request.user, selectors.cases(request.user), pk=pk)


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    found = selectors.cases(request.user)
    if status in CaseStatus.values:
        found = found.filter(status=status)
    context = {
        "nav": NAV,
        "cases": found[:200],
        "status": status,
        "roots": scope_roots(request.user),
    }
    return render(request, "checks/cases.html", context)


@login_required
def cases_export(request: HttpRequest, fmt: str) -> HttpResponse:
    roots = scope_roots(request.user)
    if fmt not in FORMATS or not roots:
        raise Http404
    data = exports.export_cases(
        selectors.cases(request.user), fmt, actor=request.user, organization=roots[0]
    )
    return _file(data, fmt, "cases")


def _case_page(
    request: HttpRequest, found: Case, form: DecisionForm | None = None, status: int = 200
) -> HttpResponse:
    decisions = DECISIONS_FOR[CaseKind(found.kind)]
    context = {
        "nav": NAV,
        "case": found,
        "volunteer": found.volunteer,
        "masked_document": mask_document(found.volunteer.document_number),
        "decides": permissions.decides(request.user, found) and found.status == CaseStatus.OPEN,
        "form": form or DecisionForm(decisions=decisions),
        "item_shown": found.item_id is not None
        and selectors.checkable_item(request.user, found.item_id) is not None,
    }
    return render(request, "checks/case.html", context, status=status)


@login_required
def case(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, _case(request, pk))


@login_required
@post_action("checks:case", "pk")
def case_decide(request: HttpRequest, pk: int) -> HttpResponse:
    found = _case(request, pk)
    form = DecisionForm(request.POST, request.FILES, decisions=DECISIONS_FOR[CaseKind(found.kind)])
    if form.is_valid():
        try:
            services.decide_case(
                found,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("The case is decided."))
            return redirect("checks:case", pk)
    return _case_page(request, found, form, status=400)


def _evidence_type(data: bytes) -> str:
    """The media type of stored evidence, told by its bytes (a PDF, PNG or JPEG is all that
    `services.decide_case` keeps)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    return "image/jpeg"


@login_required
def case_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    found = _case(request, pk)
    if not found.evidence:
        raise Http404
    with found.evidence.open("rb") as handle:
        data = handle.read()
    kind = _evidence_type(data)
    response = HttpResponse(data, content_type=kind)
    response["Content-Disposition"] = str(content_disposition_header(False, f"evidence-{found.pk}"))
    return response


# --- rates ------------------------------------------------------------------------------------


@login_required
def rates(request: HttpRequest) -> HttpResponse:
    roots = scope_roots(request.user)
    root = roots[0] if roots else None
    bodies = selectors.body_rates(root) if root else []
    context: dict[str, Any] = {
        "nav": NAV,
        "root": root,
        "bodies": bodies,
        "organizers": selectors.organizer_rates(root) if root else [],
        "threshold": selectors.flag_threshold(),
        "requirements": {r.body_id: r for r in selectors.in_person_requirements(request.user)},
        "may_require": {
            rate.body_id
            for rate in bodies
            if permissions.may_require_in_person(request.user, rate.organization)
        },
        "form": ReasonForm(),
    }
    return render(request, "checks/rates.html", context)


@login_required
@post_action("checks:rates")
def require_in_person(request: HttpRequest, body: int) -> HttpResponse:
    found = RegistrationBody.objects.select_related("organization").filter(pk=body).first()
    if found is None or not permissions.may_require_in_person(request.user, found.organization):
        raise Http404
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason; it is kept."))
        return redirect("checks:rates")
    try:
        services.require_in_person(found, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("%(body)s now confirms new registrations in person only.")
            % {"body": found.organization.name},
        )
    return redirect("checks:rates")


@login_required
@post_action("checks:rates")
def lift_in_person(request: HttpRequest, pk: int) -> HttpResponse:
    requirement = get_scoped_or_404(
        request.user, InPersonRequirement.objects.select_related("body__organization"), pk=pk
    )
    try:
        services.lift_in_person(requirement, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("The in-person requirement is lifted."))
    return redirect("checks:rates")
