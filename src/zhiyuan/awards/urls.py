"""Office pages of the awards app, mounted at /awards/ (namespace "awards")."""

from django.urls import path

from zhiyuan.awards import views

app_name = "awards"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("<int:pk>/", views.campaign_detail, name="campaign"),
    path("<int:pk>/quotas/", views.quota_set, name="quota"),
    path("<int:pk>/nominate/", views.nominate, name="nominate"),
    path("<int:pk>/ranking/", views.ranking, name="ranking"),
    path("<int:pk>/shortlist/", views.shortlist_publish, name="shortlist"),
    path("<int:pk>/fix/", views.results_fix, name="fix"),
    path("<int:pk>/objections/<int:objection>/answer/", views.objection_answer, name="answer"),
    path("<int:pk>/export.xlsx", views.export, name="export"),
    path("nominations/<int:pk>/", views.nomination_detail, name="nomination"),
    path("nominations/<int:pk>/score/", views.nomination_score, name="score"),
    path("nominations/<int:pk>/withdraw/", views.nomination_withdraw, name="withdraw"),
    path("nominations/<int:pk>/evidence/", views.nomination_evidence, name="evidence"),
]
