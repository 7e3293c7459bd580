"""Roster import pages, mounted at /volunteers/imports/: the imports in the user's scope, the
upload (registration point, file, the consent affirmation), an import's page (progress while
the check or the import runs, then the report and the choice how to import), and the
downloads (the template, the uploaded file and its error report).

Access: pages read through the access layer's scope (out of scope: 404). Uploading and
importing need a registering role for the registration point (`permissions.may_register_through`, else
403); the uploaded file and the error report hold personal data, so only the uploader and the
body's administrators download them (`permissions.may_see_import_files`, else 403), and each download is
audited. The services are `upload.upload_roster` and, in the background,
`tasks.import_roster_task`.
"""

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh
from django_tasks.base import TaskResultStatus
from django_tasks.exceptions import TaskException

from zhiyuan.common.forms import add_validation_errors
from zhiyuan.organizations.access import get_scoped_or_404, scope
from zhiyuan.volunteers import permissions, selectors
from zhiyuan.volunteers.enums import ImportMode, ImportStatus
from zhiyuan.volunteers.imports import files, tasks, workbooks
from zhiyuan.volunteers.imports.upload import MAX_FILE_BYTES, upload_roster
from zhiyuan.volunteers.models import RosterImport

PAGE_SIZE = 50
PROBLEMS_SHOWN = 500
# Statuses during which a page polls: the check or the import is waiting or running.
RUNNING = (ImportStatus.UPLOADED, ImportStatus.CHECKING, ImportStatus.IMPORTING)
COMMITTABLE = (ImportStatus.CHECKED, ImportStatus.REFUSED)
QUEUED_KEY = "roster_imports_queued"  # session: import id -> id of its queued import task


class UploadForm(forms.Form):
    point = forms.ChoiceField(label=gettext_lazy("Registered with / through"))
    file = forms.FileField(
        label=gettext_lazy("Roster file (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        help_text=gettext_lazy(
            "Excel or WPS workbooks (.xlsx) and CSV files (UTF-8 or GBK) are read; the header "
            "row may sit below a title."
        ),
    )
    # The service words the refusal; the form only carries the box.
    consent_affirmed = forms.BooleanField(
        required=False,
        label=gettext_lazy(
            "Everyone on this roster signed the registration form, with its separate consent "
            "to processing their ID number."
        ),
    )

    def __init__(self, *args: Any, points: list[selectors.RegistrationPoint], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.points = {point.key: point for point in points}
        field = cast(forms.ChoiceField, self.fields["point"])
        field.choices = [(point.key, str(point)) for point in points]


def _imports(user: Any) -> QuerySet[RosterImport]:
    """The imports in `user`'s scope, without the stored file (it is large and encrypted)."""
    return scope(
        user,
        RosterImport.objects.select_related(
            "body__organization", "organization", "uploaded_by"
        ).defer("content"),
    )


def _roster_import(request: HttpRequest, pk: int) -> RosterImport:
    return get_scoped_or_404(request.user, _imports(request.user), pk=pk)


def _download(content: bytes, name: str) -> HttpResponse:
    """An xlsx or csv download named `name` (RFC 6266 filename*, so Chinese names survive),
    never kept in a cache: such files hold personal data."""
    response = HttpResponse(content, content_type=files.content_type(name))
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=True, filename=name)
    )
    response["Cache-Control"] = "no-store"
    return response


# --- pages -----------------------------------------------------------------------------------


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    """The roster imports in the user's scope, newest first."""
    page = Paginator(_imports(request.user).defer("problems"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "nav": "ledger",
        "page": page,
        "may_upload": bool(permissions.registration_points(request.user)),
    }
    return render(request, "volunteers/imports/list.html", context)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    """Upload a roster for one of the user's registration points; its check starts at once
    and the import's page follows it."""
    points = permissions.registration_points(request.user)
    if not points:
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, points=points)
    if request.method == "POST" and form.is_valid():
        point = form.points[form.cleaned_data["point"]]
        upload = form.cleaned_data["file"]
        # One byte beyond the limit is enough for the service to refuse an oversized file.
        data = upload.read(MAX_FILE_BYTES + 1)
        try:
            roster_import = upload_roster(
                data,
                filename=upload.name,
                body=point.body,
                organization=point.organization,
                actor=request.user,
                consent_affirmed=form.cleaned_data["consent_affirmed"],
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            return redirect("volunteers:import", pk=roster_import.pk)
    status = 400 if form.errors else 200
    context = {"nav": "ledger", "form": form, "retention_days": settings.ROSTER_RETENTION_DAYS}
    return render(request, "volunteers/imports/new.html", context, status=status)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An import: its progress while it runs, then the report and the choice how to import."""
    roster_import = _roster_import(request, pk)
    context = _detail_context(request, roster_import)
    return render(request, "volunteers/imports/detail.html", context)


@login_required
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment the import's page polls every second. Once nothing runs any
    more, htmx is told to reload the whole page (which then shows the report)."""
    roster_import = get_scoped_or_404(request.user, _imports(request.user).defer("problems"), pk=pk)
    context = _progress_context(request, roster_import)
    if request.headers.get("HX-Request") == "true" and not context["running"]:
        return HttpResponseClientRefresh()
    return render(request, "volunteers/imports/_progress.html", context)


def _progress_context(request: HttpRequest, roster_import: RosterImport) -> dict[str, Any]:
    queued = _queued(request, roster_import)
    total = roster_import.rows_total
    return {
        "ri": roster_import,
        "running": queued or roster_import.status in RUNNING,
        "queued": queued,
        "percent": min(100, roster_import.rows_done * 100 // total) if total else 0,
    }


def _detail_context(request: HttpRequest, roster_import: RosterImport) -> dict[str, Any]:
    context = _progress_context(request, roster_import)
    problems = roster_import.problems
    return {
        **context,
        "nav": "ledger",
        "problems": problems[:PROBLEMS_SHOWN],
        "problem_count": len(problems),
        "problems_capped": len(problems) > PROBLEMS_SHOWN,
        "has_report": roster_import.status in (*COMMITTABLE, ImportStatus.IMPORTED),
        "may_import": permissions.may_register_through(
            request.user, roster_import.body, roster_import.organization
        ),
        "may_see_files": permissions.may_see_import_files(request.user, roster_import),
        "committable": roster_import.status in COMMITTABLE and not context["queued"],
        "retention_days": settings.ROSTER_RETENTION_DAYS,
        "modes": ImportMode,
    }


@login_required
@require_POST
def commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a checked roster, by the explicit choice of mode; the import runs as a task and
    the page shows its progress."""
    roster_import = _roster_import(request, pk)
    if not permissions.may_register_through(
        request.user, roster_import.body, roster_import.organization
    ):
        raise PermissionDenied
    mode = request.POST.get("mode", "")
    if mode not in ImportMode.values:
        messages.error(request, _("Choose how to import."))
    elif roster_import.status not in COMMITTABLE or _queued(request, roster_import):
        messages.error(request, _("Import a roster once its check has finished."))
    else:
        result = tasks.import_roster_task.enqueue(
            roster_import.pk, mode, cast(int, request.user.pk)
        )
        if result.status in (TaskResultStatus.READY, TaskResultStatus.RUNNING):
            queued = request.session.get(QUEUED_KEY, {})
            request.session[QUEUED_KEY] = {**queued, str(roster_import.pk): result.id}
    return redirect("volunteers:import", pk=roster_import.pk)


def _queued(request: HttpRequest, roster_import: RosterImport) -> bool:
    """Whether this user queued an import of `roster_import` that no worker has finished yet
    (until a worker starts it, the import's own status still says checked)."""
    task_id = request.session.get(QUEUED_KEY, {}).get(str(roster_import.pk))
    if task_id is None or roster_import.status not in COMMITTABLE:
        return False
    try:
        result = tasks.import_roster_task.get_result(task_id)
    except (TaskException, NotImplementedError):  # unknown id; a backend without results
        return False
    return result.status in (TaskResultStatus.READY, TaskResultStatus.RUNNING)


# --- downloads -------------------------------------------------------------------------------


@login_required
def template_xlsx(request: HttpRequest) -> HttpResponse:
    """The empty import template (ID and phone columns as text, drop-down lists)."""
    return _download(workbooks.template_xlsx(), files.TEMPLATE_NAME)


def _file_for(request: HttpRequest, pk: int) -> RosterImport:
    roster_import = _roster_import(request, pk)
    if not permissions.may_see_import_files(request.user, roster_import):
        raise PermissionDenied
    return roster_import


def _back_with(request: HttpRequest, roster_import: RosterImport, error: ValidationError) -> Any:
    for message in error.messages:
        messages.error(request, message)
    return redirect("volunteers:import", pk=roster_import.pk)


@login_required
def uploaded_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The uploaded file as it came (uploader and the body's administrators; audited)."""
    roster_import = _file_for(request, pk)
    try:
        content = files.file_bytes(roster_import)
    except ValidationError as error:
        return _back_with(request, roster_import, error)
    files.log_download(request.user, roster_import, "file")
    return _download(content, roster_import.filename)


@login_required
def error_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The error report: every row with its problems beside it (xlsx; uploader and the body's
    administrators; audited)."""
    roster_import = _file_for(request, pk)
    try:
        content = workbooks.error_report_xlsx(roster_import)
    except ValidationError as error:  # purged, or the file cannot be read
        return _back_with(request, roster_import, error)
    files.log_download(request.user, roster_import, "error_report")
    return _download(content, files.report_name(roster_import))
