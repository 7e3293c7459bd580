""" "My exports": the exports a user asked for, their progress (the page polls it with htmx while
one is being written) and their downloads, for the requester only (`common.exports`)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache

from zhiyuan.common import exports
from zhiyuan.common.enums import ExportStatus

SHOWN = 50
WAITING = (ExportStatus.QUEUED, ExportStatus.RUNNING)


@login_required
@never_cache
def my_exports(request: HttpRequest) -> HttpResponse:
    """The user's exports, newest first; an htmx request gets the list alone (polled every
    2 s while one is queued or being written)."""
    found = list(exports.mine(request.user)[:SHOWN])
    for export in found:
        export.failure = exports.failure_text(export)  # type: ignore[attr-defined]
    context = {
        "exports": found,
        "waiting": any(export.status in WAITING for export in found),
        "link_hours": settings.EXPORT_LINK_HOURS,
    }
    if getattr(request, "htmx", False):
        return render(request, "common/_exports.html", context)
    return render(request, "common/exports.html", context)


@login_required
@never_cache
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The export's file, for the user who asked for it (anyone else: 404); a link that
    expired answers 410 with a page saying so, one not ready yet 409."""
    export = get_object_or_404(exports.mine(request.user), pk=pk)
    try:
        made = exports.download_export(export, actor=request.user)
    except ValidationError as error:
        status = 410 if error.code == "expired" else 409
        context = {"export": export, "message": error.messages[0]}
        return render(request, "common/export_unavailable.html", context, status=status)
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=True, filename=made.name)
    )
    return response
