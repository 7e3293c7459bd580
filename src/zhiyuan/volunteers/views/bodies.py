"""Office pages of registration bodies (MISSION §2, plan Attachment 2): the allocation table
as a page, xlsx and PDF; designating a body; granting and revoking delegations.

Access: lists and details go through the access layer's scope (out of scope: absent, or 404);
changes need an administrator role, which the services check (PermissionDenied: 403).
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import administers, administers_anything
from zhiyuan.organizations.selectors import administered_organizations
from zhiyuan.volunteers import documents, selectors, services
from zhiyuan.volunteers.allocation import allocation_bodies, allocation_rows, allocation_table
from zhiyuan.volunteers.forms_bodies import DelegationForm, DesignateForm
from zhiyuan.volunteers.models import RegistrationBody
from zhiyuan.volunteers.views.responses import XLSX, dated_name, download

_OPTIONS = 300


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
    return download(content, dated_name(documents.allocation_title(), "xlsx", today), XLSX)


@login_required
def allocation_pdf(request: HttpRequest) -> HttpResponse:
    """Attachment 2 as a PDF; without a CJK font, the page with what to install (503)."""
    today = timezone.localdate()
    rows = allocation_table(request.user, year=today.year)
    try:
        content = documents.allocation_table_pdf(rows, year=today.year, today=today)
    except FontUnavailable as exc:
        return _allocation_page(request, status=503, pdf_error=str(exc))
    name = dated_name(documents.allocation_title(), "pdf", today)
    return download(content, name, "application/pdf")


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
    is_admin = administers(request.user, body.organization)
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
    return get_scoped_or_404(request.user, selectors.registration_bodies(request.user), pk=pk)


@login_required
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One body: its code and numbers, its live delegations (administrators: grant, revoke)
    and the revoked ones."""
    return _body_page(request, _scoped_body(request, pk))


@login_required
@post_action("volunteers:body-detail", "pk")
def delegation_grant(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the body's consent that an organisation registers volunteers for it."""
    body = _scoped_body(request, pk)
    if not administers(request.user, body.organization):
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
    delegation = get_scoped_or_404(request.user, selectors.delegations(request.user), pk=pk)
    if not administers(request.user, delegation.body.organization):
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
