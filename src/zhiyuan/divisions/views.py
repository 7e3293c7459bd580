from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhiyuan.common.params import search_text
from zhiyuan.divisions.selectors import search_divisions


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Division look-up by code prefix or name (public reference data, for forms)."""
    query = search_text(request)
    results = search_divisions(query) if query else []
    return render(request, "divisions/search.html", {"query": query, "results": results})
