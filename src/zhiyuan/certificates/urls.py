"""Office pages of the certificates app, mounted at /certificates/ (namespace "certificates")."""

from django.urls import path

from zhiyuan.certificates import views

app_name = "certificates"
urlpatterns = [
    path("", views.index, name="index"),
    path("issue/", views.issue, name="issue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf/", views.download, name="pdf"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
    path("settings/<int:org>/", views.settings_page, name="settings"),
    path("settings/<int:org>/details/", views.settings_details, name="settings-details"),
    path("settings/<int:org>/seal/", views.settings_seal, name="settings-seal"),
    path(
        "settings/<int:org>/seal/remove/", views.settings_seal_remove, name="settings-seal-remove"
    ),
    path("settings/<int:org>/seal.img", views.seal_image, name="seal-image"),
]
