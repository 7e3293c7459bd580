"""Account pages: log-in, account management inside the administrator's subtree, bulk import,
invitations and password reset by SMS code. Rules live in `services`, reads in `selectors`."""

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

from zhiyuan.accounts import lockout, permissions, selectors, services
from zhiyuan.accounts.forms import (
    AccountEditForm,
    AccountForm,
    GrantRoleForm,
    ImportForm,
    LoginForm,
    NewPasswordForm,
    ResetCodeForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from zhiyuan.accounts.models import User
from zhiyuan.accounts.sheets import COLUMN_LABELS, TEMPLATE_HEADERS, read_account_sheet
from zhiyuan.common import crypto
from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.masking import mask_name, mask_phone
from zhiyuan.common.params import clean_search, parse_id, search_text
from zhiyuan.common.phones import normalize_mobile
from zhiyuan.common.proxies import client_address
from zhiyuan.organizations import selectors as org_selectors
from zhiyuan.organizations.permissions import administers_anything

_PENDING = "login_pending"
_PENDING_SECONDS = 300
_RESET_TICKET = "password_reset_ticket"
_ORG_OPTIONS = 300
_SEARCH_CONTEXT = "accounts.search.mobile"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return "/"


# --- log-in --------------------------------------------------------------------------------


def login_view(request: HttpRequest) -> HttpResponse:
    """Log in with a mobile number or username and a password.

    When several people share the mobile number and the password fits more than one of
    them, the second step asks which person is logging in (names shown masked). Failed
    log-ins are throttled per canonical identifier and address (django-axes) and per account
    (`lockout`), before either step: a locked-out identifier reaches neither the chooser nor a
    session.
    """
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        password = form.cleaned_data["password"]
        if not lockout.login_allowed(request, identifier):
            return render(request, "accounts/locked_out.html", status=429)
        matching = selectors.people_sharing(identifier, password)
        if len(matching) > 1:
            # The password is verified for these people; remember only their ids, briefly.
            request.session[_PENDING] = {"ids": [u.pk for u in matching], "at": time.time()}
            choices = [(u.pk, mask_name(u.name), u.username) for u in matching]
            return render(
                request,
                "accounts/choose_person.html",
                {"choices": choices, "next": _next_url(request)},
            )
        user = authenticate(request, username=identifier, password=password)
        if user is not None:
            login(request, user)
            return redirect(_next_url(request))
        if lockout.account_locked(identifier):  # this failure reached the account's limit
            return render(request, "accounts/locked_out.html", status=429)
        form.add_error(None, _("The mobile number/username or the password is wrong."))
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


@post_action("accounts:login")
def choose_person(request: HttpRequest) -> HttpResponse:
    """Second log-in step for a shared mobile number: the person chosen logs in."""
    pending = request.session.pop(_PENDING, None)
    user_id = parse_id(request.POST.get("user_id")) or -1
    fresh = pending and time.time() - pending["at"] < _PENDING_SECONDS
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if not fresh or user is None or user_id not in pending["ids"]:
        messages.error(request, _("Please log in again."))
        return redirect("accounts:login")
    login(request, user, backend="zhiyuan.accounts.backends.IdentifierBackend")
    return redirect(_next_url(request))


@post_action("home")
def logout_view(request: HttpRequest) -> HttpResponse:
    """Log out, and tell the browser to drop what it kept of the site's pages (the leader's
    roster copies a service worker keeps for offline use name volunteers)."""
    logout(request)
    response = redirect("accounts:login")
    response["Clear-Site-Data"] = '"cache"'
    return response


# --- account management --------------------------------------------------------------------


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _require_admin(request: HttpRequest) -> None:
    if not administers_anything(request.user):
        raise PermissionDenied


def _org_options(actor: Any) -> list[Any]:
    """Organisations offered while typing a code (the higher levels first)."""
    organizations = org_selectors.administered_organizations(actor).order_by("depth", "path")
    return list(organizations.only("code", "name")[:_ORG_OPTIONS])


@login_required
def users(request: HttpRequest) -> HttpResponse:
    """Accounts holding a role in the subtrees the user administers, searchable; for anyone
    else, an explanation of who manages accounts.

    The search box posts, and the page redirects to the results (`_search_params`): a whole
    mobile number travels on as `m`, encrypted, so it never stands in a URL, where server
    logs, browser history and Referer headers would keep it in clear.
    """
    if request.method == "POST":
        params = _search_params(clean_search(request.POST.get("q", "")))
        return redirect(f"{request.path}?{params}" if params else request.path)
    query = search_text(request) or _searched_mobile(request.GET.get("m", ""))
    administers = administers_anything(request.user)
    page = None
    if administers:
        accounts = selectors.search_accounts(request.user, query)
        page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    context = {
        "nav": "users",
        "query": query,
        "search_params": _search_params(query),
        "page": page,
        "administers": administers,
    }
    return render(request, "accounts/users.html", context)


def _search_params(query: str) -> str:
    """The query string of a search: `q=…`, or for a whole mobile number `m=…` encrypted."""
    if not query:
        return ""
    try:
        mobile = normalize_mobile(query)
    except ValidationError:
        return urlencode({"q": query})
    return urlencode({"m": crypto.encrypt(mobile, context=_SEARCH_CONTEXT)})


def _searched_mobile(token: str) -> str:
    """The mobile number in an `m` parameter, or "" when it does not decrypt."""
    if not token:
        return ""
    try:
        return crypto.decrypt(token, context=_SEARCH_CONTEXT)
    except crypto.DecryptionError:
        return ""


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    initial = {"organization": request.GET.get("organization", ""), "send_invitation": True}
    form = AccountForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_account(
                actor=request.user,
                name=data["name"],
                username=data["username"],
                mobile=data["mobile"],
                organization=data["organization"],
                kind=data["kind"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            if not data["send_invitation"]:
                messages.success(request, _("Account created."))
                return redirect("accounts:user-detail", pk=user.pk)
            invitation = services.invite_account(
                user, actor=request.user, site_url=_site_url(request)
            )
            return _invited(request, invitation, created=True)
    context = {"form": form, "nav": "users", "org_options": _org_options(request.user)}
    return render(request, "accounts/user_form.html", context)


def _invited(request: HttpRequest, invitation: services.Invitation, *, created: bool) -> Any:
    days = max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1)
    context = {"invitation": invitation, "account": invitation.user, "created": created}
    context["days"] = days
    return render(request, "accounts/invited.html", {**context, "nav": "users"})


def _detail(request: HttpRequest, account: User, grant_form: GrantRoleForm | None = None) -> Any:
    actor = request.user
    roles = selectors.roles_in_scope(actor, account.roles.all())
    audit = (
        selectors.scope_audit(actor)
        .filter(
            Q(object_type="accounts.user", object_id=str(account.pk))
            | Q(object_type="accounts.role", data__username=account.username)
        )
        .select_related("actor")[:20]
    )
    context = {
        "nav": "users",
        "account": account,
        "masked_mobile": mask_phone(account.mobile),
        "roles": roles.select_related("organization").order_by("organization__path", "kind"),
        "outside_count": selectors.outside_roles(actor, account).count(),
        "is_self": account.pk == actor.pk,
        "grant_form": grant_form or GrantRoleForm(actor=actor),
        "org_options": _org_options(actor),
        "audit": audit,
    }
    return render(request, "accounts/user_detail.html", context)


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.get_manageable_account(request.user, pk))


@login_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.get_manageable_account(request.user, pk)
    try:
        permissions.require_fully_managed(request.user, account)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("accounts:user-detail", pk=account.pk)
    initial = {"name": account.name, "mobile": account.mobile}
    form = AccountEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_account(
                account,
                actor=request.user,
                name=form.cleaned_data["name"],
                mobile=form.cleaned_data["mobile"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Changes saved."))
            return redirect("accounts:user-detail", pk=account.pk)
    context = {"form": form, "account": account, "nav": "users"}
    return render(request, "accounts/user_form.html", context)


@login_required
@post_action("accounts:user-detail", "pk")
def user_invite(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.get_manageable_account(request.user, pk)
    try:
        invitation = services.invite_account(
            account, actor=request.user, site_url=_site_url(request)
        )
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _message(exc))
        return redirect("accounts:user-detail", pk=account.pk)
    return _invited(request, invitation, created=False)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this.")


@login_required
@post_action("accounts:user-detail", "pk")
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.get_manageable_account(request.user, pk)
    active = request.POST.get("active") == "1"
    change = services.reactivate_account if active else services.deactivate_account
    try:
        change(account, actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(
            request, _("Account reactivated.") if active else _("Account deactivated.")
        )
    return redirect("accounts:user-detail", pk=account.pk)


@login_required
@post_action("accounts:user-detail", "pk")
def role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.get_manageable_account(request.user, pk)
    form = GrantRoleForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            services.grant_role(
                account,
                actor=request.user,
                organization=form.cleaned_data["organization"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Role granted."))
            return redirect("accounts:user-detail", pk=account.pk)
    return _detail(request, account, grant_form=form)


@login_required
@post_action("accounts:user-detail", "pk")
def role_revoke(request: HttpRequest, pk: int, role_pk: int) -> HttpResponse:
    account = selectors.get_manageable_account(request.user, pk)
    role = get_object_or_404(
        selectors.roles_in_scope(request.user, account.roles.select_related("organization")),
        pk=role_pk,
    )
    try:
        services.revoke_role(role, actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, _message(exc))
        return redirect("accounts:user-detail", pk=account.pk)
    messages.success(request, _("Role revoked."))
    if selectors.manageable_accounts(request.user).filter(pk=account.pk).exists():
        return redirect("accounts:user-detail", pk=account.pk)
    return redirect("accounts:users")  # no role left in your area: the account is not yours


# --- bulk import ---------------------------------------------------------------------------


@login_required
def user_import(request: HttpRequest) -> HttpResponse:
    """Upload a spreadsheet of accounts: all rows are checked, and accounts are created (and
    invited by SMS) only when every row is right."""
    _require_admin(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    letters: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            sheet = read_account_sheet(upload.read(), filename=upload.name)
            report = services.import_accounts(
                sheet.rows,
                actor=request.user,
                dry_run=form.cleaned_data["dry_run"],
                site_url=_site_url(request),
            )
            letters = sheet.letters
        except ValidationError as exc:
            form.add_error("file", exc)
    problems = [
        (problem, letters.get(problem.column, ""), COLUMN_LABELS.get(problem.column, ""))
        for problem in (report.problems if report else [])
    ]
    context = {
        "nav": "users",
        "form": form,
        "report": report,
        "problems": problems,
        "headers": TEMPLATE_HEADERS,
    }
    return render(request, "accounts/import.html", context, status=400 if problems else 200)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    """An empty CSV with the header row (UTF-8 with BOM, so that Excel shows the Chinese)."""
    response = HttpResponse(
        "\ufeff" + ",".join(TEMPLATE_HEADERS) + "\r\n", content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="accounts-template.csv"'
    return response


# --- invitations and password reset --------------------------------------------------------


def invitation(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Set a password from an invitation link (one-time, expiring)."""
    user = selectors.invited_account(uidb64)
    if user is None or not services.invitation_tokens.check_token(user, token):
        return render(request, "accounts/invitation.html", {"invalid": True}, status=400)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.accept_invitation(user, token, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            add_validation_errors(form, exc, {"password": "password1"})
        else:
            messages.success(
                request, _("Your password is set. Log in with your username or mobile number.")
            )
            return redirect("accounts:login")
    context = {"form": form, "account": user, "invalid": False}
    return render(request, "accounts/invitation.html", context)


class ResetCodeThrottle(SimpleRateThrottle):
    """Codes asked for from one client address (`common.proxies.client_address`): the limits
    per number alone let one client have every account holder texted in turn, at the
    platform's expense."""

    scope = "reset_code"
    rate = "10/hour"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


def password_reset(request: HttpRequest) -> HttpResponse:
    """Step 1: the mobile number. The answer never says whether an account uses it."""
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # DRF's throttle only reads the cache key (ours) and the clock: a Django request does.
        if not ResetCodeThrottle().allow_request(request, None):  # type: ignore[arg-type]
            form.add_error(
                None, _("Too many codes were asked for from your network. Try again in an hour.")
            )
            return render(request, "accounts/password_reset.html", {"form": form}, status=429)
        try:
            services.send_reset_code(form.cleaned_data["mobile"])
        except ValidationError as exc:
            form.add_error("mobile", exc)
        else:
            mobile = normalize_mobile(form.cleaned_data["mobile"])
            return _code_step(request, ResetCodeForm(initial={"mobile": mobile}), mobile)
    return render(request, "accounts/password_reset.html", {"form": form})


def _code_step(request: HttpRequest, form: ResetCodeForm, mobile: str) -> HttpResponse:
    # The number travels in a hidden field, not in the session: it is never stored in clear.
    context = {"form": form, "masked": mask_phone(mobile), "mobile": mobile}
    return render(request, "accounts/password_reset_code.html", context)


@post_action("accounts:password-reset")
def password_reset_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the six-digit code."""
    form = ResetCodeForm(request.POST)
    if form.is_valid():
        try:
            ticket = services.verify_reset_code(
                form.cleaned_data["mobile"], form.cleaned_data["code"]
            )
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            request.session[_RESET_TICKET] = ticket.token
            return redirect("accounts:password-reset-new")
    return _code_step(request, form, request.POST.get("mobile", "")[:30])


def password_reset_new(request: HttpRequest) -> HttpResponse:
    """Step 3: which person (when several share the mobile) and the new password."""
    ticket = request.session.get(_RESET_TICKET, "")
    accounts = selectors.reset_ticket_accounts(ticket)
    if not accounts:
        messages.error(request, _("This password reset has expired. Start again."))
        return redirect("accounts:password-reset")
    choices = [(u.pk, f"{mask_name(u.name)} ({u.username})") for u in accounts]
    form = ResetPasswordForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(
                ticket,
                user_id=form.cleaned_data["user_id"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_ticket":
                request.session.pop(_RESET_TICKET, None)
                messages.error(request, _message(exc))
                return redirect("accounts:password-reset")
            add_validation_errors(form, exc, {"password": "password1"})
        else:
            request.session.pop(_RESET_TICKET, None)
            messages.success(request, _("Your password is changed. Log in with it."))
            return redirect("accounts:login")
    context = {"form": form, "shared": len(accounts) > 1}
    return render(request, "accounts/password_reset_new.html", context)
