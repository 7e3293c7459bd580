"""Office pages of the awards app, mounted at /awards/ (namespace "awards")."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "awards"
urlpatterns: list[URLPattern] = []
