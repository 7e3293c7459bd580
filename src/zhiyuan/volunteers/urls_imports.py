"""Roster imports, mounted at /volunteers/imports/ (views_imports)."""

from django.urls import path

from zhiyuan.volunteers import views_imports as views

urlpatterns = [
    path("", views.import_list, name="imports"),
    path("new/", views.new, name="import-new"),
    path("template.xlsx", views.template_xlsx, name="import-template"),
    path("<int:pk>/", views.detail, name="import"),
    path("<int:pk>/progress/", views.progress, name="import-progress"),
    path("<int:pk>/commit/", views.commit, name="import-commit"),
    path("<int:pk>/file", views.uploaded_file, name="import-file"),
    path("<int:pk>/report.xlsx", views.error_report, name="import-report"),
]
