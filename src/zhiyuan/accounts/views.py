import time

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiyuan.accounts.forms import LoginForm
from zhiyuan.accounts.models import User
from zhiyuan.accounts.selectors import accounts_for
from zhiyuan.common.masking import mask_name

_PENDING = "login_pending"
_PENDING_SECONDS = 300


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return "/"


def login_view(request: HttpRequest) -> HttpResponse:
    """Log in with a mobile number or username and a password.

    When several people share the mobile number and the password fits more than one of
    them, the second step asks which person is logging in (names shown masked).
    """
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        password = form.cleaned_data["password"]
        if not AxesProxyHandler.is_allowed(request, {"username": identifier}):
            return render(request, "accounts/locked_out.html", status=429)
        matching = [u for u in accounts_for(identifier) if u.check_password(password)]
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
        form.add_error(None, _("The mobile number/username or the password is wrong."))
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


@require_POST
def choose_person(request: HttpRequest) -> HttpResponse:
    """Second log-in step for a shared mobile number: the person chosen logs in."""
    pending = request.session.pop(_PENDING, None)
    try:
        user_id = int(request.POST.get("user_id", ""))
    except ValueError:
        user_id = -1
    fresh = pending and time.time() - pending["at"] < _PENDING_SECONDS
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if not fresh or user is None or user_id not in pending["ids"]:
        messages.error(request, _("Please log in again."))
        return redirect("accounts:login")
    login(request, user, backend="zhiyuan.accounts.backends.IdentifierBackend")
    return redirect(_next_url(request))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")
