"""Office pages of anomaly flags, under /anomalies/: the list (filtered by rule and status,
open flags first by default), a flag with its evidence and the people responsible, closing it
with a reason, and the list as xlsx or PDF. Every page reads through the access layer
(`selectors.flags`): a flag outside the user's scope is a 404."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from zhiyuan.anomalies import exports, permissions, selectors, services
from zhiyuan.anomalies.enums import Rule
from zhiyuan.anomalies.forms import CloseForm, FlagFilterForm
from zhiyuan.anomalies.models import Flag
from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.masking import mask_phone
from zhiyuan.common.pdf import FontUnavailable

NAV = "anomalies"
PAGE_SIZE = 50


def _filtered(request: HttpRequest) -> tuple[FlagFilterForm, QuerySet[Flag]]:
    form = FlagFilterForm(request.GET or None)
    found = selectors.flags(request.user)
    if form.is_bound and not form.is_valid():
        return form, found.none()
    data = form.cleaned_data if form.is_bound else {}
    found = selectors.filter_flags(found, rule=data.get("rule", ""), state=data.get("state", ""))
    return form, found.order_by("state", "-found_at", "-pk")


@login_required
def index(request: HttpRequest) -> HttpResponse:
    form, found = _filtered(request)
    page = Paginator(selectors.with_counts(found), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": NAV,
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "sees_flags": permissions.sees_flags(request.user),
        "counts": [
            (Rule(rule).label, n) for rule, n in sorted(selectors.open_counts(request.user).items())
        ],
    }
    return render(request, "anomalies/index.html", context)


def _detail_context(request: HttpRequest, flag: Flag, **extra: Any) -> dict[str, Any]:
    volunteers = list(selectors.evidence_volunteers(flag))
    for volunteer in volunteers:
        volunteer.masked_mobile = mask_phone(volunteer.mobile)  # type: ignore[attr-defined]
    return {
        "nav": NAV,
        "flag": flag,
        "records": list(selectors.evidence_records(flag)),
        "volunteers": volunteers,
        "people": list(flag.people.all()),
        "may_close": flag.state == "open" and permissions.may_close(request.user, flag),
        "close_form": extra.pop("close_form", None) or CloseForm(),
        **extra,
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    flag = selectors.flag_detail(request.user, pk)
    return render(request, "anomalies/detail.html", _detail_context(request, flag))


@login_required
@post_action("anomalies:detail", "pk")
def close(request: HttpRequest, pk: int) -> HttpResponse:
    flag = selectors.flag_detail(request.user, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.close_flag(flag, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The flag was closed."))
            return redirect("anomalies:detail", pk=flag.pk)
    context = _detail_context(request, flag, close_form=form)
    return render(request, "anomalies/detail.html", context, status=400)


@login_required
def export(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in exports.CONTENT_TYPES:
        raise Http404
    _form, found = _filtered(request)
    if not permissions.sees_flags(request.user):
        raise Http404
    try:
        made = exports.export_flags(request.user, found, kind=kind)
    except FontUnavailable:
        messages.error(request, _("No font that prints Chinese is installed: ask the operator."))
        return redirect("anomalies:index")
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = content_disposition_header(True, made.name)
    return response
