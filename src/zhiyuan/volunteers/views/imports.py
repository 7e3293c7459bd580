"""Roster import pages, mounted at /volunteers/imports/: the imports in the user's scope, the
upload (registration point, file, the consent affirmation), an import's page (progress while
the check or the import runs, then the report and the choice how to import), and the
downloads (the template, the uploaded file and its error report).

Access: pages read through the access layer's scope (`selectors.roster_imports`; out of
scope: 404). Uploading and importing need a registering role for the registration point
(`permissions.may_register_through`, else 403); the uploaded file and the error report hold
personal data, so only the uploader and the body's administrators download them (else 403),
and each download is audited. The services, shared with the API: `upload.upload_roster`,
`commit.commit_roster` (the import, as a task) and `downloads.download_roster_file`.
"""

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRefresh
from django_tasks.exceptions import TaskException

from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.volunteers import permissions, selectors
from zhiyuan.volunteers.enums import ImportMode, ImportStatus
from zhiyuan.volunteers.forms import ReasonForm
from zhiyuan.volunteers.imports import files, tasks, workbooks
from zhiyuan.volunteers.imports.commit import WAITING, commit_roster
from zhiyuan.volunteers.imports.downloads import Download, RosterFile, download_roster_file
from zhiyuan.volunteers.imports.messages import failure, shown
from zhiyuan.volunteers.imports.upload import MAX_FILE_BYTES, upload_roster
from zhiyuan.volunteers.imports.write import COMMITTABLE
from zhiyuan.volunteers.models import RosterImport

PAGE_SIZE = 50
PROBLEMS_SHOWN = 500
# Statuses during which a page polls: the check or the import is waiting or running.
RUNNING = (ImportStatus.UPLOADED, ImportStatus.CHECKING, ImportStatus.IMPORTING)
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


def _roster_import(request: HttpRequest, pk: int) -> RosterImport:
    return get_scoped_or_404(request.user, selectors.roster_imports(request.user), pk=pk)


def _download(download: Download) -> HttpResponse:
    """An xlsx or csv download (RFC 6266 filename*, so Chinese names survive), never kept in
    a cache: such files hold personal data."""
    response = HttpResponse(download.content, content_type=download.content_type)
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=True, filename=download.name)
    )
    response["Cache-Control"] = "no-store"
    return response


# --- pages -----------------------------------------------------------------------------------


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    """The roster imports in the user's scope, newest first."""
    imports = selectors.roster_imports(request.user).defer("problems")
    page = Paginator(imports, PAGE_SIZE).get_page(request.GET.get("page"))
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
    imports = selectors.roster_imports(request.user).defer("problems")
    roster_import = get_scoped_or_404(request.user, imports, pk=pk)
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
        "problems": [shown(problem) for problem in problems[:PROBLEMS_SHOWN]],
        "failure": failure(roster_import.error_text, roster_import.error),
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
@post_action("volunteers:import", "pk")
def commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a checked roster, by the explicit choice of mode; the import runs as a task and
    the page shows its progress."""
    roster_import = _roster_import(request, pk)
    try:
        result = commit_roster(
            roster_import,
            actor=request.user,
            mode=request.POST.get("mode", ""),
            already_queued=_queued(request, roster_import),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if result is not None and result.status in WAITING:
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
    return result.status in WAITING


# --- downloads -------------------------------------------------------------------------------


@login_required
def template_xlsx(request: HttpRequest) -> HttpResponse:
    """The empty import template (ID and phone columns as text, drop-down lists, the places of
    the user's districts)."""
    template = workbooks.template_xlsx(request.user)
    return _download(Download(template, files.TEMPLATE_NAME, files.XLSX))


def _roster_file(request: HttpRequest, pk: int, what: RosterFile) -> HttpResponse:
    """The page asking why (the file holds every row's full ID number and phone), then, on
    its POST, the download; or back to the import's page saying why not (purged, or the file
    cannot be read); 403 for those who may not download it."""
    roster_import = _roster_import(request, pk)
    if not permissions.may_see_import_files(request.user, roster_import):
        raise PermissionDenied
    form = ReasonForm(request.POST or None)
    try:
        if roster_import.purged_at is not None:
            raise files.purged_error()
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            download = download_roster_file(
                roster_import, actor=request.user, what=what, reason=reason
            )
            return _download(download)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                messages.error(request, message)
            return redirect("volunteers:import", pk=roster_import.pk)
        add_validation_errors(form, error)
    context = {"nav": "ledger", "form": form, "purpose": f"roster-{what}"}
    status = 400 if form.errors else 200
    return render(request, "volunteers/bodies/reason.html", context, status=status)


@login_required
def uploaded_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The uploaded file as it came (uploader and the body's administrators, with a reason;
    audited)."""
    return _roster_file(request, pk, "file")


@login_required
def error_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The error report: every row with its problems beside it (xlsx; uploader and the body's
    administrators, with a reason; audited)."""
    return _roster_file(request, pk, "error_report")
