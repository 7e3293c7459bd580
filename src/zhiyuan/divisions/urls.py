from django.urls import path

from zhiyuan.divisions import views

app_name = "divisions"
urlpatterns = [path("search/", views.search, name="search")]
