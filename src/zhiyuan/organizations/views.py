from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.params import search_text
from zhiyuan.organizations import permissions, selectors, services
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.organizations.enums import OrgLevel
from zhiyuan.organizations.forms import ManagementAreaForm, NewOrganizationForm, OrganizationForm
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.structure import add_management_area, area_division, build_structure_for


def _with_counts(nodes: list[Organization]) -> list[tuple[Organization, dict[int, int]]]:
    counts = selectors.subtree_level_counts(nodes)
    return [(node, counts[node.pk]) for node in nodes]


@login_required
def pick(request: HttpRequest) -> JsonResponse:
    """The organisation picker's list (static/zhiyuan/picker.js): up to 20 organisations in the
    user's scope (`within=administered`: those they administer) matching `q` by name or
    code, as {"results": [{"value": code, "label": name}]}."""
    within = request.GET.get("within", "")
    scoped = (
        selectors.administered_organizations(request.user)
        if within == "administered"
        else selectors.visible_organizations(request.user)
    )
    found = selectors.pick_organizations(scoped, search_text(request))
    return JsonResponse({"results": [{"value": o.code, "label": o.name} for o in found]})


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    """The organisation tree browser: the user's subtrees, per-level counts, search."""
    query = search_text(request)
    visible = selectors.visible_organizations(request.user)
    context = {
        "nav": "tree",
        "query": query,
        "levels": OrgLevel,
        "totals": selectors.level_counts(visible),
        "roots": _with_counts(selectors.scope_roots(request.user)),
        "results": selectors.search_organizations(request.user, query) if query else None,
    }
    return render(request, "organizations/tree.html", context)


@login_required
def children(request: HttpRequest, pk: int) -> HttpResponse:
    """The children of one node, with counts (loaded into the tree when a node is opened)."""
    node = get_scoped_or_404(request.user, Organization.objects.all(), pk=pk)
    nodes = _with_counts(selectors.children_of(request.user, node))
    return render(request, "organizations/_children.html", {"nodes": nodes, "levels": OrgLevel})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_scoped_or_404(
        request.user, Organization.objects.prefetch_related("jurisdiction"), pk=pk
    )
    is_admin = permissions.administers(request.user, org)
    context = {
        "nav": "tree",
        "org": org,
        "levels": OrgLevel,
        "counts": selectors.subtree_level_counts([org])[org.pk],
        "ancestors": selectors.ancestors_within_scope(request.user, org),
        "children": _with_counts(selectors.children_of(request.user, org)),
        "is_admin": is_admin,
        "area_division": area_division(org) if is_admin else None,
        "may_deactivate": is_admin and permissions.may_deactivate(request.user, org),
        "audit": AuditEntry.objects.filter(organization=org).select_related("actor")[:20]
        if is_admin
        else [],
    }
    return render(request, "organizations/detail.html", context)


@login_required
def create(request: HttpRequest, parent_pk: int) -> HttpResponse:
    parent = get_scoped_or_404(
        request.user, Organization.objects.all(), permissions.ADMINISTERING, pk=parent_pk
    )
    form = NewOrganizationForm(request.POST or None, initial={"level": parent.level})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = data.pop("code")
        try:
            org = services.create_organization(parent, actor=request.user, code=code, **data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Organisation created."))
            return redirect("organizations:detail", pk=org.pk)
    return render(
        request, "organizations/form.html", {"form": form, "parent": parent, "nav": "tree"}
    )


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_scoped_or_404(
        request.user, Organization.objects.all(), permissions.ADMINISTERING, pk=pk
    )
    form = OrganizationForm(request.POST or None, instance=Organization.objects.get(pk=org.pk))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.update_organization(org, actor=request.user, **changes)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("organizations:detail", pk=org.pk)
    return render(request, "organizations/form.html", {"form": form, "org": org, "nav": "tree"})


@login_required
@post_action("organizations:detail", "pk")
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_scoped_or_404(
        request.user, Organization.objects.all(), permissions.ADMINISTERING, pk=pk
    )
    active = request.POST.get("active") == "1"
    try:
        services.set_organization_active(org, actor=request.user, active=active)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Organisation reactivated.") if active else _("Organisation deactivated.")
        )
    return redirect("organizations:detail", pk=org.pk)


@login_required
@post_action("organizations:detail", "pk")
def build_structure_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Build or complete the standard structure of a city or county (its committee's page)."""
    committee = get_scoped_or_404(
        request.user, Organization.objects.all(), permissions.ADMINISTERING, pk=pk
    )
    try:
        report = build_structure_for(committee, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Standard structure complete: %(created)s organisations added, %(moved)s moved.")
            % {"created": report.total_created, "moved": report.moved},
        )
    return redirect("organizations:detail", pk=committee.pk)


@login_required
def management_area_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a management area (development zone, scenic area) under a city's committee."""
    committee = get_scoped_or_404(
        request.user, Organization.objects.all(), permissions.ADMINISTERING, pk=pk
    )
    form = ManagementAreaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            area = add_management_area(committee, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Management area saved."))
            return redirect("organizations:detail", pk=area.pk)
    context = {"form": form, "committee": committee, "nav": "tree"}
    return render(request, "organizations/management_area.html", context)
