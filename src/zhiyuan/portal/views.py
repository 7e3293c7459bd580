"""Public pages for volunteers, for phones and WeChat's browser, with no account:

- /join/ self-registration: choose where to register (or arrive from a QR code with
  `?point=<body id>:<organisation id>`), fill in Attachment 4, read the privacy notice and give
  the separate consent to processing the ID number (个人信息保护法 第二十九条);
- /join/confirm/ the 6-digit code texted to the person's own mobile (志愿服务条例 第三条: the
  person confirms their own registration), /join/confirm/<token>/ the link in that SMS;
- /me/ log-in by mobile number and a one-time SMS code, then "my registration": number, status,
  body, teams; join or leave a team, ask for a correction or a cancellation.

The registration waiting for its code is remembered in the session by id; a logged-in
volunteer by the keyed digest of their mobile number, with an idle time-out (`session`).
Nothing personal stands in a URL, and pages show ID numbers and phones masked. Actions are
POST with CSRF.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

from zhiyuan.common import generations
from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.masking import mask_document, mask_name, mask_phone
from zhiyuan.common.params import parse_id
from zhiyuan.common.phones import normalize_mobile
from zhiyuan.organizations.models import Organization
from zhiyuan.portal import session
from zhiyuan.portal.forms import (
    CodeForm,
    JoinTeamForm,
    LoginCodeForm,
    MobileCodeForm,
    MobileForm,
    SelfRegistrationForm,
    VolunteerRequestForm,
)
from zhiyuan.volunteers import mobile_login, selectors, services
from zhiyuan.volunteers.enums import (
    RegistrationChannel,
    RegistrationStatus,
    RequestKind,
    RequestStatus,
)
from zhiyuan.volunteers.models import (
    Membership,
    Volunteer,
    VolunteerRequest,
)
from zhiyuan.volunteers.selectors import PublicPoints, RegistrationPoint
from zhiyuan.volunteers.throttles import (
    CodeAttemptThrottle,
    LoginCodeThrottle,
    RegistrationThrottle,
)

_PENDING = "volunteers.join.pending"
_DONE = "volunteers.join.done"


def _allowed(throttle: SimpleRateThrottle, request: HttpRequest) -> bool:
    # DRF's throttle only reads the cache key (ours) and the clock: a Django request does.
    return throttle.allow_request(request, None)  # type: ignore[arg-type]


def _attempt_allowed(request: HttpRequest, form: Any) -> bool:
    """Whether this address may try another code (CodeAttemptThrottle); if not, says so."""
    if _allowed(CodeAttemptThrottle(), request):
        return True
    form.add_error(None, _("Too many codes were tried from your network. Try again in an hour."))
    return False


def _text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


# --- the site's root ----------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """The public landing page: what the platform is, and the ways in for residents (register,
    my registration) with the office log-in one click away. Office users who are logged in
    go on to their work, the dashboard of their area (the nav bar reaches the rest from
    there)."""
    if request.user.is_authenticated:
        return redirect("reports:dashboard")
    return render(request, "portal/home.html")


# --- where to register ---------------------------------------------------------------------


def _choose(
    request: HttpRequest, snapshot: generations.Snapshot[PublicPoints], *, unknown: bool
) -> HttpResponse:
    """The page that asks where to register. Its options, grouped by district, are rendered
    once per language for each snapshot of the public points and shared by every visitor:
    nothing of a request goes in them (the form around them is a GET; the page's CSRF tokens
    are each visitor's)."""
    groups = snapshot.value.by_district
    options = snapshot.derived(
        ("join-options", get_language()),
        lambda: render_to_string("portal/_join_options.html", {"groups": groups}),
    )
    context = {"options": options, "unknown_point": unknown}
    return render(request, "portal/join_choose.html", context)


# --- self-registration ---------------------------------------------------------------------


def join(request: HttpRequest) -> HttpResponse:
    """Self-registration. Without a valid `point` the page asks where to register; with one it
    shows the registration form (Attachment 4), the privacy notice and the consent box.
    A registration written, the code is texted and the confirmation page asks for it.

    A visit (GET) reads the points as this process keeps them (`selectors.public_points`:
    one query while nothing changed); a registration (POST) reads its point from the
    database, and the service checks it again."""
    if request.method != "POST":
        return _visit(request)
    key = str(request.POST.get("point", ""))[:40]
    point = selectors.public_registration_point(key) if key else None
    if point is None:
        return _choose(request, selectors.public_points(), unknown=bool(key))
    form = _join_form(point, request.POST or None)
    status = 200
    if form.is_valid():
        if not _allowed(RegistrationThrottle(), request):
            form.add_error(
                None, _("Too many registrations from your network. Try again in an hour.")
            )
            status = 429
        else:
            registered = _register(form, point)
            if registered is not None:
                return _registered(request, registered)
    return render(request, "portal/join.html", _form_context(form, point), status=status)


def _visit(request: HttpRequest) -> HttpResponse:
    """The page a visitor (or a QR code) opens. The empty form of a point is rendered once per
    language for each snapshot of the public points and shared by every visitor; the page
    around it (its CSRF token, messages) is each visitor's."""
    key = str(request.GET.get("point", ""))[:40]
    snapshot = selectors.public_points()
    point = snapshot.value.find(key) if key else None
    if point is None:
        return _choose(request, snapshot, unknown=bool(key))
    form_html = snapshot.derived(
        ("join-form", point.key, get_language()),
        lambda: render_to_string("portal/_join_form.html", _form_context(_join_form(point), point)),
    )
    return render(request, "portal/join.html", {"point": point, "form_html": form_html})


def _join_form(point: RegistrationPoint, data: Any = None) -> SelfRegistrationForm:
    return SelfRegistrationForm(
        data,
        division_area=selectors.home_division_area(point.organization),
        initial={"point": point.key},
    )


def _form_context(form: SelfRegistrationForm, point: RegistrationPoint) -> dict[str, Any]:
    policy = selectors.policy_for(point.organization)
    return {
        "form": form,
        "point": point,
        "notice_version": policy.privacy_notice_version,
        "minimum_age": policy.minimum_age,
        "adult_age": policy.adult_age,
    }


def _register(form: SelfRegistrationForm, point: RegistrationPoint) -> Any:
    try:
        return services.register_volunteer(
            form.person_data(),
            body=point.body,
            organization=point.organization,
            actor=None,
            channel=RegistrationChannel.SELF,
            consent=bool(form.cleaned_data.get("consent")),
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            add_validation_errors(form, exc)
            return None
        errors = dict(exc.error_dict)
        if errors.pop("consent", None) is not None:
            # Worded for the person (the service's message speaks to a registrar).
            form.add_error(
                "consent",
                _("Tick the box to give your consent: without it you cannot be registered."),
            )
        if errors:
            add_validation_errors(form, ValidationError(errors))
        return None


def _registered(request: HttpRequest, registered: services.Registered) -> HttpResponse:
    request.session[_PENDING] = registered.volunteer.pk
    for warning in registered.warnings:
        messages.warning(request, warning)
    return redirect("public:join-confirm")


def _pending(request: HttpRequest) -> Volunteer | None:
    """The application this browser registered, while it awaits its code."""
    volunteer_id = request.session.get(_PENDING)
    if not isinstance(volunteer_id, int):
        return None
    return Volunteer.objects.filter(pk=volunteer_id).select_related("body__organization").first()


def join_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: the 6-digit code. With the application in the session only the code is asked
    for; otherwise (another browser, a lost session) the mobile number and the code."""
    volunteer = _pending(request)
    if volunteer is not None and volunteer.status == RegistrationStatus.ACTIVE:
        return _confirmed(request, volunteer)
    if volunteer is not None and volunteer.status != RegistrationStatus.APPLIED:
        # Closed (the person was confirmed elsewhere first) or withdrawn meanwhile.
        request.session.pop(_PENDING, None)
        messages.warning(
            request,
            _("This application can no longer be confirmed (status: %(status)s).")
            % {"status": volunteer.get_status_display()},
        )
        return redirect("public:me")
    form: CodeForm = (
        CodeForm(request.POST or None) if volunteer else MobileCodeForm(request.POST or None)
    )
    if request.method == "POST" and form.is_valid() and _attempt_allowed(request, form):
        code = form.cleaned_data["code"].strip()
        try:
            if volunteer is not None:
                confirmed = services.confirm_with_code(volunteer, code)
            else:
                confirmed = services.confirm_by_mobile_and_code(form.cleaned_data["mobile"], code)
        except ValidationError as exc:
            _show_confirmation_error(form, exc)
        else:
            return _confirmed(request, confirmed)
    context = {
        "form": form,
        "volunteer": volunteer,
        "masked_mobile": mask_phone(volunteer.mobile) if volunteer else "",
    }
    return render(request, "portal/confirm.html", context)


def _show_confirmation_error(form: CodeForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):  # one person, one registration: names the body only
        add_validation_errors(form, exc)
    elif exc.code == "invalid_mobile" and "mobile" in form.fields:
        form.add_error("mobile", exc)
    elif exc.code in {"invalid_code", "too_many_attempts"}:
        form.add_error("code", exc)
    else:
        form.add_error(None, exc)


def _confirmed(request: HttpRequest, volunteer: Volunteer) -> HttpResponse:
    request.session.pop(_PENDING, None)
    request.session[_DONE] = volunteer.pk
    return redirect("public:join-done")


@post_action("public:join-confirm")
def join_resend(request: HttpRequest) -> HttpResponse:
    """Text the code (and link) of the application in the session again; the rate limits of
    one-time codes show as messages."""
    volunteer = _pending(request)
    if volunteer is None or volunteer.status != RegistrationStatus.APPLIED:
        messages.error(
            request,
            _("This browser holds no registration awaiting a code. Enter your mobile and code."),
        )
        return redirect("public:join-confirm")
    try:
        services.send_confirmation_request(volunteer)
    except ValidationError as exc:
        messages.error(request, _text(exc))
    else:
        messages.success(
            request,
            _("A new code was sent to %(mobile)s.") % {"mobile": mask_phone(volunteer.mobile)},
        )
    return redirect("public:join-confirm")


def join_done(request: HttpRequest) -> HttpResponse:
    """The registration number, once confirmed (only in the browser that confirmed it)."""
    volunteer_id = request.session.get(_DONE)
    volunteer = (
        Volunteer.objects.filter(pk=volunteer_id, status=RegistrationStatus.ACTIVE)
        .select_related("body__organization")
        .first()
        if isinstance(volunteer_id, int)
        else None
    )
    if volunteer is None:
        return redirect("public:join")
    context = {"volunteer": volunteer, "masked_name": mask_name(volunteer.name)}
    return render(request, "portal/done.html", context)


def join_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation SMS: shows the body and the masked name, and confirms
    when the person presses the button (a POST: link previewers that fetch the page confirm
    nothing)."""
    try:
        volunteer = services.read_confirmation_link(token)
    except ValidationError as exc:
        invalid = {"error": _text(exc)}
        return render(request, "portal/link.html", invalid, status=400)
    error = ""
    if request.method == "POST":
        try:
            confirmed = services.confirm_with_link(token)
        except ValidationError as exc:
            error = _text(exc)
        else:
            return _confirmed(request, confirmed)
    context = {
        "volunteer": volunteer,
        "masked_name": mask_name(volunteer.name),
        "awaiting": volunteer.status == RegistrationStatus.APPLIED,
        "error": error,
    }
    return render(request, "portal/link.html", context, status=400 if error else 200)


# --- log-in by mobile number and SMS code --------------------------------------------------


def me(request: HttpRequest) -> HttpResponse:
    """ "My registration" for a logged-in volunteer; else the log-in form."""
    digest = session.mobile_digest_of(request)
    if digest is None:
        return render(request, "portal/me_login.html", {"form": MobileForm()})
    return _dashboard(request, digest)


@post_action("public:me")
def me_login(request: HttpRequest) -> HttpResponse:
    """Log-in step 1: text a code to the mobile number. The answer is the same whether or not
    a registration uses the number: the code is recorded either way and sent only when one
    does (so the page tells nobody who is registered)."""
    form = MobileForm(request.POST)
    if form.is_valid():
        if not _allowed(LoginCodeThrottle(), request):
            form.add_error(
                None, _("Too many codes were asked for from your network. Try again in an hour.")
            )
            return render(request, "portal/me_login.html", {"form": form}, status=429)
        try:
            mobile = normalize_mobile(form.cleaned_data["mobile"])
            ticket = mobile_login.send_code(mobile)
        except ValidationError as exc:
            form.add_error("mobile", exc)
        else:
            return _code_step(request, LoginCodeForm(initial={"ticket": ticket}), mobile)
    return render(request, "portal/me_login.html", {"form": form})


def _code_step(request: HttpRequest, form: LoginCodeForm, mobile: str) -> HttpResponse:
    context = {"form": form, "masked_mobile": mask_phone(mobile)}
    return render(request, "portal/me_code.html", context)


@post_action("public:me")
def me_code(request: HttpRequest) -> HttpResponse:
    """Log-in step 2: the code. A right code (once) logs the session in for that number."""
    form = LoginCodeForm(request.POST)
    mobile = mobile_login.ticket_mobile(str(request.POST.get("ticket", "")))
    if mobile is None:
        messages.error(request, _("Please ask for a code again."))
        return redirect("public:me")
    if form.is_valid() and _attempt_allowed(request, form):
        try:
            session.log_in(request, mobile, form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            return redirect(session.page_after_login(request))
    return _code_step(request, form, mobile)


@post_action("public:me")
def me_logout(request: HttpRequest) -> HttpResponse:
    session.log_out(request)
    messages.success(request, _("You are logged out."))
    return redirect("public:me")


# --- my registration -----------------------------------------------------------------------


def _my_registrations(digest: str) -> QuerySet[Volunteer]:
    memberships = Membership.objects.select_related("team").order_by("-applied_at", "-pk")
    open_requests = VolunteerRequest.objects.filter(status=RequestStatus.OPEN)
    return (
        Volunteer.objects.filter(mobile_digest=digest)
        .select_related("body__organization", "organization")
        .prefetch_related(
            Prefetch("memberships", queryset=memberships),
            Prefetch("requests", queryset=open_requests, to_attr="open_requests"),
        )
        .order_by("-applied_at", "-pk")
    )


def _dashboard(
    request: HttpRequest, digest: str, bound: dict[tuple[int, str], Any] | None = None
) -> HttpResponse:
    """The volunteer's registrations, with the forms of their actions (`bound` replaces the
    form of (volunteer id, action) by one with errors; the page then answers 400)."""
    team_q = str(request.GET.get("team_q", "")).strip()[:50]
    cards = [_card(volunteer, bound or {}, team_q) for volunteer in _my_registrations(digest)]
    status = 400 if bound else 200
    return render(request, "portal/me.html", {"cards": cards, "team_q": team_q}, status=status)


def _card(volunteer: Volunteer, bound: dict[tuple[int, str], Any], team_q: str) -> dict[str, Any]:
    status = volunteer.status
    open_kinds = {request.kind for request in volunteer.open_requests}  # type: ignore[attr-defined]
    may_cancel = status in (
        RegistrationStatus.APPLIED,
        RegistrationStatus.ACTIVE,
        RegistrationStatus.SUSPENDED,
    )
    join_form = bound.get((volunteer.pk, "join"))
    if join_form is None and status == RegistrationStatus.ACTIVE:
        join_form = JoinTeamForm(
            initial={"volunteer": volunteer.pk},
            teams=selectors.team_choices(volunteer, search=team_q),
            auto_id=f"id_join{volunteer.pk}_%s",
        )
    return {
        "volunteer": volunteer,
        "masked_document": mask_document(volunteer.document_number),
        "masked_mobile": mask_phone(volunteer.mobile),
        "memberships": list(volunteer.memberships.all()),
        "open_requests": volunteer.open_requests,  # type: ignore[attr-defined]
        "join_form": join_form,
        "correction_form": _request_form(
            bound, volunteer, RequestKind.CORRECTION, show=RequestKind.CORRECTION not in open_kinds
        ),
        "cancellation_form": _request_form(
            bound,
            volunteer,
            RequestKind.CANCELLATION,
            show=may_cancel and RequestKind.CANCELLATION not in open_kinds,
        ),
    }


def _request_form(
    bound: dict[tuple[int, str], Any], volunteer: Volunteer, kind: str, *, show: bool
) -> VolunteerRequestForm | None:
    if (volunteer.pk, kind) in bound:
        return bound[(volunteer.pk, kind)]  # type: ignore[no-any-return]
    if not show:
        return None
    return VolunteerRequestForm(
        initial={"volunteer": volunteer.pk, "kind": kind},
        prefix=kind,
        auto_id=f"id_{kind}{volunteer.pk}_%s",
    )


def _my_volunteer(digest: str, raw_id: Any) -> Volunteer:
    """One of the logged-in volunteer's registrations; 404 for anyone else's."""
    volunteer_id = parse_id(raw_id)
    if volunteer_id is None:
        raise Http404
    volunteer = _my_registrations(digest).filter(pk=volunteer_id).first()
    if volunteer is None:
        raise Http404
    return volunteer


def _logged_out(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("Your log-in has expired. Log in again."))
    return redirect("public:me")


@post_action("public:me")
def me_join_team(request: HttpRequest) -> HttpResponse:
    """Apply to join a team or station; its leader approves (services.apply_for_team)."""
    digest = session.mobile_digest_of(request)
    if digest is None:
        return _logged_out(request)
    volunteer = _my_volunteer(digest, request.POST.get("volunteer"))
    form = JoinTeamForm(
        request.POST, teams=selectors.team_choices(volunteer), auto_id=f"id_join{volunteer.pk}_%s"
    )
    if form.is_valid():
        team = Organization.objects.get(pk=form.cleaned_data["team"])
        try:
            services.apply_for_team(volunteer, team)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(
                request,
                _("You applied to join %(team)s. Its leader will decide.") % {"team": team.name},
            )
            return redirect("public:me")
    return _dashboard(request, digest, {(volunteer.pk, "join"): form})


@post_action("public:me")
def me_leave_team(request: HttpRequest) -> HttpResponse:
    digest = session.mobile_digest_of(request)
    if digest is None:
        return _logged_out(request)
    membership = _my_membership(digest, request.POST.get("membership"))
    try:
        services.leave_team(membership)
    except ValidationError as exc:
        messages.error(request, _text(exc))
    else:
        messages.success(request, _("You left %(team)s.") % {"team": membership.team.name})
    return redirect("public:me")


def _my_membership(digest: str, raw_id: Any) -> Membership:
    membership_id = parse_id(raw_id)
    if membership_id is None:
        raise Http404
    membership = (
        Membership.objects.filter(pk=membership_id, volunteer__mobile_digest=digest)
        .select_related("team")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


@post_action("public:me")
def me_request(request: HttpRequest) -> HttpResponse:
    """A correction or cancellation request; it reaches the registrars of the registration."""
    digest = session.mobile_digest_of(request)
    if digest is None:
        return _logged_out(request)
    kind = _request_kind(request.POST)
    volunteer = _my_volunteer(digest, request.POST.get(f"{kind}-volunteer"))
    form = VolunteerRequestForm(request.POST, prefix=kind, auto_id=f"id_{kind}{volunteer.pk}_%s")
    if form.is_valid():
        try:
            services.submit_request(
                volunteer, kind=form.cleaned_data["kind"], message=form.cleaned_data["message"]
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your request was sent to the registrars of %(body)s.")
                % {"body": volunteer.body.organization.name},
            )
            return redirect("public:me")
    return _dashboard(request, digest, {(volunteer.pk, kind): form})


def _request_kind(data: Any) -> str:
    for kind in RequestKind.values:
        if f"{kind}-kind" in data:
            return str(kind)
    raise Http404
