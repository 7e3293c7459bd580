"""The OpenAPI description: complete, warning-free, and its viewer served from our own files."""

import os
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def test_schema_generates_and_validates_without_warnings() -> None:
    GENERATOR_STATS.reset()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)


def test_schema_lists_every_endpoint(schema: dict) -> None:
    assert sorted((path, method) for path, method, _ in operations(schema)) == [
        ("/api/v1/accounts/", "get"),
        ("/api/v1/accounts/", "post"),
        ("/api/v1/accounts/{id}/", "get"),
        ("/api/v1/accounts/{id}/", "patch"),
        ("/api/v1/accounts/{id}/deactivate/", "post"),
        ("/api/v1/accounts/{id}/invite/", "post"),
        ("/api/v1/accounts/{id}/reactivate/", "post"),
        ("/api/v1/accounts/{id}/roles/", "post"),
        ("/api/v1/accounts/{id}/roles/{role_id}/", "delete"),
        ("/api/v1/activities/", "get"),
        ("/api/v1/activities/", "post"),
        ("/api/v1/activities/{id}/", "get"),
        ("/api/v1/activities/{id}/", "patch"),
        ("/api/v1/activities/{id}/cancel/", "post"),
        ("/api/v1/activities/{id}/finish/", "post"),
        ("/api/v1/activities/{id}/publish/", "post"),
        ("/api/v1/activities/{id}/slots/", "post"),
        ("/api/v1/anomaly-flags/", "get"),
        ("/api/v1/anomaly-flags/export/", "get"),
        ("/api/v1/anomaly-flags/{id}/", "get"),
        ("/api/v1/anomaly-flags/{id}/close/", "post"),
        ("/api/v1/audit/", "get"),
        ("/api/v1/auth/login/", "post"),
        ("/api/v1/auth/logout/", "post"),
        ("/api/v1/auth/logoutall/", "post"),
        ("/api/v1/award-campaigns/", "get"),
        ("/api/v1/award-campaigns/", "post"),
        ("/api/v1/award-campaigns/{id}/", "get"),
        ("/api/v1/award-campaigns/{id}/fix/", "post"),
        ("/api/v1/award-campaigns/{id}/objections/", "get"),
        ("/api/v1/award-campaigns/{id}/quotas/", "post"),
        ("/api/v1/award-campaigns/{id}/ranking/", "get"),
        ("/api/v1/award-campaigns/{id}/shortlist/", "post"),
        ("/api/v1/award-nominations/", "get"),
        ("/api/v1/award-nominations/", "post"),
        ("/api/v1/award-nominations/{id}/", "get"),
        ("/api/v1/award-nominations/{id}/scores/", "post"),
        ("/api/v1/award-nominations/{id}/withdraw/", "post"),
        ("/api/v1/award-objections/{id}/answer/", "post"),
        ("/api/v1/certificates/", "get"),
        ("/api/v1/certificates/", "post"),
        ("/api/v1/certificates/{id}/", "get"),
        ("/api/v1/certificates/{id}/pdf/", "get"),
        ("/api/v1/certificates/{id}/revoke/", "post"),
        ("/api/v1/check-cases/", "get"),
        ("/api/v1/check-cases/file/", "get"),
        ("/api/v1/check-cases/{id}/", "get"),
        ("/api/v1/check-cases/{id}/decide/", "post"),
        ("/api/v1/check-in-codes/{slot}/", "get"),
        ("/api/v1/check-ins/", "get"),
        ("/api/v1/check-ins/", "post"),
        ("/api/v1/check-items/", "get"),
        ("/api/v1/check-items/{id}/", "get"),
        ("/api/v1/check-items/{id}/attempts/", "post"),
        ("/api/v1/check-items/{id}/outcome/", "post"),
        ("/api/v1/check-items/{id}/phone/", "post"),
        ("/api/v1/check-rates/", "get"),
        ("/api/v1/delegations/{id}/revoke/", "post"),
        ("/api/v1/divisions/", "get"),
        ("/api/v1/divisions/{code}/", "get"),
        ("/api/v1/divisions/{code}/children/", "get"),
        ("/api/v1/exports/", "get"),
        ("/api/v1/exports/ledger/", "post"),
        ("/api/v1/exports/{id}/", "get"),
        ("/api/v1/exports/{id}/download/", "get"),
        ("/api/v1/help-requests/", "get"),
        ("/api/v1/help-requests/", "post"),
        ("/api/v1/help-requests/response-times/", "get"),
        ("/api/v1/help-requests/{id}/", "get"),
        ("/api/v1/help-requests/{id}/outcome/", "post"),
        ("/api/v1/help-requests/{id}/phone/", "post"),
        ("/api/v1/help-requests/{id}/take/", "post"),
        ("/api/v1/hour-records/", "get"),
        ("/api/v1/hour-records/", "post"),
        ("/api/v1/hour-records/confirm/", "post"),
        ("/api/v1/hour-records/totals/", "get"),
        ("/api/v1/hour-records/{id}/", "get"),
        ("/api/v1/hour-records/{id}/", "patch"),
        ("/api/v1/hour-records/{id}/corrections/", "post"),
        ("/api/v1/hour-records/{id}/reject/", "post"),
        ("/api/v1/hours-below/", "get"),
        ("/api/v1/hours-below/units/", "get"),
        ("/api/v1/hours-imports/", "get"),
        ("/api/v1/hours-imports/", "post"),
        ("/api/v1/hours-imports/{id}/", "get"),
        ("/api/v1/hours-imports/{id}/import/", "post"),
        ("/api/v1/hours-policies/{organization}/", "get"),
        ("/api/v1/hours-policies/{organization}/", "put"),
        ("/api/v1/me/", "get"),
        ("/api/v1/memberships/", "get"),
        ("/api/v1/memberships/", "post"),
        ("/api/v1/memberships/{id}/approve/", "post"),
        ("/api/v1/memberships/{id}/leave/", "post"),
        ("/api/v1/memberships/{id}/reject/", "post"),
        ("/api/v1/organizations/", "get"),
        ("/api/v1/organizations/tree/", "get"),
        ("/api/v1/organizations/{id}/", "get"),
        ("/api/v1/organizations/{id}/", "patch"),
        ("/api/v1/organizations/{id}/activate/", "post"),
        ("/api/v1/organizations/{id}/build-structure/", "post"),
        ("/api/v1/organizations/{id}/children/", "get"),
        ("/api/v1/organizations/{id}/children/", "post"),
        ("/api/v1/organizations/{id}/deactivate/", "post"),
        ("/api/v1/organizations/{id}/management-areas/", "post"),
        ("/api/v1/public/activities/", "get"),
        ("/api/v1/public/activities/{id}/", "get"),
        ("/api/v1/public/award-campaigns/", "get"),
        ("/api/v1/public/award-campaigns/{id}/", "get"),
        ("/api/v1/public/award-objections/", "post"),
        ("/api/v1/public/certificates/{number}/", "get"),
        ("/api/v1/public/registration-points/", "get"),
        ("/api/v1/public/registrations/", "post"),
        ("/api/v1/public/registrations/confirm/", "post"),
        ("/api/v1/public/star-notices/", "get"),
        ("/api/v1/public/star-notices/{id}/objections/", "post"),
        ("/api/v1/recognition-policy/", "get"),
        ("/api/v1/recognition-policy/", "put"),
        ("/api/v1/registration-bodies/", "get"),
        ("/api/v1/registration-bodies/", "post"),
        ("/api/v1/registration-bodies/{id}/", "get"),
        ("/api/v1/registration-bodies/{id}/delegations/", "get"),
        ("/api/v1/registration-bodies/{id}/delegations/", "post"),
        ("/api/v1/report-submissions/", "get"),
        ("/api/v1/report-submissions/{id}/", "get"),
        ("/api/v1/report-submissions/{id}/file/", "get"),
        ("/api/v1/report-submissions/{id}/withdraw/", "post"),
        ("/api/v1/reporting-rounds/", "get"),
        ("/api/v1/reporting-rounds/", "post"),
        ("/api/v1/reporting-rounds/{id}/", "get"),
        ("/api/v1/reporting-rounds/{id}/submit/", "post"),
        ("/api/v1/reports/attachment3/", "get"),
        ("/api/v1/reports/attachment5/", "get"),
        ("/api/v1/reports/attachment6/", "get"),
        ("/api/v1/reports/attachment7/", "get"),
        ("/api/v1/roster-imports/", "get"),
        ("/api/v1/roster-imports/", "post"),
        ("/api/v1/roster-imports/template/", "get"),
        ("/api/v1/roster-imports/{id}/", "get"),
        ("/api/v1/roster-imports/{id}/commit/", "post"),
        ("/api/v1/roster-imports/{id}/report/", "post"),
        ("/api/v1/signups/{id}/approve/", "post"),
        ("/api/v1/signups/{id}/cancel/", "post"),
        ("/api/v1/signups/{id}/reject/", "post"),
        ("/api/v1/slot-rosters/{slot}/", "get"),
        ("/api/v1/slots/{id}/", "delete"),
        ("/api/v1/slots/{id}/", "get"),
        ("/api/v1/slots/{id}/", "patch"),
        ("/api/v1/slots/{id}/group-signups/", "post"),
        ("/api/v1/slots/{id}/signups/", "get"),
        ("/api/v1/spot-checks/", "get"),
        ("/api/v1/spot-checks/", "post"),
        ("/api/v1/spot-checks/{id}/", "get"),
        ("/api/v1/spot-checks/{id}/assign/", "post"),
        ("/api/v1/spot-checks/{id}/close/", "post"),
        ("/api/v1/spot-checks/{id}/file/", "get"),
        ("/api/v1/spot-checks/{id}/items/", "get"),
        ("/api/v1/spot-checks/{id}/redraw/", "get"),
        ("/api/v1/standards/{organization}/", "get"),
        ("/api/v1/standards/{organization}/assessments/", "post"),
        ("/api/v1/star-awards/", "get"),
        ("/api/v1/star-awards/", "post"),
        ("/api/v1/star-awards/{id}/", "get"),
        ("/api/v1/star-awards/{id}/flag/", "post"),
        ("/api/v1/star-awards/{id}/grant/", "post"),
        ("/api/v1/star-awards/{id}/objections/", "get"),
        ("/api/v1/star-awards/{id}/review/", "post"),
        ("/api/v1/star-eligible/", "get"),
        ("/api/v1/star-objections/{id}/answer/", "post"),
        ("/api/v1/volunteer-requests/", "get"),
        ("/api/v1/volunteer-requests/{id}/handle/", "post"),
        ("/api/v1/volunteer/activities/", "get"),
        ("/api/v1/volunteer/certificates/", "get"),
        ("/api/v1/volunteer/certificates/", "post"),
        ("/api/v1/volunteer/certificates/{number}/pdf/", "get"),
        ("/api/v1/volunteer/check-ins/", "post"),
        ("/api/v1/volunteer/help-requests/", "get"),
        ("/api/v1/volunteer/help-requests/", "post"),
        ("/api/v1/volunteer/help-requests/{id}/withdraw/", "post"),
        ("/api/v1/volunteer/hours/", "get"),
        ("/api/v1/volunteer/hours/{id}/corrections/", "post"),
        ("/api/v1/volunteer/login/", "post"),
        ("/api/v1/volunteer/login/code/", "post"),
        ("/api/v1/volunteer/reminders/", "put"),
        ("/api/v1/volunteer/reports/", "get"),
        ("/api/v1/volunteer/reports/", "post"),
        ("/api/v1/volunteer/signups/", "get"),
        ("/api/v1/volunteer/signups/", "post"),
        ("/api/v1/volunteer/signups/{id}/cancel/", "post"),
        ("/api/v1/volunteer/stars/", "get"),
        ("/api/v1/volunteer/stars/", "post"),
        ("/api/v1/volunteers/", "get"),
        ("/api/v1/volunteers/", "post"),
        ("/api/v1/volunteers/confirmation-progress/", "get"),
        ("/api/v1/volunteers/lookup/", "post"),
        ("/api/v1/volunteers/registration-points/", "get"),
        ("/api/v1/volunteers/send-confirmations/", "get"),
        ("/api/v1/volunteers/send-confirmations/", "post"),
        ("/api/v1/volunteers/{id}/", "get"),
        ("/api/v1/volunteers/{id}/", "patch"),
        ("/api/v1/volunteers/{id}/cancel/", "post"),
        ("/api/v1/volunteers/{id}/confirm-in-person/", "post"),
        ("/api/v1/volunteers/{id}/history/", "get"),
        ("/api/v1/volunteers/{id}/reinstate/", "post"),
        ("/api/v1/volunteers/{id}/reregister/", "post"),
        ("/api/v1/volunteers/{id}/reveal/", "post"),
        ("/api/v1/volunteers/{id}/send-confirmation/", "post"),
        ("/api/v1/volunteers/{id}/suspend/", "post"),
        ("/api/v1/volunteers/{id}/transfer/", "post"),
        ("/api/v1/volunteers/{id}/withdraw/", "post"),
        ("/api/v1/workplan-reports/", "get"),
        ("/api/v1/workplan-reports/", "post"),
        ("/api/v1/workplan-reports/{id}/", "get"),
        ("/api/v1/workplan-reports/{id}/accept/", "post"),
        ("/api/v1/workplan-reports/{id}/return/", "post"),
        ("/api/v1/workplan-reports/{id}/reveal-contact/", "post"),
        ("/api/v1/workplan-steps/", "get"),
        ("/api/v1/workplan-steps/", "post"),
        ("/api/v1/workplan-steps/defaults/", "post"),
        ("/api/v1/workplan-steps/{id}/", "get"),
        ("/api/v1/workplan-steps/{id}/", "patch"),
        ("/api/v1/workplan/board/", "get"),
        ("/api/v1/workplan/board/file/", "get"),
    ]


def test_every_operation_documents_its_errors(schema: dict) -> None:
    assert "security" not in schema
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        where = f"{method.upper()} {path}"
        has_input = "requestBody" in operation or any(
            p["in"] == "query" for p in operation.get("parameters", [])
        )
        if path == "/api/v1/auth/login/":
            assert codes == {"200", "400", "409", "429"}, where
            assert "security" not in operation, where  # public; there is no global one
            continue
        if path.startswith("/api/v1/volunteer/login/"):
            assert codes == {"200", "400", "429"}, where
            assert "security" not in operation, where  # a volunteer's log-in by code
            continue
        if path == "/api/v1/public/certificates/{number}/":
            # A certificate's check: every number, malformed or unknown, answers alike (200,
            # with the verdict "not found"), so it is never a 400 or a 404.
            assert codes == {"200", "429"}, where
            assert "security" not in operation, where
            continue
        if path.startswith("/api/v1/public/"):
            # Self-registration, the public activities, notices and objections: no log-in (never
            # a 401 or 403), throttled per client address; a 404 for a path naming an object, a
            # 400 for one taking input (a body or a query), and nothing else.
            expected = {"429"} | ({"404"} if "{" in path else set())
            assert codes - {"200", "201"} == expected | ({"400"} if has_input else set()), where
            assert "security" not in operation, where
            continue
        assert "401" in codes, where
        if "{" in path:
            assert "404" in codes, where
        # A volunteer acts on their own sign-ups only: a 404, never a 403.
        if method in ("patch", "post", "delete") and not path.startswith(
            ("/api/v1/auth/", "/api/v1/volunteer/")
        ):
            assert "403" in codes, where
        if has_input:
            assert "400" in codes, where


def test_swagger_ui_loads_only_local_assets(client: Client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # Swagger UI's start-up script is a file of its own (the CSP forbids inline script).
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    code = script.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]*)"', html) + re.findall(r'url: "([^"]*)"', code)
    assert len(urls) == 7
    assert "/api/schema/" in urls
    assert "/static/zhiyuan/swagger.css" in urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")) is not None, url
    for text in (html, code):
        assert not re.search(r"https?://|//[a-z]", text, re.IGNORECASE)
    assert '"validatorUrl": null' in code


def test_schema_is_served(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    body = response.json()
    assert body["info"]["title"] == "zhiyuan API"
    assert "/api/v1/organizations/tree/" in body["paths"]
