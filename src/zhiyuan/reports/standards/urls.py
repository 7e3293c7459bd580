"""URLs of the station and team standards, included by `reports.urls` (namespace "reports")."""

from django.urls import path

from zhiyuan.reports.standards import views

urlpatterns = [
    path("standards/<int:pk>/", views.checklist_page, name="standard"),
    path("standards/<int:pk>/assess/", views.assess, name="standard-assess"),
    path("standards/evidence/<int:pk>/", views.evidence, name="standard-evidence"),
    path("standards/lists/<int:pk>/", views.lists_page, name="standard-lists"),
    path("standards/lists/<int:pk>/save/", views.item_save, name="standard-item-save"),
    path("standards/lists/<int:pk>/in-use/", views.item_in_use, name="standard-item-in-use"),
    path("standards/lists/<int:pk>/move/", views.item_move, name="standard-item-move"),
]
