from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhiyuan.common.audit_labels import ACTION_LABELS
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.params import search_text
from zhiyuan.organizations.access import scope
from zhiyuan.organizations.enums import RoleKind


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """Audit entries of the subtrees the user administers, newest first."""
    entries = scope(request.user, AuditEntry.objects.all(), roles=[RoleKind.ADMINISTRATOR])
    action = search_text(request, "action")
    if action:
        entries = entries.filter(action__startswith=action)
    page = Paginator(entries.select_related("actor", "organization"), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "action": action,
        "action_choices": [(code, str(label)) for code, label in ACTION_LABELS.items()],
        "nav": "audit",
    }
    return render(request, "accounts/audit_log.html", context)
