"""The office pages of activities, under /activities/."""

from django.urls import URLPattern

app_name = "activities"
urlpatterns: list[URLPattern] = []
