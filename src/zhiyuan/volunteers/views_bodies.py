"""Office pages of registration bodies (MISSION §2, plan Attachment 2): the allocation table
as a page, xlsx and PDF; designating a body; granting and revoking delegations. Also the
ledger's xlsx export and the registration form (Attachment 4) of one volunteer as a PDF.

Access: lists and details go through the access layer's scope (out of scope: absent, or 404);
changes need an administrator role, which the services check (PermissionDenied: 403).
"""

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.organizations.access import covers, get_scoped_or_404, scope_prefixes
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import administers_anything
from zhiyuan.organizations.selectors import administered_organizations
from zhiyuan.volunteers import documents, exports, selectors, services, views_ledger
from zhiyuan.volunteers.allocation import allocation_bodies, allocation_rows, allocation_table
from zhiyuan.volunteers.forms_bodies import DelegationForm, DesignateForm, ReasonForm
from zhiyuan.volunteers.models import Delegation, RegistrationBody, Volunteer

ADMIN = [RoleKind.ADMINISTRATOR]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_OPTIONS = 300


def _download(content: bytes, name: str, content_type: str, *, inline: bool = False) -> Any:
    """A file response named `name` (RFC 5987/6266 filename*, so Chinese names survive)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=not inline, filename=name)
    )
    return response


def _dated_name(title: str, extension: str, today: date) -> str:
    """注册编号分配表-YYYYMMDD.xlsx and the like, in the user's language."""
    return f"{title}-{today:%Y%m%d}.{extension}"


# --- Attachment 2 ---------------------------------------------------------------------------


def _allocation_page(request: HttpRequest, *, status: int = 200, pdf_error: str = "") -> Any:
    today = timezone.localdate()
    context = {
        "nav": "bodies",
        "rows": allocation_table(request.user, year=today.year),
        "year": today.year,
        "may_designate": administers_anything(request.user),
        "pdf_error": pdf_error,
    }
    return render(request, "volunteers/bodies/allocation.html", context, status=status)


@login_required
def allocation(request: HttpRequest) -> HttpResponse:
    """Attachment 2 (注册编号分配表): the registration bodies in the user's scope."""
    return _allocation_page(request)


@login_required
def allocation_xlsx(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = allocation_table(request.user, year=today.year)
    content = documents.allocation_table_xlsx(rows, year=today.year, today=today)
    return _download(content, _dated_name(documents.allocation_title(), "xlsx", today), XLSX)


@login_required
def allocation_pdf(request: HttpRequest) -> HttpResponse:
    """Attachment 2 as a PDF; without a CJK font, the page with what to install (503)."""
    today = timezone.localdate()
    rows = allocation_table(request.user, year=today.year)
    try:
        content = documents.allocation_table_pdf(rows, year=today.year, today=today)
    except FontUnavailable as exc:
        return _allocation_page(request, status=503, pdf_error=str(exc))
    name = _dated_name(documents.allocation_title(), "pdf", today)
    return _download(content, name, "application/pdf")


# --- bodies and delegations -----------------------------------------------------------------


def _designate_options(user: Any) -> list[Organization]:
    """Organisations the user administers that could become bodies, higher levels first."""
    candidates = administered_organizations(user).filter(
        kind__in=services.BODY_KINDS, registration_body__isnull=True
    )
    return list(candidates.order_by("depth", "path").only("code", "name")[:_OPTIONS])


@login_required
def designate(request: HttpRequest) -> HttpResponse:
    """Designate an organisation the administrator covers as a registration body."""
    if not administers_anything(request.user):
        raise PermissionDenied
    form = DesignateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            body = services.designate_body(
                form.cleaned_data["organization"],
                code=form.cleaned_data["code"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Registration body designated."))
            return redirect("volunteers:body-detail", pk=body.pk)
    context = {"nav": "bodies", "form": form, "org_options": _designate_options(request.user)}
    return render(request, "volunteers/bodies/designate.html", context)


def _delegation_candidates(user: Any, body: RegistrationBody) -> QuerySet[Organization]:
    """Active organisations the user administers in the body's own area (under the body's
    parent, as services.grant_delegation requires), other than the body and those that
    already have its consent."""
    parent = Organization.objects.get_parent(body.organization) or body.organization
    consented = body.delegations.filter(revoked_at__isnull=True).values("organization_id")
    return (
        administered_organizations(user)
        .filter(path__startswith=parent.path)
        .exclude(pk=body.organization_id)
        .exclude(pk__in=consented)
    )


def _body_page(
    request: HttpRequest, body: RegistrationBody, form: DelegationForm | None = None
) -> Any:
    today = timezone.localdate()
    row = allocation_rows(allocation_bodies(request.user).filter(pk=body.pk), year=today.year)[0]
    is_admin = covers(request.user, body.organization, ADMIN)
    options: list[Organization] = []
    if is_admin:
        form = form or DelegationForm(candidates=_delegation_candidates(request.user, body))
        options = list(
            _delegation_candidates(request.user, body)
            .order_by("depth", "path")
            .only("code", "name")[:_OPTIONS]
        )
    revoked = (
        body.delegations.filter(revoked_at__isnull=False)
        .select_related("organization", "revoked_by")
        .order_by("-revoked_at")
    )
    context = {
        "nav": "bodies",
        "row": row,
        "body": body,
        "year": today.year,
        "is_admin": is_admin,
        "form": form,
        "org_options": options,
        "revoked": revoked,
    }
    return render(
        request,
        "volunteers/bodies/detail.html",
        context,
        status=400 if form and form.errors else 200,
    )


def _scoped_body(request: HttpRequest, pk: int) -> RegistrationBody:
    return get_scoped_or_404(
        request.user, RegistrationBody.objects.select_related("organization"), pk=pk
    )


@login_required
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One body: its code and numbers, its live delegations (administrators: grant, revoke)
    and the revoked ones."""
    return _body_page(request, _scoped_body(request, pk))


@login_required
@require_POST
def delegation_grant(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the body's consent that an organisation registers volunteers for it."""
    body = _scoped_body(request, pk)
    if not covers(request.user, body.organization, ADMIN):
        raise PermissionDenied
    form = DelegationForm(request.POST, candidates=_delegation_candidates(request.user, body))
    if form.is_valid():
        try:
            services.grant_delegation(
                body,
                form.cleaned_data["organization"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Consent to register granted."))
            return redirect("volunteers:body-detail", pk=body.pk)
    return _body_page(request, body, form)


@login_required
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a delegation: GET asks for confirmation, POST revokes (registrations made
    through it stay)."""
    delegation = get_scoped_or_404(
        request.user,
        Delegation.objects.select_related("body__organization", "organization"),
        pk=pk,
    )
    if not covers(request.user, delegation.body.organization, ADMIN):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.revoke_delegation(delegation, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Consent to register revoked."))
        return redirect("volunteers:body-detail", pk=delegation.body_id)
    context = {"nav": "bodies", "delegation": delegation}
    return render(request, "volunteers/bodies/revoke.html", context)


# --- the ledger export and the registration form --------------------------------------------


def _ledger(request: HttpRequest) -> QuerySet[Volunteer]:
    """The user's ledger with the ledger page's filters, read from the query string the same
    way as the page reads them, in the page's order."""
    filters = views_ledger.ledger_filter(request)
    return selectors.filter_ledger(selectors.ledger(request.user), filters).order_by(
        "-applied_at", "-pk"
    )


def _reason_page(request: HttpRequest, form: ReasonForm, *, purpose: str) -> Any:
    context = {"nav": "ledger", "form": form, "purpose": purpose}
    return render(
        request, "volunteers/bodies/reason.html", context, status=400 if form.errors else 200
    )


@login_required
@never_cache
def export_ledger(request: HttpRequest) -> HttpResponse:
    """The ledger (with the page's filters) as xlsx, masked. With `full=1` the page asks for
    a reason, and the POST returns full ID numbers and phones where the user's roles allow
    (exports.ledger_xlsx logs every export)."""
    if scope_prefixes(request.user) == []:
        raise PermissionDenied
    full = request.method == "POST" or request.GET.get("full") == "1"
    form = ReasonForm(request.POST or None)
    if full and not (request.method == "POST" and form.is_valid()):
        if not exports.may_reveal_any(request.user):
            raise PermissionDenied
        return _reason_page(request, form, purpose="export")
    try:
        content = exports.ledger_xlsx(
            request.user,
            _ledger(request),
            full=full,
            reason=form.cleaned_data["reason"] if full else "",
        )
    except ValidationError as exc:
        add_validation_errors(form, exc)
        return _reason_page(request, form, purpose="export")
    today = timezone.localdate()
    return _download(content, _dated_name(_("Volunteer ledger"), "xlsx", today), XLSX)


@login_required
@never_cache
def registration_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The registration form (Attachment 4) of one volunteer in the user's ledger as a PDF,
    masked; with `reveal=1` the page asks for a reason, and the POST prints full values
    (administrators and registrars). Every printing is logged."""
    volunteer = get_scoped_or_404(
        request.user,
        selectors.ledger(request.user).select_related("home_division"),
        pk=pk,
    )
    reveal = request.method == "POST" or request.GET.get("reveal") == "1"
    form = ReasonForm(request.POST or None)
    if reveal and not (request.method == "POST" and form.is_valid()):
        if not documents.may_reveal_form(request.user, volunteer):
            raise PermissionDenied
        return _reason_page(request, form, purpose="form")
    reason = form.cleaned_data["reason"] if reveal else ""
    try:
        content = documents.print_registration_form(
            volunteer, actor=request.user, reveal=reveal, reason=reason
        )
    except FontUnavailable as exc:
        context = {"nav": "ledger", "pdf_error": str(exc), "volunteer": volunteer}
        return render(request, "volunteers/bodies/pdf_unavailable.html", context, status=503)
    except ValidationError as exc:
        add_validation_errors(form, exc)
        return _reason_page(request, form, purpose="form")
    name = (
        f"{documents.registration_form_title()}-{volunteer.registration_number or volunteer.pk}.pdf"
    )
    return _download(content, name, "application/pdf", inline=True)
