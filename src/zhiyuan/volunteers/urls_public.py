"""Public pages for volunteers: self-registration, confirmation, "my registration"."""

from django.urls import URLPattern

app_name = "public"
urlpatterns: list[URLPattern] = []
