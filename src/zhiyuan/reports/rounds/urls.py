"""URLs of reporting rounds, included by `reports.urls` (namespace "reports")."""

from django.urls import path

from zhiyuan.reports.rounds import views

urlpatterns = [
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/new/", views.round_new, name="round-new"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/submit/", views.round_submit, name="round-submit"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/withdraw/", views.submission_withdraw, name="submission-withdraw"),
    path(
        "submissions/<int:pk>/<slug:kind>.<str:extension>",
        views.submission_file,
        name="submission-file",
    ),
]
