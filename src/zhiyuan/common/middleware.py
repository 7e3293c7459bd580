from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

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


class NoStoreMiddleware:
    """Every page, file and API answer (static files are served before this) is marked
    `Cache-Control: no-store` unless its view chose otherwise: most hold personal data, and a
    shared computer's browser cache or a proxy must keep none of it (个人信息保护法 第五十一条)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        elif "no-store" not in response["Cache-Control"]:
            patch_cache_control(response, no_store=True, private=True)
        return response
