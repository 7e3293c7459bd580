"""The one decorator of POST-only action views (a form's `action`): a GET or HEAD of the URL
(a reload, a bookmark, the way back from the SMS app, a link shared by mistake) shows the page
that holds the form instead of a bare 405; the action itself runs only on a POST."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.translation import gettext as _

View = Callable[..., HttpResponse]


def post_action(page: str, *keep: str) -> Callable[[View], View]:
    """Run the view on POST only; redirect a GET or HEAD to the URL named `page`, given the
    view's URL arguments named in `keep` (e.g. `post_action("volunteers:detail", "pk")`).
    Other methods answer 405 with a line of text."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                return view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD"):
                return redirect(page, **{name: kwargs[name] for name in keep})
            return HttpResponseNotAllowed(
                ["GET", "HEAD", "POST"],
                _("This address takes a form; open the page that holds it."),
                content_type="text/plain; charset=utf-8",
            )

        return wrapper

    return decorate
