from django.urls import path

from zhiyuan.reports import dashboard_views, kinds, views
from zhiyuan.reports.rounds import urls as rounds_urls
from zhiyuan.reports.standards import urls as standards_urls

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    # Each statistics table of the registry (`kinds`): its page and its files.
    *(
        pattern
        for kind in kinds.KINDS
        for pattern in (
            path(f"{kind.key}/", views.table_page, {"key": kind.key}, name=kind.key),
            path(
                f"{kind.key}.<str:kind>",
                views.table_file,
                {"key": kind.key},
                name=f"{kind.key}-file",
            ),
        )
    ),
    path("units/<int:pk>/", views.unit_page, name="unit"),
    path("units/<int:pk>/headcount/", views.record_headcount, name="unit-headcount"),
    path("units/<int:pk>/population/", views.record_population, name="unit-population"),
    path("policy/<int:pk>/", views.policy, name="policy"),
    path("imports/", views.import_list, name="imports"),
    path("imports/template.xlsx", views.import_template, name="import-template"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import-commit"),
    *rounds_urls.urlpatterns,
    *standards_urls.urlpatterns,
]
