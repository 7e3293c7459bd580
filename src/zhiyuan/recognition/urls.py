"""Office pages of the recognition app, mounted at /recognition/ (namespace "recognition")."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "recognition"
urlpatterns: list[URLPattern] = []
