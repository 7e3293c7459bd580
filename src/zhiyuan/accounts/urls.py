from django.urls import path

from zhiyuan.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/choose/", views.choose_person, name="choose-person"),
    path("logout/", views.logout_view, name="logout"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/import/", views.user_import, name="user-import"),
    path("users/import/template.csv", views.import_template, name="user-import-template"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user-edit"),
    path("users/<int:pk>/invite/", views.user_invite, name="user-invite"),
    path("users/<int:pk>/active/", views.user_set_active, name="user-set-active"),
    path("users/<int:pk>/roles/", views.role_grant, name="role-grant"),
    path("users/<int:pk>/roles/<int:role_pk>/revoke/", views.role_revoke, name="role-revoke"),
    path("invitation/<str:uidb64>/<str:token>/", views.invitation, name="invitation"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/code/", views.password_reset_code, name="password-reset-code"),
    path("password-reset/new/", views.password_reset_new, name="password-reset-new"),
]
