from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from zhiyuan.common.http import post_action


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@post_action("home")
def toggle_large_text(request: HttpRequest) -> HttpResponse:
    """Switch the large-text mode for older users (kept in a cookie for a year)."""
    response = HttpResponseRedirect(_safe_next(request))
    if getattr(request, "large_text", False):
        response.delete_cookie("large_text")
    else:
        response.set_cookie("large_text", "1", max_age=365 * 24 * 3600, samesite="Lax")
    return response
