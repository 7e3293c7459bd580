"""Office pages of the recognition app, mounted at /recognition/ (namespace "recognition")."""

from django.urls import path

from zhiyuan.recognition import views

app_name = "recognition"
urlpatterns = [
    path("", views.index, name="index"),
    path("awards/<int:pk>/", views.award, name="award"),
    path("awards/<int:pk>/review/", views.award_review, name="award-review"),
    path("awards/<int:pk>/grant/", views.award_grant, name="award-grant"),
    path("awards/<int:pk>/flag/", views.award_flag, name="award-flag"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection-answer"),
    path("eligible/", views.eligible, name="eligible"),
    path("eligible/propose/", views.propose, name="propose"),
    path("below/", views.below, name="below"),
    path("below/export/", views.below_export, name="below-export"),
    path("policy/", views.policy, name="policy"),
]
