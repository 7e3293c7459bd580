from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhiyuan.organizations import selectors
from zhiyuan.organizations.enums import OrgLevel


@login_required
def chart(request: HttpRequest) -> HttpResponse:
    """The organisation chart (Attachment 1), drawn from live data."""
    visible = selectors.visible_organizations(request.user)
    context = {"nav": "chart", "levels": OrgLevel, "totals": selectors.level_counts(visible)}
    return render(request, "organizations/chart.html", context)
