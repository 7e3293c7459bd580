"""Office pages of service hours, mounted at /hours/ (namespace "hours")."""

from django.urls import path

from zhiyuan.hours import offline, views

app_name = "hours"
urlpatterns = [
    path("", views.index, name="index"),
    path("sw.js", offline.service_worker, name="service-worker"),
    path("export.<str:kind>", views.export, name="export"),
    path("slots/", views.slots, name="slots"),
    path("slots/<int:pk>/", views.roster, name="roster"),
    path("slots/<int:pk>/check/", views.roster_check, name="roster-check"),
    path("slots/<int:pk>/records/", views.roster_entry, name="roster-entry"),
    path("slots/<int:pk>/qr/", views.qr_page, name="qr"),
    path("slots/<int:pk>/qr.svg", views.qr_image, name="qr-image"),
    path("pending/", views.pending, name="pending"),
    path("confirm/", views.confirm, name="confirm"),
    path("records/<int:pk>/", views.record, name="record"),
    path("records/<int:pk>/edit/", views.record_edit, name="record-edit"),
    path("records/<int:pk>/confirm/", views.record_confirm, name="record-confirm"),
    path("records/<int:pk>/reject/", views.record_reject, name="record-reject"),
    path("records/<int:pk>/correct/", views.record_correct, name="record-correct"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("imports/<int:pk>/import/", views.import_commit, name="import-commit"),
    path("policy/", views.policy, name="policy"),
]
