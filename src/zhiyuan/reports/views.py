"""Office pages of targets and statistics tables: each table of the registry (`kinds`:
Attachments 3, 5, 6 and 7) as a page and as xlsx, PDF and CSV; a unit's target with its headcount or population history; the city's rates and built-up
area; target sheet imports.

Every page reads through the access layer: the subtree of a table is one the user's roles
cover (else it is not found), a unit's page answers 404 outside the scope, and the services
check the right to change a figure (PermissionDenied: 403).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.params import search_text
from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.organizations import selectors as org_selectors
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.organizations.enums import OrgLevel, UnitCategory
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import administers
from zhiyuan.reports import attachment3, imports, kinds, permissions, selectors, services
from zhiyuan.reports.enums import ImportStatus, ReportFormat, TargetBasis, basis_of
from zhiyuan.reports.forms import HeadcountForm, PolicyForm, PopulationForm, TargetUploadForm
from zhiyuan.reports.models import RATE_FIELDS
from zhiyuan.reports.render import CONTENT_TYPES, file_name, render_file
from zhiyuan.reports.tables import StatisticsTable
from zhiyuan.volunteers.imports.messages import render as render_message


def download(content: bytes, name: str, content_type: str) -> HttpResponse:
    """A file to save, named `name` (RFC 6266: Chinese names survive)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=True, filename=name)
    )
    return response


@dataclass(frozen=True)
class TableRequest:
    """What a table page was asked for: the subtree (typed as a name or code, resolved in the
    user's scope; the top of their scope by default) and the reference date (today by
    default), with what went wrong."""

    text: str
    root: Organization | None
    candidates: list[Organization]
    day: date
    error: str = ""

    def picker(self) -> dict[str, Any]:
        return {
            "name": "org",
            "id": "id_org",
            "label": _("Organisation (and those below it)"),
            "value": self.text,
            "chosen": self.root,
            "candidates": self.candidates,
            "unmatched": bool(self.text) and self.root is None and not self.candidates,
        }


def table_request(request: HttpRequest) -> TableRequest:
    text = search_text(request, "org")
    visible = org_selectors.visible_organizations(request.user)
    if text:
        root, candidates = org_selectors.resolve_organization(visible, text)
    else:
        roots = org_selectors.scope_roots(request.user)
        root, candidates = (roots[0] if roots else None), []
    today = selectors.local_today()
    raw = request.GET.get("date", "").strip()
    if not raw:
        return TableRequest(text, root, candidates, today)
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return TableRequest(text, root, candidates, today, _("Enter the date as YYYY-MM-DD."))
    if day > today:
        return TableRequest(
            text, root, candidates, today, _("The reference date cannot be in the future.")
        )
    return TableRequest(text, root, candidates, day)


def build_table(kind: kinds.TableKind, user: Any, root: Organization, day: date) -> StatisticsTable:
    """The table of `kind` for `root`'s subtree on `day`, prepared by `user`."""
    return kind.build(root, day, preparer=getattr(user, "name", "") or "")


def _kind(key: str) -> kinds.TableKind:
    found = kinds.get_kind(key)
    if found is None:
        raise Http404
    return found


# --- the index and the tables ----------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The statistics tables and the targets' tools the user may open."""
    cities = [org for org in org_selectors.scope_roots(request.user) if org.level == OrgLevel.CITY]
    context = {
        "nav": "reports",
        "cities": cities,
        "may_import": bool(permissions.administered_roots(request.user)),
    }
    return render(request, "reports/index.html", context)


@login_required
def table_page(request: HttpRequest, key: str) -> HttpResponse:
    """A statistics table (`key`: "attachment3", "attachment5"…) for a subtree and a reference
    date."""
    return _table_page(request, _kind(key), table_request(request))


def _table_page(
    request: HttpRequest,
    kind: kinds.TableKind,
    asked: TableRequest,
    *,
    status: int = 200,
    pdf_error: str = "",
) -> HttpResponse:
    table = None
    if asked.root is not None and not asked.error:
        table = build_table(kind, request.user, asked.root, asked.day)
    query = urlencode({"org": asked.root.code if asked.root else "", "date": asked.day.isoformat()})
    context = {
        "nav": "reports",
        "kind": kind,
        "file_url": f"{kind.url_name}-file",
        "asked": asked,
        "org_picker": asked.picker(),
        "table": table,
        "query": query,
        "formats": ReportFormat,
        "pdf_error": pdf_error,
    }
    if asked.error and status == 200:
        status = 400
    return render(request, "reports/table.html", context, status=status)


@login_required
def table_file(request: HttpRequest, key: str, kind: str) -> HttpResponse:
    """A statistics table as xlsx, PDF or CSV: the same rows as the page."""
    table_kind = _kind(key)
    if kind not in ReportFormat.values:
        raise Http404
    asked = table_request(request)
    if asked.root is None or asked.error:
        return _table_page(request, table_kind, asked, status=400)
    table = build_table(table_kind, request.user, asked.root, asked.day)
    try:
        content = render_file(table, kind)
    except FontUnavailable as exc:
        return _table_page(request, table_kind, asked, status=503, pdf_error=str(exc))
    return download(content, file_name(table, kind), CONTENT_TYPES[ReportFormat(kind)])


# --- a unit's target -------------------------------------------------------------------------


def _unit_context(request: HttpRequest, unit: Organization) -> dict[str, Any]:
    today = selectors.local_today()
    category = selectors.target_category(unit)
    figures: dict[str, str] = {}
    if category:
        result = attachment3.allocation(unit, today)
        line = next((x for x in result.lines() if x.organization.pk == unit.pk), None)
        if line is not None:  # an inactive unit has no row
            cells = attachment3.line_row(line, 0).cells
            figures = {
                c.key: cell.text for c, cell in zip(attachment3.columns(), cells, strict=True)
            }
    divisions = list(unit.jurisdiction.order_by("code"))
    may_edit = administers(request.user, unit)
    return {
        "nav": "reports",
        "unit": unit,
        "name": selectors.short_name(unit),
        "category": category,
        "basis": basis_of(category) if category else "",
        "bases": TargetBasis,
        "figures": figures,
        "headcounts": selectors.headcount_history(unit)[:50],
        "populations": selectors.population_history([d.code for d in divisions])[:100],
        "divisions": divisions,
        "may_edit": may_edit,
        "may_population": any(permissions.may_set_population(request.user, d) for d in divisions),
    }


@login_required
def unit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's target: its category and rate, the headcount (or its divisions' population) in
    force today with the history, its target and counted volunteers; forms for its
    administrators."""
    unit = get_scoped_or_404(request.user, Organization.objects.all(), pk=pk)
    context = _unit_context(request, unit)
    today = selectors.local_today().isoformat()
    context["headcount_form"] = HeadcountForm(initial={"valid_from": today})
    context["population_form"] = PopulationForm(
        divisions=context["divisions"], initial={"valid_from": today}
    )
    return render(request, "reports/unit.html", context)


def _show_recorded(request: HttpRequest, recorded: services.Recorded) -> None:
    messages.success(request, _("Figure recorded."))
    for warning in recorded.warnings:
        messages.warning(request, warning)


@login_required
@post_action("reports:unit", "pk")
def record_headcount(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_scoped_or_404(request.user, Organization.objects.all(), pk=pk)
    form = HeadcountForm(request.POST)
    if form.is_valid():
        try:
            recorded = services.record_headcount(unit, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            _show_recorded(request, recorded)
            return redirect("reports:unit", pk=unit.pk)
    context = _unit_context(request, unit)
    context["headcount_form"] = form
    context["population_form"] = PopulationForm(divisions=context["divisions"])
    return render(request, "reports/unit.html", context, status=400)


@login_required
@post_action("reports:unit", "pk")
def record_population(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_scoped_or_404(request.user, Organization.objects.all(), pk=pk)
    divisions = list(unit.jurisdiction.order_by("code"))
    form = PopulationForm(request.POST, divisions=divisions)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            recorded = services.record_population(data.pop("division"), actor=request.user, **data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            _show_recorded(request, recorded)
            return redirect("reports:unit", pk=unit.pk)
    context = _unit_context(request, unit)
    context["headcount_form"] = HeadcountForm()
    context["population_form"] = form
    return render(request, "reports/unit.html", context, status=400)


# --- the city's policy -----------------------------------------------------------------------


@login_required
def policy(request: HttpRequest, pk: int) -> HttpResponse:
    """The targets in force for an organisation (its own or inherited); a city's
    administrators change them."""
    organization = get_scoped_or_404(request.user, Organization.objects.all(), pk=pk)
    current = selectors.target_policy_for(organization)
    may_edit = permissions.may_set_policy(request.user, organization)
    initial: dict[str, Any] = {name: getattr(current, name) for name in RATE_FIELDS}
    initial["built_up_area"] = " ".join(d.code for d in selectors.built_up_area(current))
    form = PolicyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            data = dict(form.cleaned_data)
            area = data.pop("built_up_area")
            try:
                services.set_target_policy(
                    organization, actor=request.user, rates=data, built_up_area=area
                )
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(request, _("Targets saved."))
                return redirect("reports:policy", pk=organization.pk)
        status = 400
    area = selectors.built_up_area(current)
    populations = selectors.populations_on([d.code for d in area], selectors.local_today())
    context = {
        "nav": "reports",
        "organization": organization,
        "inherited_from": current.organization if current.pk else None,
        "form": form,
        "may_edit": may_edit,
        "area": [(d, populations.get(d.code)) for d in area],
    }
    return render(request, "reports/policy.html", context, status=status)


# --- target sheet imports --------------------------------------------------------------------


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    """Target sheets uploaded in the user's area, and the upload form (administrators)."""
    may_import = bool(permissions.administered_roots(request.user))
    form = TargetUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"valid_from": selectors.local_today().isoformat()},
    )
    if request.method == "POST":
        if not may_import:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                found = imports.upload_targets(
                    upload.read(imports.MAX_BYTES + 1),
                    actor=request.user,
                    file_name=upload.name or "targets.xlsx",
                    valid_from=form.cleaned_data["valid_from"],
                    source=form.cleaned_data["source"],
                )
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                return redirect("reports:import-detail", pk=found.pk)
    context = {
        "nav": "reports",
        "form": form,
        "may_import": may_import,
        "imports": selectors.target_imports(request.user)[:50],
    }
    return render(request, "reports/imports.html", context, status=400 if form.errors else 200)


def _shown(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    labels = imports.COLUMN_LABELS
    return [
        {
            "row": item["row"],
            "column": str(labels.get(item["column"], item["column"])),
            "message": render_message(item),
        }
        for item in items
    ]


def _change(change: dict[str, Any]) -> dict[str, Any]:
    """A planned change as the page shows it: categories by their labels, none as "—"."""
    shown = {"code": "", "division": "", "valid_from": "", **change}
    for key in ("old", "new"):
        value = change.get(key)
        if change["kind"] == "category" and value:
            shown[key] = UnitCategory(value).label
        elif value is None or value == "":
            shown[key] = "—"
    return shown


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A target sheet's check: problems, warnings and the changes it makes."""
    found = get_scoped_or_404(request.user, selectors.target_imports(request.user), pk=pk)
    context = {
        "nav": "reports",
        "upload": found,
        "problems": _shown(found.problems),
        "warnings": _shown(found.warnings),
        "changes": [_change(change) for change in found.changes],
        "may_commit": found.status == ImportStatus.CHECKED
        and (request.user.is_superuser or found.uploaded_by_id == request.user.pk),
    }
    return render(request, "reports/import_detail.html", context)


@login_required
@post_action("reports:import-detail", "pk")
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_scoped_or_404(request.user, selectors.target_imports(request.user), pk=pk)
    try:
        done = imports.commit_targets(found, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if done.status == ImportStatus.IMPORTED:
            messages.success(request, _("Imported."))
        else:
            messages.error(request, _("The sheet has problems now, so nothing was imported."))
    return redirect("reports:import-detail", pk=pk)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    """An xlsx listing the units of the user's administered area with their figures today."""
    if not permissions.administered_roots(request.user):
        raise PermissionDenied
    content = imports.template_xlsx(request.user)
    name = f"{_('Target sheet')}-{selectors.local_today():%Y%m%d}.xlsx"
    return download(content, name, CONTENT_TYPES[ReportFormat.XLSX])
