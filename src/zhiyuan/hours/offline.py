"""The rosters' service worker (issue 12, item 3: the leader's roster keeps working offline).

A service worker controls only the pages under the folder its script is served from, so the
script, the project's own static file `static/zhiyuan/hours-sw.js`, is served at /hours/sw.js:
its scope is /hours/, which holds the slots' rosters and nothing of the rest of the site. It
keeps copies of the rosters and their static files, and queues the leader's check-ins and
check-outs made offline, sending them to the check-in API with their idempotency keys when the
network returns (`hours-roster.js` on the page hands them over).
"""

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

SCRIPT = "zhiyuan/hours-sw.js"


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker's script. Public (a browser checks it for updates in the background, and it
    holds nothing personal); never cached, so a new version is picked up at the next visit."""
    found = finders.find(SCRIPT)
    if not found:
        raise Http404
    with open(found, "rb") as script:
        response = HttpResponse(script.read(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    return response
