"""Office pages for registered volunteers, mounted at /volunteers/: the ledger, registration
and the lifecycle (`views.ledger`), registration bodies and Attachment 2 (`views.bodies`),
volunteers' requests and membership applications (`views.work`), roster imports
(`views.imports`)."""

from django.urls import path

from zhiyuan.volunteers.views import bodies, imports, ledger, work

app_name = "volunteers"
urlpatterns = [
    path("", ledger.ledger, name="ledger"),
    path("progress/", ledger.progress, name="progress"),
    path("progress/send/", ledger.confirmation_requests, name="send-confirmations"),
    path("policy/", ledger.policy, name="policy"),
    path("register/", ledger.register, name="register"),
    path("<int:pk>/correct/", ledger.correct, name="correct"),
    path("<int:pk>/", ledger.detail, name="detail"),
    path("<int:pk>/confirm-in-person/", ledger.confirm_in_person, name="confirm-in-person"),
    path("<int:pk>/send-confirmation/", ledger.send_confirmation, name="send-confirmation"),
    path("<int:pk>/suspend/", ledger.suspend, name="suspend"),
    path("<int:pk>/reinstate/", ledger.reinstate, name="reinstate"),
    path("<int:pk>/cancel/", ledger.cancel, name="cancel"),
    path("<int:pk>/withdraw/", ledger.withdraw, name="withdraw"),
    path("<int:pk>/reregister/", ledger.reregister, name="reregister"),
    path("<int:pk>/transfer/", ledger.transfer, name="transfer"),
    path("<int:pk>/reveal/", ledger.reveal, name="reveal"),
    path("<int:pk>/photo/", ledger.photo, name="photo"),
    path("<int:pk>/photo/upload/", ledger.upload_photo, name="photo-upload"),
    path("bodies/", bodies.allocation, name="bodies"),
    path("bodies/table.xlsx", bodies.allocation_xlsx, name="bodies-xlsx"),
    path("bodies/table.pdf", bodies.allocation_pdf, name="bodies-pdf"),
    path("bodies/new/", bodies.designate, name="body-designate"),
    path("bodies/<int:pk>/", bodies.body_detail, name="body-detail"),
    path("bodies/<int:pk>/delegations/", bodies.delegation_grant, name="delegation-grant"),
    path("bodies/delegations/<int:pk>/revoke/", bodies.delegation_revoke, name="delegation-revoke"),
    path("bodies/export/ledger/", ledger.export_ledger, name="export-ledger"),
    path("bodies/form/<int:pk>.pdf", ledger.registration_form, name="registration-form"),
    path("work/requests/", work.requests_inbox, name="requests"),
    path("work/requests/<int:pk>/handle/", work.handle_request, name="handle-request"),
    path("work/memberships/", work.memberships, name="memberships"),
    path("work/memberships/<int:pk>/decide/", work.decide_membership, name="decide-membership"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/new/", imports.new, name="import-new"),
    path("imports/template.xlsx", imports.template_xlsx, name="import-template"),
    path("imports/<int:pk>/", imports.detail, name="import"),
    path("imports/<int:pk>/progress/", imports.progress, name="import-progress"),
    path("imports/<int:pk>/commit/", imports.commit, name="import-commit"),
    path("imports/<int:pk>/file", imports.uploaded_file, name="import-file"),
    path("imports/<int:pk>/report.xlsx", imports.error_report, name="import-report"),
]
