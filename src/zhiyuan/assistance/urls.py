"""Office pages of the assistance app, mounted at /assistance/ (namespace "assistance")."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "assistance"
urlpatterns: list[URLPattern] = []
