"""The REST API: /api/v1/..., its OpenAPI schema (/api/schema/) and Swagger UI (/api/docs/).

The Swagger UI loads its assets from the project's static files (drf-spectacular-sidecar).
"""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from zhiyuan.api import (
    accounts,
    activities,
    anomalies,
    assistance,
    audit,
    auth,
    awards,
    certificates,
    checks,
    divisions,
    exports,
    hours,
    me,
    memberships,
    organizations,
    public,
    recognition,
    registration_bodies,
    reports,
    roster_imports,
    standards,
    tables,
    volunteer_auth,
    volunteers,
    workplan,
)

router = SimpleRouter()
router.register("accounts", accounts.AccountViewSet, basename="account")
router.register("divisions", divisions.DivisionViewSet, basename="division")
router.register("organizations", organizations.OrganizationViewSet, basename="organization")
router.register(
    "registration-bodies",
    registration_bodies.RegistrationBodyViewSet,
    basename="registration-body",
)
router.register("delegations", registration_bodies.DelegationViewSet, basename="delegation")
router.register("volunteers", volunteers.VolunteerViewSet, basename="volunteer")
router.register("exports", exports.ExportViewSet, basename="export")
router.register("roster-imports", roster_imports.RosterImportViewSet, basename="roster-import")
router.register("memberships", memberships.MembershipViewSet, basename="membership")
router.register("activities", activities.ActivityViewSet, basename="activity")
router.register("slots", activities.SlotViewSet, basename="slot")
router.register("signups", activities.SignUpViewSet, basename="signup")
router.register(
    "volunteer-requests", memberships.VolunteerRequestViewSet, basename="volunteer-request"
)
router.register("hour-records", hours.HourRecordViewSet, basename="hour-record")
router.register("certificates", certificates.CertificateViewSet, basename="certificate")
router.register("help-requests", assistance.HelpRequestViewSet, basename="help-request")
router.register("hours-imports", hours.HoursImportViewSet, basename="hours-import")
router.register("star-awards", recognition.StarAwardViewSet, basename="star-award")
router.register("hours-below", recognition.BelowLineViewSet, basename="hours-below")
router.register("reporting-rounds", reports.ReportingRoundViewSet, basename="reporting-round")
router.register("report-submissions", reports.SubmissionViewSet, basename="report-submission")
router.register("award-campaigns", awards.AwardCampaignViewSet, basename="award-campaign")
router.register("award-nominations", awards.AwardNominationViewSet, basename="award-nomination")
router.register("award-objections", awards.AwardObjectionViewSet, basename="award-objection")
router.register("anomaly-flags", anomalies.FlagViewSet, basename="anomaly-flag")
router.register("spot-checks", checks.CampaignViewSet, basename="spot-check")
router.register("check-items", checks.CheckItemViewSet, basename="check-item")
router.register("check-cases", checks.CaseViewSet, basename="check-case")
router.register("workplan-steps", workplan.WorkStepViewSet, basename="workplan-step")
router.register("workplan-reports", workplan.StepReportViewSet, basename="workplan-report")

v1 = [
    path("auth/login/", auth.LoginView.as_view(), name="login"),
    path("auth/logout/", auth.LogoutView.as_view(), name="logout"),
    path("auth/logoutall/", auth.LogoutAllView.as_view(), name="logoutall"),
    path("me/", me.MeView.as_view(), name="me"),
    path("audit/", audit.AuditEntryList.as_view(), name="audit"),
    path("check-rates/", checks.RatesView.as_view(), name="check-rates"),
    path("volunteer/reports/", checks.VolunteerReportsView.as_view(), name="volunteer-reports"),
    path(
        "public/registration-points/",
        public.RegistrationPointList.as_view(),
        name="public-registration-points",
    ),
    path("public/registrations/", public.SelfRegistration.as_view(), name="public-registrations"),
    path("reports/attachment3/", reports.Attachment3View.as_view(), name="report-attachment3"),
    path("reports/attachment5/", tables.Attachment5View.as_view(), name="report-attachment5"),
    path("reports/attachment6/", tables.Attachment6View.as_view(), name="report-attachment6"),
    path("reports/attachment7/", tables.Attachment7View.as_view(), name="report-attachment7"),
    path(
        "standards/<str:organization>/",
        standards.ChecklistView.as_view(),
        name="standard-checklist",
    ),
    path(
        "standards/<str:organization>/assessments/",
        standards.AssessmentView.as_view(),
        name="standard-assessments",
    ),
    path(
        "public/registrations/confirm/",
        public.SelfConfirmation.as_view(),
        name="public-registrations-confirm",
    ),
    path("public/activities/", activities.PublicActivityList.as_view(), name="public-activities"),
    path(
        "public/activities/<str:pk>/",
        activities.PublicActivityDetail.as_view(),
        name="public-activity",
    ),
    path(
        "volunteer/login/code/",
        volunteer_auth.VolunteerCodeView.as_view(),
        name="volunteer-login-code",
    ),
    path("volunteer/login/", volunteer_auth.VolunteerLoginView.as_view(), name="volunteer-login"),
    path(
        "volunteer/activities/",
        activities.VolunteerActivityList.as_view(),
        name="volunteer-activities",
    ),
    path("volunteer/signups/", activities.VolunteerSignUpList.as_view(), name="volunteer-signups"),
    path(
        "volunteer/signups/<str:pk>/cancel/",
        activities.VolunteerSignUpCancel.as_view(),
        name="volunteer-signup-cancel",
    ),
    path("workplan/board/", workplan.BoardView.as_view(), name="workplan-board"),
    path("workplan/board/file/", workplan.BoardFileView.as_view(), name="workplan-board-file"),
    path(
        "public/certificates/<str:number>/",
        certificates.PublicCertificateCheck.as_view(),
        name="public-certificate-check",
    ),
    path(
        "volunteer/certificates/",
        certificates.VolunteerCertificateView.as_view(),
        name="volunteer-certificates",
    ),
    path(
        "volunteer/certificates/<str:number>/pdf/",
        certificates.VolunteerCertificatePdfView.as_view(),
        name="volunteer-certificate-pdf",
    ),
    path(
        "star-objections/<str:pk>/answer/",
        recognition.ObjectionAnswerView.as_view(),
        name="star-objection-answer",
    ),
    path("star-eligible/", recognition.EligibleView.as_view(), name="star-eligible"),
    path(
        "recognition-policy/",
        recognition.RecognitionPolicyView.as_view(),
        name="recognition-policy",
    ),
    path("volunteer/stars/", recognition.VolunteerStarsView.as_view(), name="volunteer-stars"),
    path(
        "volunteer/reminders/",
        recognition.VolunteerRemindersView.as_view(),
        name="volunteer-reminders",
    ),
    path(
        "public/star-notices/", recognition.PublicNoticeList.as_view(), name="public-star-notices"
    ),
    path(
        "public/star-notices/<str:pk>/objections/",
        recognition.PublicObjectionView.as_view(),
        name="public-star-objection",
    ),
    path("check-ins/", hours.CheckInView.as_view(), name="check-ins"),
    path("check-in-codes/<str:slot>/", hours.CheckInCodeView.as_view(), name="check-in-code"),
    path("slot-rosters/<str:slot>/", hours.SlotRosterView.as_view(), name="slot-roster"),
    path(
        "hours-policies/<str:organization>/", hours.HoursPolicyView.as_view(), name="hours-policy"
    ),
    path("volunteer/check-ins/", hours.VolunteerCheckInView.as_view(), name="volunteer-check-ins"),
    path("volunteer/hours/", hours.VolunteerHoursView.as_view(), name="volunteer-hours"),
    path(
        "public/award-campaigns/",
        awards.PublicAwardCampaignList.as_view(),
        name="public-award-campaigns",
    ),
    path(
        "public/award-campaigns/<str:pk>/",
        awards.PublicAwardCampaignDetail.as_view(),
        name="public-award-campaign",
    ),
    path(
        "public/award-objections/",
        awards.PublicObjectionCreate.as_view(),
        name="public-award-objections",
    ),
    path(
        "volunteer/hours/<str:pk>/corrections/",
        hours.VolunteerCorrectionView.as_view(),
        name="volunteer-hours-correction",
    ),
    path(
        "volunteer/help-requests/",
        assistance.VolunteerHelpRequestsView.as_view(),
        name="volunteer-help-requests",
    ),
    path(
        "volunteer/help-requests/<str:pk>/withdraw/",
        assistance.VolunteerHelpWithdrawView.as_view(),
        name="volunteer-help-request-withdraw",
    ),
    *router.urls,
]


@csrf_exempt  # it changes nothing; a CSRF check would answer an unknown path's POST with a 403 page
def not_found(request: HttpRequest) -> JsonResponse:
    """Unknown API paths answer JSON to every method, like every other API error (and, being
    matched, are not redirected to a path with a slash, which would lose a POST's body)."""
    return JsonResponse(
        {"detail": _("Not found.")}, status=404, json_dumps_params={"ensure_ascii": False}
    )


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (the CSP forbids inline
    # script); api/swagger_ui.html is drf-spectacular's page with its inline style moved out.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("v1/", include((v1, "api"))),
    re_path(r"", not_found),
]
