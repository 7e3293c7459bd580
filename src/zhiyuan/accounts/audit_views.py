"""The audit log page: the entries of the subtrees the user administers, filtered by action,
dates, person and organisation; each entry's object named and linked where the user may see
it, and its data in words (`common.audit_display`)."""

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from zhiyuan.accounts import selectors
from zhiyuan.common.audit_display import describe_data, show_objects
from zhiyuan.common.audit_labels import ACTION_LABELS
from zhiyuan.common.params import parse_id, search_text
from zhiyuan.organizations.selectors import administered_organizations, resolve_organization

PAGE_SIZE = 50


def _date(request: HttpRequest, name: str) -> date | None:
    try:
        return date.fromisoformat(search_text(request, name))
    except ValueError:
        return None


def _person(request: HttpRequest) -> int | None:
    return parse_id(search_text(request, "person"))


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """Audit entries of the subtrees the user administers, newest first."""
    org_text = search_text(request, "org")
    organization, candidates = resolve_organization(
        administered_organizations(request.user), org_text
    )
    filters = selectors.AuditFilter(
        action=search_text(request, "action"),
        since=_date(request, "from"),
        until=_date(request, "to"),
        person=_person(request),
        organization=organization,
    )
    entries = selectors.audit_entries(request.user, filters)
    if org_text and organization is None:
        entries = entries.none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = show_objects(request.user, page)
    rows = [
        (entry, shown[entry.pk], describe_data(entry.data, entry.object_type)) for entry in page
    ]
    kept = {k: str(v) for k, v in request.GET.items() if k != "page" and v}
    context: dict[str, Any] = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "action": filters.action,
        "action_choices": [(code, str(label)) for code, label in ACTION_LABELS.items()],
        "people": selectors.audit_people(request.user),
        "org_picker": {
            "name": "org",
            "id": "id_org",
            "value": org_text,
            "chosen": organization,
            "candidates": candidates,
            "unmatched": bool(org_text) and organization is None and not candidates,
            "keep": urlencode({k: v for k, v in kept.items() if k != "org"}),
        },
        "kept": urlencode(kept),
        "nav": "audit",
    }
    return render(request, "accounts/audit_log.html", context)
