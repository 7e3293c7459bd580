"""Office pages of the anomalies app, mounted at /anomalies/ (namespace "anomalies")."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "anomalies"
urlpatterns: list[URLPattern] = []
