from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from zhiyuan.common.audit import origin_scope
from zhiyuan.common.enums import Origin


class AuditOriginMiddleware:
    """Marks audit entries written during a request as coming from the web, the API or admin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            origin = Origin.API
        elif request.path.startswith("/admin/"):
            origin = Origin.ADMIN
        else:
            origin = Origin.WEB
        with origin_scope(origin):
            return self.get_response(request)


class DisplayPreferencesMiddleware:
    """Reads the large-text preference (a cookie, so it also works before log-in)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.large_text = request.COOKIES.get("large_text") == "1"  # type: ignore[attr-defined]
        return self.get_response(request)


class ChineseFirstMiddleware:
    """Web pages are in Simplified Chinese unless the user chose English with the switch.

    Django would otherwise follow the browser's Accept-Language, so a clerk whose browser
    happens to be set to English would get English pages. The API keeps Accept-Language,
    which apps set on purpose. Runs before LocaleMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
