"""Office pages of the workplan app, mounted at /workplan/ (namespace "workplan")."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "workplan"
urlpatterns: list[URLPattern] = []
