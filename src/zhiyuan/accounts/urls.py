from django.urls import path

from zhiyuan.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/choose/", views.choose_person, name="choose-person"),
    path("logout/", views.logout_view, name="logout"),
]
