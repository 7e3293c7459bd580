from django.urls import path

from zhiyuan.organizations import chart_views, views

app_name = "organizations"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("pick/", views.pick, name="pick"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/active/", views.set_active, name="set-active"),
    path("<int:parent_pk>/new/", views.create, name="create"),
    path("<int:pk>/build-structure/", views.build_structure_view, name="build-structure"),
    path("<int:pk>/management-area/", views.management_area_view, name="management-area"),
    path("chart/", chart_views.chart, name="chart"),
    path("chart/data/", chart_views.chart_json, name="chart-data"),
    path("chart/pdf/", chart_views.chart_pdf_download, name="chart-pdf"),
]
