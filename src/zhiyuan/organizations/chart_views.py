from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page

from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.organizations import selectors
from zhiyuan.organizations.chart import chart_data, organization_chart
from zhiyuan.organizations.chart_pdf import chart_pdf
from zhiyuan.organizations.enums import OrgLevel


def _export_name(extension: str) -> str:
    """组织体系图-YYYYMMDD.<extension>, in the user's language."""
    return f"{_('Organisation chart')}-{timezone.localdate():%Y%m%d}.{extension}"


def _page(request: HttpRequest, *, status: int = 200, pdf_error: str = "") -> HttpResponse:
    visible = selectors.visible_organizations(request.user)
    context = {
        "nav": "chart",
        "levels": OrgLevel,
        "totals": selectors.level_counts(visible),
        "png_name": _export_name("png").removesuffix(".png"),
        "pdf_error": pdf_error,
        "chart_text": {
            "loading": _("Loading…"),
            "empty": _("No organisations in your scope."),
            "failed": _("The chart could not be loaded. Reload the page to try again."),
            "area": _("Management area"),
            "inactive": _("Inactive"),
            "savePng": _("Download PNG"),
        },
    }
    return render(request, "organizations/chart.html", context, status=status)


@login_required
def chart(request: HttpRequest) -> HttpResponse:
    """The organisation chart (Attachment 1), drawn from live data by the browser."""
    return _page(request)


@login_required
@gzip_page  # the whole demo city is ~440 kB of JSON, ~50 kB compressed; it holds no secrets
def chart_json(request: HttpRequest) -> JsonResponse:
    """The chart's data (organizations.chart.chart_data) for what the user may see."""
    data = chart_data(organization_chart(request.user))
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@login_required
def chart_pdf_download(request: HttpRequest) -> HttpResponse:
    """The chart as a PDF download; without a CJK font, the chart page with the reason (503)."""
    try:
        content = chart_pdf(organization_chart(request.user), today=timezone.localdate())
    except FontUnavailable as exc:
        return _page(request, status=503, pdf_error=str(exc))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_export_name("pdf")
    )
    return response
