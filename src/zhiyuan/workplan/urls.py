"""Office pages of the workplan app, mounted at /workplan/ (namespace "workplan")."""

from django.urls import path

from zhiyuan.workplan import views

app_name = "workplan"
urlpatterns = [
    path("", views.index, name="index"),
    path("defaults/", views.defaults, name="defaults"),
    path("steps/new/", views.step_new, name="step-new"),
    path("steps/<int:pk>/edit/", views.step_edit, name="step-edit"),
    path("steps/<int:pk>/in-use/", views.step_in_use, name="step-in-use"),
    path("steps/<int:step>/<int:organization>/", views.cell, name="cell"),
    path("steps/<int:step>/<int:organization>/report/", views.report, name="report"),
    path("reports/<int:pk>/accept/", views.accept, name="accept"),
    path("reports/<int:pk>/return/", views.return_, name="return"),
    path("reports/<int:pk>/evidence/", views.evidence, name="evidence"),
    path("reports/<int:pk>/contact/", views.reveal, name="reveal"),
    path("board/", views.board, name="board"),
    path("board/<str:kind>/", views.board_export, name="board-export"),
]
