"""Pages of the standards: a station's or team's checklist (reached from its organisation's
page) with its history and the assessment form, the evidence file, and a city's lists of
items. Every page reads through the access layer: outside the scope, 404; a write the user may
not make, 403 (the services check)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.organizations.enums import OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.reports.selectors import city_of
from zhiyuan.reports.standards import permissions, selectors, services
from zhiyuan.reports.standards.enums import Standard, standard_of
from zhiyuan.reports.standards.forms import AssessmentForm, ItemForm
from zhiyuan.reports.standards.models import StandardAssessment

HISTORY_SHOWN = 100


def _station_or_team(request: HttpRequest, pk: int) -> Organization:
    organization = get_scoped_or_404(request.user, Organization.objects.all(), pk=pk)
    if not standard_of(organization.kind):
        raise Http404
    return organization


def _checklist_context(
    request: HttpRequest, organization: Organization, form: AssessmentForm | None = None
) -> dict[str, Any]:
    today = timezone.localdate()
    found = selectors.checklist(organization, today)
    if found is None:  # not a station or team: the views asked `_station_or_team`
        raise Http404
    may_assess = permissions.may_assess(request.user, organization) and organization.is_active
    if form is None and may_assess:
        form = AssessmentForm(items=found.items.active, initial={"assessed_on": today})
    city = city_of(organization)
    labels = {item.code: item.label for item in found.items.items}
    return {
        "nav": "organizations",
        "organization": organization,
        "standard": Standard(found.items.standard),
        "checklist": found,
        "history": [
            (row, labels.get(row.item_code, row.item_code))
            for row in selectors.history(organization)[:HISTORY_SHOWN]
        ],
        "form": form,
        "may_assess": may_assess,
        "city": city if city and permissions.may_view(request.user, city) else None,
    }


@login_required
def checklist_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A station's six haves or a team's five haves: each item met or not, since when, by whom,
    with its evidence; the assessments before; the form for its administrators."""
    organization = _station_or_team(request, pk)
    return render(
        request, "reports/standards/checklist.html", _checklist_context(request, organization)
    )


@login_required
@post_action("reports:standard", "pk")
def assess(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _station_or_team(request, pk)
    standard = standard_of(organization.kind)
    items = selectors.items_for(organization, standard).active
    form = AssessmentForm(request.POST, request.FILES, items=items)
    if form.is_valid():
        try:
            services.assess_item(organization, actor=request.user, **form.service_data())
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Assessment recorded."))
            return redirect("reports:standard", pk=organization.pk)
    context = _checklist_context(request, organization, form)
    return render(request, "reports/standards/checklist.html", context, status=400)


@login_required
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    """An assessment's evidence, to those whose roles cover its station or team; never from
    MEDIA_URL."""
    kept = get_scoped_or_404(request.user, StandardAssessment.objects.exclude(evidence=""), pk=pk)
    return FileResponse(
        kept.evidence.open("rb"),
        as_attachment=True,
        filename=kept.evidence_name,
        content_type=kept.evidence_type,
    )


# --- a city's lists ------------------------------------------------------------------------


def _city(request: HttpRequest, pk: int) -> Organization:
    city = get_scoped_or_404(request.user, Organization.objects.all(), pk=pk)
    if city.level != OrgLevel.CITY:
        raise Http404
    return city


def _lists_context(
    request: HttpRequest, city: Organization, failed: tuple[str, str, ItemForm] | None = None
) -> dict[str, Any]:
    """Each standard's list in force for `city`, each item with a form to reword it, and a
    form to add one; `failed` (standard, code, form) shows a form that was refused."""
    lists = []
    for standard in Standard:
        found = selectors.items_for(city, standard)
        rows = []
        for item in found.items:
            form = ItemForm(
                initial={
                    "name": item.name,
                    "short_name": item.short_name,
                    "name_en": item.name_en,
                    "short_name_en": item.short_name_en,
                },
                prefix=f"{standard}-{item.code}",
            )
            if failed and failed[:2] == (standard.value, item.code):
                form = failed[2]
            rows.append((item, form))
        new_form = ItemForm(prefix=f"{standard}-new")
        if failed and failed[:2] == (standard.value, ""):
            new_form = failed[2]
        lists.append(
            {
                "standard": standard,
                "own": found.owner is not None and found.owner.pk == city.pk,
                "rows": rows,
                "new_form": new_form,
            }
        )
    return {
        "nav": "reports",
        "city": city,
        "lists": lists,
        "may_edit": permissions.may_set_items(request.user, city),
    }


@login_required
def lists_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A city's six-haves and five-haves lists (the plan's until the city changes one)."""
    city = _city(request, pk)
    return render(request, "reports/standards/lists.html", _lists_context(request, city))


def _standard_and_code(request: HttpRequest) -> tuple[str, str]:
    standard = request.POST.get("standard", "")
    if standard not in Standard.values:
        raise Http404
    return standard, request.POST.get("code", "").strip()[:30]


@login_required
@post_action("reports:standard-lists", "pk")
def item_save(request: HttpRequest, pk: int) -> HttpResponse:
    city = _city(request, pk)
    standard, code = _standard_and_code(request)
    form = ItemForm(request.POST, prefix=f"{standard}-{code or 'new'}")
    if form.is_valid():
        try:
            services.save_item(
                city, actor=request.user, standard=standard, code=code, **form.cleaned_data
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Standard saved."))
            return redirect("reports:standard-lists", pk=city.pk)
    context = _lists_context(request, city, failed=(standard, code, form))
    return render(request, "reports/standards/lists.html", context, status=400)


def _run(request: HttpRequest, action: Any, city: Organization, **options: Any) -> HttpResponse:
    try:
        action(city, actor=request.user, **options)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Standard saved."))
    return redirect("reports:standard-lists", pk=city.pk)


@login_required
@post_action("reports:standard-lists", "pk")
def item_in_use(request: HttpRequest, pk: int) -> HttpResponse:
    city = _city(request, pk)
    standard, code = _standard_and_code(request)
    in_use = request.POST.get("in_use") == "1"
    return _run(
        request, services.set_item_in_use, city, standard=standard, code=code, in_use=in_use
    )


@login_required
@post_action("reports:standard-lists", "pk")
def item_move(request: HttpRequest, pk: int) -> HttpResponse:
    city = _city(request, pk)
    standard, code = _standard_and_code(request)
    offset = -1 if request.POST.get("offset") == "-1" else 1
    return _run(request, services.move_item, city, standard=standard, code=code, offset=offset)
