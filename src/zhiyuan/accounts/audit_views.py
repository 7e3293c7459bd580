from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhiyuan.accounts import selectors
from zhiyuan.common.audit_labels import ACTION_LABELS
from zhiyuan.common.params import search_text


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """Audit entries of the subtrees the user administers, newest first."""
    action = search_text(request, "action")
    entries = selectors.audit_entries(request.user, action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "action": action,
        "action_choices": [(code, str(label)) for code, label in ACTION_LABELS.items()],
        "nav": "audit",
    }
    return render(request, "accounts/audit_log.html", context)
