"""Office pages of the checks app, mounted at /checks/ (namespace "checks")."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "checks"
urlpatterns: list[URLPattern] = []
