"""Office pages of service-record certificates, under /certificates/:

- the certificates issued in the user's subtrees (a number, a name or a registration number;
  valid or revoked), and issuing one (the issuer, the volunteer's registration number, the
  period, per activity, the full ID number when the volunteer asked);
- a certificate: what it states, its PDF, revoking it with a reason;
- an organisation's certificate settings: the handler, the contact, the seal's image.

Every list reads through the access layer; actions call one service each and show its errors.
The public check of a certificate is the portal's (/verify/).
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from zhiyuan.accounts.models import Role
from zhiyuan.certificates import documents, permissions, selectors, services
from zhiyuan.certificates.forms import FilterForm, IssueForm, RevokeForm, SealForm, SettingsForm
from zhiyuan.certificates.models import Certificate
from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.organizations.access import get_scoped_or_404, scope
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.form_fields import resolve_choice
from zhiyuan.organizations.models import Organization

NAV = "certificates"


def check_url(request: HttpRequest, certificate: Certificate) -> str:
    """The public check's absolute URL for the certificate (what its QR code carries)."""
    return request.build_absolute_uri(reverse("public:verify-number", args=[certificate.number]))


def pdf_response(request: HttpRequest, certificate: Certificate, actor: Any) -> HttpResponse:
    """The certificate's PDF as a download (shared with the portal's page)."""
    try:
        content = services.print_certificate(
            certificate, actor=actor, check_url=check_url(request, certificate)
        )
    except FontUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, documents.file_name(certificate)
    )
    return response


def _certificate(request: HttpRequest, pk: int) -> Certificate:
    return get_scoped_or_404(request.user, selectors.certificates(request.user), pk=pk)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The certificates of the user's subtrees, newest first, 50 a page."""
    form = FilterForm(request.GET or None)
    found = selectors.certificates(request.user)
    if form.is_valid():
        text = form.cleaned_data["q"].strip()
        if text:
            found = found.filter(
                Q(number__iexact=selectors.normalize_number(text) or text)
                | Q(name=text)
                | Q(registration_number=text)
            )
        if form.cleaned_data["status"]:
            found = found.filter(status=form.cleaned_data["status"])
    page = Paginator(found.order_by("-issued_at", "-pk"), 50).get_page(request.GET.get("page"))
    administered = (
        Role.objects.filter(user_id=request.user.pk or 0, kind=RoleKind.ADMINISTRATOR)
        .select_related("organization")
        .order_by("organization__path")
    )
    context = {
        "nav": NAV,
        "form": form,
        "page": page,
        "may_issue": permissions.issues_anywhere(request.user),
        "administered": [role.organization for role in administered],
    }
    return render(request, "certificates/index.html", context)


def _issuers(user: Any) -> Any:
    return scope(user, Organization.objects.filter(is_active=True), permissions.ISSUING)


@login_required
def issue(request: HttpRequest) -> HttpResponse:
    """Issue a certificate: the organisation (one the user issues for), the registration
    number, the period; the refusal of a period without hours says so."""
    if not permissions.issues_anywhere(request.user):
        raise Http404
    initial = {key: request.GET.get(key, "")[:200] for key in ("issuer", "registration_number")}
    form = IssueForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            certificate = _issue(request, form)
            if certificate is not None:
                messages.success(
                    request,
                    _("Certificate %(number)s issued.") % {"number": certificate.number},
                )
                return redirect("certificates:detail", pk=certificate.pk)
    context = {"nav": NAV, "form": form, "issuers": _issuers(request.user).order_by("path")[:200]}
    return render(request, "certificates/issue.html", context, status=status)


def _issue(request: HttpRequest, form: IssueForm) -> Certificate | None:
    data = form.cleaned_data
    try:
        issuer = resolve_choice(_issuers(request.user), data["issuer"])
    except ValidationError as error:
        form.add_error("issuer", error)
        return None
    if issuer is None:
        form.add_error("issuer", _("Pick an organisation whose certificates you issue."))
        return None
    volunteer = selectors.volunteer_by_number(data["registration_number"])
    try:
        if volunteer is None:
            raise services.no_hours(issuer, data["start"], data["end"])
        return services.issue_certificate(
            volunteer,
            issuer=issuer,
            actor=request.user,
            start=data["start"],
            end=data["end"],
            per_activity=data["per_activity"],
            full_number=data["full_number"],
        )
    except ValidationError as error:
        add_validation_errors(form, error)
        return None


@login_required
def detail(request: HttpRequest, pk: int, revoke_form: RevokeForm | None = None) -> HttpResponse:
    certificate = _certificate(request, pk)
    context = {
        "nav": NAV,
        "certificate": certificate,
        "period": documents.period_text(certificate),
        "hours": documents.hours_text(certificate.minutes),
        "lines": [
            {**line, "hours": documents.hours_text(int(line["minutes"]))}
            for line in certificate.activities
        ],
        "check_url": check_url(request, certificate),
        "may_revoke": permissions.issues_for(request.user, certificate.issuer)
        and not certificate.is_revoked,
        "may_set_up": permissions.sets_up(request.user, certificate.issuer),
        "may_issue": permissions.issues_for(request.user, certificate.issuer),
        "revoke_form": revoke_form or RevokeForm(),
    }
    return render(request, "certificates/detail.html", context, status=400 if revoke_form else 200)


@login_required
def download(request: HttpRequest, pk: int) -> HttpResponse:
    return pdf_response(request, _certificate(request, pk), request.user)


@login_required
@post_action("certificates:detail", "pk")
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate(request, pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.revoke_certificate(
                certificate, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("Certificate %(number)s is revoked. Issue a new one if the volunteer needs it.")
                % {"number": certificate.number},
            )
            return redirect("certificates:detail", pk=pk)
    return detail(request, pk, revoke_form=form)


# --- an organisation's certificate settings ---------------------------------------------------


def _organization(request: HttpRequest, org: int) -> Organization:
    """The organisation whose settings the user sets (an administrator of it or above)."""
    return get_scoped_or_404(request.user, Organization.objects.all(), permissions.SETTING, pk=org)


@login_required
def settings_page(
    request: HttpRequest,
    org: int,
    details_form: SettingsForm | None = None,
    seal_form: SealForm | None = None,
) -> HttpResponse:
    organization = _organization(request, org)
    profile = selectors.profile_of(organization)
    context = {
        "nav": NAV,
        "organization": organization,
        "profile": profile,
        "details_form": details_form
        or SettingsForm(initial={"handler": profile.handler, "contact": profile.contact}),
        "seal_form": seal_form or SealForm(),
    }
    bound = details_form is not None or seal_form is not None
    return render(request, "certificates/settings.html", context, status=400 if bound else 200)


@login_required
@post_action("certificates:settings", "org")
def settings_details(request: HttpRequest, org: int) -> HttpResponse:
    organization = _organization(request, org)
    form = SettingsForm(request.POST)
    if form.is_valid():
        try:
            services.set_issuer_details(
                organization,
                actor=request.user,
                handler=form.cleaned_data["handler"],
                contact=form.cleaned_data["contact"],
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("certificates:settings", org=org)
    return settings_page(request, org, details_form=form)


@login_required
@post_action("certificates:settings", "org")
def settings_seal(request: HttpRequest, org: int) -> HttpResponse:
    organization = _organization(request, org)
    form = SealForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.set_seal(organization, form.cleaned_data["seal"], actor=request.user)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The seal is saved; it is printed on new downloads."))
            return redirect("certificates:settings", org=org)
    return settings_page(request, org, seal_form=form)


@login_required
@post_action("certificates:settings", "org")
def settings_seal_remove(request: HttpRequest, org: int) -> HttpResponse:
    services.remove_seal(_organization(request, org), actor=request.user)
    messages.success(request, _("The seal is removed; certificates print an empty box for it."))
    return redirect("certificates:settings", org=org)


@login_required
def seal_image(request: HttpRequest, org: int) -> HttpResponse:
    """The seal's image for its own administrators' settings page (never public)."""
    profile = selectors.profile_of(_organization(request, org))
    if not profile.seal:
        raise Http404
    with profile.seal.open("rb") as file:
        return HttpResponse(file.read(), content_type=profile.seal_type or "image/png")
