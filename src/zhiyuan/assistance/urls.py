"""Office pages of the assistance app, mounted at /assistance/ (namespace "assistance")."""

from django.urls import path

from zhiyuan.assistance import views

app_name = "assistance"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("times/", views.times, name="times"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/take/", views.take, name="take"),
    path("<int:pk>/phone/", views.phone, name="phone"),
    path("<int:pk>/outcome/", views.outcome, name="outcome"),
]
