"""Office pages of the certificates app, mounted at /certificates/ (namespace "certificates")."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "certificates"
urlpatterns: list[URLPattern] = []
