"""The exports a user asked for, mounted at /exports/ (`export_views`)."""

from django.urls import path

from zhiyuan.common import export_views

app_name = "exports"
urlpatterns = [
    path("", export_views.my_exports, name="list"),
    path("<int:pk>/download/", export_views.download, name="download"),
]
