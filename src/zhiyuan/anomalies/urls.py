"""Office pages of the anomalies app, mounted at /anomalies/ (namespace "anomalies")."""

from django.urls import path

from zhiyuan.anomalies import views

app_name = "anomalies"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.<str:kind>", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/close/", views.close, name="close"),
]
