"""The volunteers' own pages, mounted at the site's root: self-registration and confirmation
(/join/…), "my registration" (/me/…). The namespace is "public" (`reverse("public:join")`)."""

from django.urls import path

from zhiyuan.portal import (
    activities,
    assistance,
    awards,
    certificates,
    hours,
    recognition,
    reports,
    views,
)

app_name = "public"
urlpatterns = [
    path("join/", views.join, name="join"),
    path("join/confirm/", views.join_confirm, name="join-confirm"),
    path("join/confirm/resend/", views.join_resend, name="join-resend"),
    path("join/confirm/<str:token>/", views.join_link, name="join-link"),
    path("join/done/", views.join_done, name="join-done"),
    path("me/", views.me, name="me"),
    path("me/login/", views.me_login, name="me-login"),
    path("me/code/", views.me_code, name="me-code"),
    path("me/logout/", views.me_logout, name="me-logout"),
    path("me/teams/join/", views.me_join_team, name="me-join-team"),
    path("me/teams/leave/", views.me_leave_team, name="me-leave-team"),
    path("me/requests/", views.me_request, name="me-request"),
    path("me/activities/", activities.my_activities, name="my-activities"),
    path("me/activities/cancel/", activities.my_activity_cancel, name="my-activity-cancel"),
    path("events/", activities.events, name="events"),
    path("events/<int:pk>/", activities.event, name="event"),
    path("events/<int:pk>/signup/", activities.event_signup, name="event-signup"),
    path("me/hours/", hours.my_hours, name="me-hours"),
    path("me/hours/correct/", hours.my_hours_correct, name="me-hours-correct"),
    path("me/reports/", reports.my_reports, name="my-reports"),
    path("me/reports/not-me/", reports.report_not_me, name="report-not-me"),
    path("me/reports/not-served/", reports.report_not_served, name="report-not-served"),
    path("me/report/<str:token>/", reports.report_link, name="report-link"),
    path("me/help/", assistance.my_help, name="me-help"),
    path("me/help/new/", assistance.ask_help, name="me-help-new"),
    path("me/help/withdraw/", assistance.withdraw_help, name="me-help-withdraw"),
    path("me/certificates/", certificates.my_certificates, name="my-certificates"),
    path(
        "me/certificates/request/",
        certificates.my_certificate_request,
        name="my-certificate-request",
    ),
    path(
        "me/certificates/<str:number>.pdf",
        certificates.my_certificate_pdf,
        name="my-certificate-pdf",
    ),
    path("verify/", certificates.verify, name="verify"),
    path("verify/<str:number>/", certificates.verify_number, name="verify-number"),
    path("me/stars/", recognition.my_stars, name="me-stars"),
    path("me/stars/apply/", recognition.my_stars_apply, name="me-stars-apply"),
    path("me/stars/reminders/", recognition.my_stars_reminders, name="me-stars-reminders"),
    path("stars/notices/", recognition.notices, name="star-notices"),
    path("stars/notices/<int:pk>/", recognition.notice, name="star-notice"),
    path("stars/notices/<int:pk>/objection/", recognition.notice_objection, name="star-objection"),
    path("checkin/", hours.checkin_page, name="checkin"),
    path("checkin/<str:token>/", hours.checkin_scan, name="checkin-scan"),
    path("honours/", awards.honours, name="honours"),
    path("honours/<int:pk>/", awards.honour, name="honour"),
    path("honours/objection/", awards.objection, name="honour-objection"),
]
