"""Registration bodies and Attachment 2, mounted at /volunteers/bodies/; also the ledger's
xlsx export and the registration form (Attachment 4) as a PDF."""

from django.urls import path

from zhiyuan.volunteers import views_bodies as views

urlpatterns = [
    path("", views.allocation, name="bodies"),
    path("table.xlsx", views.allocation_xlsx, name="bodies-xlsx"),
    path("table.pdf", views.allocation_pdf, name="bodies-pdf"),
    path("new/", views.designate, name="body-designate"),
    path("<int:pk>/", views.body_detail, name="body-detail"),
    path("<int:pk>/delegations/", views.delegation_grant, name="delegation-grant"),
    path("delegations/<int:pk>/revoke/", views.delegation_revoke, name="delegation-revoke"),
    path("export/ledger/", views.export_ledger, name="export-ledger"),
    path("form/<int:pk>.pdf", views.registration_form, name="registration-form"),
]
