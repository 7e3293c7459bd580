from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from zhiyuan.common import views as common_views
from zhiyuan.portal import views as portal_views

urlpatterns = [
    # First: no page's path starts with api/, and the phones' check-ins at a venue's gate then
    # resolve without trying every page's pattern first (half of resolving them).
    path("api/", include("zhiyuan.api.urls")),
    path("", portal_views.home, name="home"),
    path("prefs/large-text/", common_views.toggle_large_text, name="toggle-large-text"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("zhiyuan.accounts.urls")),
    path("organizations/", include("zhiyuan.organizations.urls")),
    path("divisions/", include("zhiyuan.divisions.urls")),
    path("volunteers/", include("zhiyuan.volunteers.urls")),
    path("activities/", include("zhiyuan.activities.urls")),
    path("hours/", include("zhiyuan.hours.urls")),
    path("reports/", include("zhiyuan.reports.urls")),
    path("recognition/", include("zhiyuan.recognition.urls")),
    path("certificates/", include("zhiyuan.certificates.urls")),
    path("assistance/", include("zhiyuan.assistance.urls")),
    path("checks/", include("zhiyuan.checks.urls")),
    path("anomalies/", include("zhiyuan.anomalies.urls")),
    path("workplan/", include("zhiyuan.workplan.urls")),
    path("awards/", include("zhiyuan.awards.urls")),
    path("", include("zhiyuan.portal.urls")),
    path("audit/", include("zhiyuan.accounts.urls_audit")),
    path("exports/", include("zhiyuan.common.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "志愿 zhiyuan"
if settings.DEBUG:
    admin.site.site_title = "zhiyuan (DEBUG)"
