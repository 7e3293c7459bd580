"""The ledger (台账) for registrars and offices: list with search and filters, the detail page
with the full history, the lifecycle actions, confirmation progress, the ledger's xlsx export
and the registration form (Attachment 4) of one volunteer as a PDF. Every page reads
through `selectors.ledger(user)` (the access layer); out-of-scope registrations are 404s."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from zhiyuan.common.audit_labels import action_label
from zhiyuan.common.crypto import DecryptionError
from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.identity import DocumentType, Gender
from zhiyuan.common.masking import mask_document, mask_phone
from zhiyuan.common.params import clean_search, parse_count, parse_id, search_text
from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.organizations import selectors as org_selectors
from zhiyuan.organizations.access import covers, get_scoped_or_404, scope, scope_prefixes
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING
from zhiyuan.volunteers import (
    documents,
    export_requests,
    exports,
    history,
    permissions,
    selectors,
    services,
)
from zhiyuan.volunteers.enums import (
    ActivityCategory,
    AvailableTime,
    CancellationKind,
    PersonalField,
    PoliticalStatus,
    RegistrationChannel,
    RegistrationStatus,
    Skill,
)
from zhiyuan.volunteers.forms import CorrectionForm, ReasonForm, RegistrarRegistrationForm
from zhiyuan.volunteers.models import RegistrationBody, RegistrationPolicy, Volunteer
from zhiyuan.volunteers.views.responses import XLSX, download

PAGE_SIZE = 50


def _date_param(request: HttpRequest, name: str) -> date | None:
    try:
        return date.fromisoformat(request.GET.get(name, "").strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class OrgChoice:
    """The organisation asked for in `org` (a name or a code, typed or picked), resolved in
    the user's scope; the picker's context (organizations/_picker.html)."""

    text: str
    organization: Organization | None
    candidates: list[Organization]

    @property
    def unresolved(self) -> bool:
        return bool(self.text) and self.organization is None

    def picker(self, label: str, *, keep: str = "") -> dict[str, Any]:
        return {
            "name": "org",
            "id": "id_org",
            "label": label,
            "value": self.text,
            "chosen": self.organization,
            "candidates": self.candidates,
            "unmatched": self.unresolved and not self.candidates,
            "keep": keep,
        }


def org_choice(request: HttpRequest) -> OrgChoice:
    text = search_text(request, "org")
    visible = org_selectors.visible_organizations(request.user)
    organization, candidates = org_selectors.resolve_organization(visible, text)
    return OrgChoice(text, organization, candidates)


def ledger_filter(request: HttpRequest, chosen: OrgChoice | None = None) -> selectors.LedgerFilter:
    chosen = chosen or org_choice(request)

    def choice(name: str, enum: Any) -> str:
        value = request.GET.get(name, "")
        return value if value in enum.values else ""

    q = search_text(request)
    if q and selectors.identity_in_search(selectors.ledger(request.user), q):
        q = ""  # never searched, echoed or passed on in links (see `ledger`)
    return selectors.LedgerFilter(
        q=q,
        organization=chosen.organization,
        organization_unresolved=chosen.unresolved,
        status=choice("status", RegistrationStatus),
        political_status=choice("political_status", PoliticalStatus),
        gender=choice("gender", Gender),
        age_band=request.GET.get("age_band", "")
        if request.GET.get("age_band") in selectors.AGE_BANDS
        else "",
        skill=choice("skill", Skill),
        registered_from=_date_param(request, "registered_from"),
        registered_to=_date_param(request, "registered_to"),
    )


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    """The ledger: registrations in the user's subtrees, filtered; a POSTed ID number or mobile
    is looked up by digest (never put in a URL or a log)."""
    queryset = selectors.ledger(request.user)
    chosen = org_choice(request)
    filters = ledger_filter(request, chosen)
    identity = ""
    if request.method == "POST":
        identity = clean_search(request.POST.get("identity", ""))
        queryset = selectors.find_by_identity(queryset, document_number=identity, mobile=identity)
    elif search_text(request) and not filters.q:
        return _identity_in_url(request)
    else:
        queryset = selectors.filter_ledger(queryset, filters)
    page = Paginator(
        queryset.defer(*selectors.LIST_DEFERRED, "document_number", "mobile").order_by(
            "-applied_at", "-pk"
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    params: dict[str, str] = {k: str(v) for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "volunteers/ledger.html",
        {
            "nav": "ledger",
            "page": page,
            "filters": filters,
            "org_picker": chosen.picker(
                _("Organisation (and those below it)"), keep=_kept_params(request, "org")
            ),
            "searched_identity": bool(identity),
            "search_params": urlencode(params),
            "statuses": RegistrationStatus.choices,
            "political_statuses": PoliticalStatus.choices,
            "genders": Gender.choices,
            "skills": Skill.choices,
            "age_bands": list(selectors.AGE_BANDS),
            "today": selectors.local_today(),
            "may_register": bool(permissions.registration_points(request.user)),
            "may_export_full": exports.may_reveal_any(request.user),
        },
    )


def _kept_params(request: HttpRequest, *dropped: str) -> str:
    """The query string without `dropped` and the page: what a link that changes one filter
    keeps of the others."""
    kept = {k: str(v) for k, v in request.GET.items() if k not in {*dropped, "page"} and v}
    return urlencode(kept)


def _identity_in_url(request: HttpRequest) -> HttpResponse:
    """An ID or mobile number typed into the name search (a GET, so in the URL): the page
    again without it, and a pointer to the box that looks them up by POST."""
    messages.error(
        request,
        _(
            "ID numbers and mobiles are never searched through the address bar: type them "
            "into the box for whole ID numbers or mobiles."
        ),
    )
    kept = {name: str(value) for name, value in request.GET.items() if name not in ("q", "page")}
    return redirect(f"{request.path}?{urlencode(kept)}" if kept else request.path)


def _volunteer(request: HttpRequest, pk: int) -> Volunteer:
    return get_object_or_404(selectors.ledger(request.user), pk=pk)  # ledger() is the scope


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = _volunteer(request, pk)
    return render(request, "volunteers/detail.html", _detail_context(request, volunteer))


def _detail_context(request: HttpRequest, volunteer: Volunteer, **extra: Any) -> dict[str, Any]:
    user = request.user
    registering = permissions.covers_registration(user, volunteer, permissions.REGISTERING)
    revealable = [
        (field, label)
        for field, label in PersonalField.choices
        if getattr(volunteer, field)
        and permissions.covers_registration(user, volunteer, permissions.REVEALING[field])
    ]
    entries = [
        (entry, action_label(entry.action), history.describe(entry.data))
        for entry in selectors.history(volunteer)
    ]
    return {
        "nav": "ledger",
        "v": volunteer,
        "age": selectors.age_on(volunteer.birth_date, selectors.local_today()),
        "masked_document": mask_document(volunteer.document_number),
        "masked_mobile": mask_phone(volunteer.mobile),
        "masked_guardian_mobile": mask_phone(volunteer.guardian_mobile),
        "masked_emergency_phone": mask_phone(volunteer.emergency_contact_phone),
        "document_types": dict(DocumentType.choices),
        "history": entries,
        "skills_text": _labels(Skill, volunteer.skills),
        "intentions_text": _labels(ActivityCategory, volunteer.service_intentions),
        "times_text": _labels(AvailableTime, volunteer.available_times),
        "memberships": volunteer.memberships.select_related("team"),
        "requests": volunteer.requests.all(),
        "registering": registering,
        "revealable": revealable,
        "cancellation_kinds": CancellationKind.choices,
        "transfer_bodies": RegistrationBody.objects.filter(is_active=True)
        .exclude(pk=volunteer.body_id)
        .select_related("organization"),
        "this_year": selectors.local_today().year,
        "reregistration_required": selectors.policy_for(
            volunteer.organization
        ).reregistration_required,
        **extra,
    }


def _labels(enum: Any, values: Any) -> str:
    return "、".join(str(enum(value).label) for value in values if value in enum.values)


def _act(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    """Run one lifecycle action on a scoped registration; errors come back as messages."""
    volunteer = _volunteer(request, pk)
    try:
        action(volunteer)
    except PermissionDenied:
        raise
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("volunteers:detail", pk=volunteer.pk)


@login_required
@post_action("volunteers:detail", "pk")
def confirm_in_person(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        pk,
        lambda v: services.confirm_in_person(v, actor=request.user, reason=reason),
        _("Confirmed in person; the registration number is issued."),
    )


@login_required
@post_action("volunteers:detail", "pk")
def send_confirmation(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda v: services.send_confirmation_request(v, actor=request.user),
        _("The confirmation message is on its way."),
    )


@login_required
@post_action("volunteers:detail", "pk")
def suspend(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        pk,
        lambda v: services.suspend_registration(v, actor=request.user, reason=reason),
        _("Registration suspended."),
    )


@login_required
@post_action("volunteers:detail", "pk")
def reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda v: services.reinstate_registration(v, actor=request.user),
        _("Registration reinstated."),
    )


@login_required
@post_action("volunteers:detail", "pk")
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    kind, reason = request.POST.get("kind", ""), request.POST.get("reason", "")
    return _act(
        request,
        pk,
        lambda v: services.cancel_registration(v, actor=request.user, kind=kind, reason=reason),
        _("Registration cancelled. Its number is never reused."),
    )


@login_required
@post_action("volunteers:detail", "pk")
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        pk,
        lambda v: services.withdraw_application(v, actor=request.user, reason=reason),
        _("Application closed."),
    )


@login_required
@post_action("volunteers:detail", "pk")
def reregister(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda v: services.reregister(v, actor=request.user),
        _("Re-registered for this year."),
    )


@login_required
@post_action("volunteers:detail", "pk")
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    body_id, _sep, org_id = request.POST.get("point", "").partition(":")

    def move(volunteer: Volunteer) -> None:
        body, organization = parse_id(body_id), parse_id(org_id)
        if body is None or organization is None:
            raise ValidationError(_("Choose where the registration goes."))
        point = selectors.transfer_point(body, organization)
        services.transfer_registration(
            volunteer, actor=request.user, body=point.body, organization=point.organization
        )

    return _act(request, pk, move, _("Registration transferred; number and history kept."))


@login_required
@post_action("volunteers:detail", "pk")
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one full value once, on this response only (logged by the service)."""
    volunteer = _volunteer(request, pk)
    field = request.POST.get("field", "")
    try:
        value = services.reveal_personal_data(
            volunteer, field, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("volunteers:detail", pk=volunteer.pk)
    revealed = {"field": field, "label": PersonalField(field).label, "value": value}
    response = render(
        request, "volunteers/detail.html", _detail_context(request, volunteer, revealed=revealed)
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def progress(request: HttpRequest) -> HttpResponse:
    """Confirmation progress per registering organisation and in-person confirmations per
    registrar; the bulk "please confirm" message starts from here (`confirmation_requests`)."""
    queryset = selectors.ledger(request.user)
    chosen = org_choice(request)
    organization = chosen.organization
    if organization is not None:
        queryset = selectors.in_subtree(queryset, organization)
    elif chosen.unresolved:
        queryset = queryset.none()
    code = organization.code if organization else ""
    if request.method == "POST":  # the page's old form: the send now starts with a preview
        target = reverse("volunteers:send-confirmations")
        return redirect(f"{target}?{urlencode({'org': code})}" if code else target)
    rows = selectors.confirmation_progress(queryset)
    return render(
        request,
        "volunteers/progress.html",
        {
            "nav": "ledger",
            "rows": rows,
            "totals": selectors.progress_totals(rows) if len(rows) > 1 else None,
            "in_person": selectors.in_person_confirmations(queryset),
            "org_code": code,
            "org_picker": chosen.picker(_("Organisation (and those below it)")),
            "organization": organization,
            "registering": bool(permissions.registration_points(request.user)),
        },
    )


def _scoped_organization(request: HttpRequest, code: str) -> Organization:
    organization = scope(request.user, Organization.objects.filter(code=code)).first()
    if organization is None:
        raise Http404
    return organization


def _top_registering_org(request: HttpRequest) -> Organization | None:
    points = permissions.registration_points(request.user)
    organizations = sorted({p.organization for p in points}, key=lambda o: o.path)
    return organizations[0] if organizations else None


@login_required
def confirmation_requests(request: HttpRequest) -> HttpResponse:
    """The bulk "please confirm": how many messages would go out and to which units (each
    within its daily limit); the POST sends exactly the number shown (`expected`), or, when
    it changed meanwhile, nothing and the new numbers."""
    code = search_text(request, "org") or str(request.POST.get("org", ""))[:40]
    target = _scoped_organization(request, code) if code else _top_registering_org(request)
    if target is None or not covers(request.user, target, permissions.REGISTERING):
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        expected = parse_count(request.POST.get("expected"))
        try:
            if expected is None:
                raise ValidationError(_("Look at the list, then press the button to send."))
            counts = services.send_confirmation_requests(
                target, actor=request.user, expected=expected
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _(
                    "Messages sent: %(sent)s; skipped (texted too recently): %(skipped)s; held "
                    "back by the daily limit: %(held)s."
                )
                % counts,
            )
            return redirect(f"{reverse('volunteers:progress')}?{urlencode({'org': target.code})}")
    units = selectors.confirmation_request_plan(request.user, target)
    context = {
        "nav": "ledger",
        "organization": target,
        "units": units,
        "to_send": sum(unit.to_send for unit in units),
        "held": sum(unit.held for unit in units),
        "error": error,
    }
    return render(
        request, "volunteers/confirmation_requests.html", context, status=400 if error else 200
    )


class PolicyForm(forms.ModelForm):
    class Meta:
        model = RegistrationPolicy
        fields = list(services.POLICY_FIELDS)


@login_required
def policy(request: HttpRequest) -> HttpResponse:
    """The registration policy (age rules, re-registration, number format, privacy notice
    version) that applies at an organisation; its administrators set it for their subtree."""
    code = search_text(request, "org")
    organizations = scope(request.user, Organization.objects.all()).order_by("path")
    organization = organizations.filter(code=code).first() if code else organizations.first()
    if organization is None:
        raise Http404
    current = selectors.policy_for(organization)
    administers = covers(request.user, organization, ADMINISTERING)
    form = PolicyForm(
        request.POST or None,
        instance=RegistrationPolicy(
            **{name: getattr(current, name) for name in services.POLICY_FIELDS}
        ),
    )
    if not administers:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST":
        if not administers:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.set_policy(organization, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_validation_errors(form, error)
            else:
                messages.success(request, _("Registration policy saved."))
                return redirect(f"{request.path}?{urlencode({'org': organization.code})}")
    inherited_from = current.organization if current.pk else None
    return render(
        request,
        "volunteers/policy.html",
        {
            "nav": "ledger",
            "organization": organization,
            "form": form,
            "administers": administers,
            "inherited_from": inherited_from,
        },
    )


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """A registrar records a person's application (Attachment 4) at one of their registration
    points; the person then confirms it with the code texted to their own mobile."""
    points = permissions.registration_points(request.user)
    if not points:
        raise PermissionDenied
    chosen = request.POST.get("point") or request.GET.get("point") or points[0].key
    point = next((p for p in points if p.key == chosen), points[0])
    form = RegistrarRegistrationForm(
        request.POST or None,
        points=points,
        division_area=selectors.home_division_area(point.organization),
        initial={"point": point.key},
    )
    if request.method == "POST" and form.is_valid():
        try:
            registered = services.register_volunteer(
                form.person_data(),
                body=point.body,
                organization=point.organization,
                actor=request.user,
                channel=RegistrationChannel.REGISTRAR,
                consent=bool(form.cleaned_data.get("consent")),
                send_confirmation=bool(form.cleaned_data.get("send_confirmation")),
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            for warning in registered.warnings:
                messages.warning(request, warning)
            messages.success(
                request,
                _(
                    "Application recorded. It counts once the person confirms it with their own mobile."
                ),
            )
            return redirect("volunteers:detail", pk=registered.volunteer.pk)
    policy = selectors.policy_for(point.organization)
    return render(
        request,
        "volunteers/register.html",
        {
            "nav": "ledger",
            "form": form,
            "point": point,
            "notice_version": policy.privacy_notice_version,
        },
    )


@login_required
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a registration's details (the volunteer asked, or a mistake was found)."""
    volunteer = _volunteer(request, pk)
    if not permissions.covers_registration(request.user, volunteer, permissions.REGISTERING):
        raise PermissionDenied
    form = CorrectionForm(
        request.POST or None,
        volunteer=volunteer,
        division_area=selectors.home_division_area(volunteer.organization),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(volunteer, form.changes(), actor=request.user)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Details corrected."))
            return redirect("volunteers:detail", pk=volunteer.pk)
    return render(
        request, "volunteers/correct.html", {"nav": "ledger", "form": form, "v": volunteer}
    )


@login_required
@post_action("volunteers:detail", "pk")
def upload_photo(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda v: services.set_photo(v, request.FILES.get("photo"), actor=request.user),
        _("Photo saved."),
    )


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """The volunteer's photo, for those who see the registration (never cached)."""
    volunteer = _volunteer(request, pk)
    if not volunteer.photo:
        raise Http404
    try:
        with volunteer.photo.open("rb") as file:
            content = file.read()
    except (OSError, DecryptionError):
        raise Http404 from None
    kind = "image/png" if (volunteer.photo.name or "").endswith(".png") else "image/jpeg"
    response = HttpResponse(content, content_type=kind)
    response["Cache-Control"] = "private, no-store"
    return response


# --- the ledger's export and the registration form (Attachment 4) -------------------------


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
    (exports.ledger_xlsx logs every export).

    A ledger of more than EXPORT_IMMEDIATE_ROWS rows is written in the background: the POST
    (the ledger's button posts `masked=1`; the reason page posts the reason) queues it and
    goes to "my exports", where it is downloaded when ready; a GET of such a ledger shows
    the button that queues it."""
    if scope_prefixes(request.user) == []:
        raise PermissionDenied
    masked = request.method == "POST" and request.POST.get("masked") == "1"
    full = not masked and (request.method == "POST" or request.GET.get("full") == "1")
    form = ReasonForm(request.POST if full and request.method == "POST" else None)
    if full and not (request.method == "POST" and form.is_valid()):
        if not exports.may_reveal_any(request.user):
            raise PermissionDenied
        return _reason_page(request, form, purpose="export")
    reason = form.cleaned_data["reason"] if full else ""
    filters = ledger_filter(request)
    queryset = exports.ordered_ledger(request.user, filters)
    rows = queryset.count()
    try:
        if export_requests.in_background(rows):
            if request.method != "POST":
                context = {"nav": "ledger", "rows": rows}
                return render(request, "volunteers/export_large.html", context)
            export_requests.request_ledger_export(
                request.user, filters, full=full, reason=reason, rows=rows
            )
            messages.success(request, _("The export is being prepared: download it here."))
            return redirect("exports:list")
        content = exports.ledger_xlsx(request.user, queryset, full=full, reason=reason)
    except ValidationError as exc:
        add_validation_errors(form, exc)
        return _reason_page(request, form, purpose="export")
    return download(content, exports.ledger_file_name(timezone.localdate()), XLSX)


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
    return download(content, name, "application/pdf", inline=True)
