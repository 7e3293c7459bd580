"""Certificates over the API: the office's list, issue, revoke and PDF (denied outside the
scope), the volunteer's own, and the public check (the same answer for every malformed or
unknown number; limited per address)."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from knox.models import AuthToken

from zhiyuan.accounts.models import User
from zhiyuan.api.volunteer_auth import issue_token
from zhiyuan.certificates import services
from zhiyuan.certificates.enums import CertificateStatus
from zhiyuan.certificates.models import Certificate
from zhiyuan.certificates.throttles import VerificationThrottle
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

TEAM = "430602001001-TM"
JSON = "application/json"
NOT_FOUND = {
    "verdict": "not_found",
    "number": None,
    "issuer": None,
    "issued_on": None,
    "name": None,
    "hours": None,
    "period_start": None,
    "period_end": None,
}


def api(user: User) -> Client:
    _, token = AuthToken.objects.create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")


def as_volunteer(volunteer: Volunteer) -> Client:
    token = issue_token(volunteer.mobile_digest)
    return Client(HTTP_AUTHORIZATION=f"Volunteer {token}", HTTP_ACCEPT_LANGUAGE="en")


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type=JSON)


@pytest.fixture
def certificate(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> Certificate:
    return services.issue_certificate(with_hours, issuer=org(TEAM), actor=team_leader)


def test_the_leader_issues_over_the_api(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    answer = post(
        api(team_leader),
        "/api/v1/certificates/",
        {
            "issuer": org(TEAM).pk,
            "registration_number": with_hours.registration_number,
            "start": "2026-01-01",
            "end": "2026-06-30",
            "per_activity": True,
        },
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    certificate = Certificate.objects.get()
    assert body["number"] == certificate.number
    assert body["minutes"] == 330
    assert body["hours"] == "5.50"
    assert body["activities"] == [
        {"title": "社区读书会", "minutes": 180, "records": 1},
        {"title": "敬老院陪伴", "minutes": 150, "records": 1},
    ]
    assert body["document_number"] == certificate.document_masked
    assert body["full_number_printed"] is False
    assert body["issuer"]["code"] == TEAM
    assert body["check_url"] == f"http://testserver/verify/{certificate.number}/"
    assert with_hours.document_number not in answer.content.decode()


def test_a_period_without_hours_is_refused_over_the_api(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> None:
    for number in (with_hours.registration_number, "430600326999999"):
        answer = post(
            api(team_leader),
            "/api/v1/certificates/",
            {"issuer": org(TEAM).pk, "registration_number": number, "end": "2025-12-31"},
        )
        assert answer.status_code == 400
        assert answer.json()["detail"] == [
            "郭亮社区志愿服务队 has recorded no confirmed hours of this volunteer in the period "
            "…–2025-12-31."
        ]
    assert not Certificate.objects.exists()


def test_outside_the_scope_nothing_is_seen_issued_or_revoked(
    certificate: Certificate,
    with_hours: Volunteer,
    outsider: User,
    viewer: User,
    org: Callable[[str], Organization],
) -> None:
    client = api(outsider)
    assert client.get("/api/v1/certificates/").json()["results"] == []
    assert client.get(f"/api/v1/certificates/{certificate.pk}/").status_code == 404
    assert client.get(f"/api/v1/certificates/{certificate.pk}/pdf/").status_code == 404
    revoke = post(client, f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "错了"})
    assert revoke.status_code == 404
    issue = post(
        client,
        "/api/v1/certificates/",
        {"issuer": org(TEAM).pk, "registration_number": with_hours.registration_number},
    )
    assert issue.status_code == 404
    # a viewer of the street sees it but issues and revokes nothing
    reader = api(viewer)
    assert reader.get(f"/api/v1/certificates/{certificate.pk}/").status_code == 200
    issue = post(
        reader,
        "/api/v1/certificates/",
        {"issuer": org(TEAM).pk, "registration_number": with_hours.registration_number},
    )
    assert issue.status_code == 403
    revoke = post(reader, f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "错了"})
    assert revoke.status_code == 403
    assert Certificate.objects.count() == 1
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID


def test_revoke_and_pdf_over_the_api(certificate: Certificate, team_leader: User) -> None:
    client = api(team_leader)
    pdf = client.get(f"/api/v1/certificates/{certificate.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    answer = post(client, f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "时段写错"})
    assert answer.status_code == 200
    assert answer.json()["status"] == "revoked"
    assert answer.json()["revocation_reason"] == "时段写错"
    again = post(client, f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "再撤"})
    assert again.status_code == 400


def test_the_list_reads_a_fixed_number_of_queries(
    with_hours: Volunteer,
    team_leader: User,
    street_admin: User,
    org: Callable[[str], Organization],
    django_assert_max_num_queries: Any,
) -> None:
    for _ in range(5):
        services.issue_certificate(with_hours, issuer=org(TEAM), actor=team_leader)
    client = api(street_admin)
    with django_assert_max_num_queries(8):
        answer = client.get("/api/v1/certificates/")
    assert answer.json()["count"] == 5


def test_the_volunteer_asks_lists_and_downloads(
    with_hours: Volunteer, org: Callable[[str], Organization]
) -> None:
    client = as_volunteer(with_hours)
    answer = post(
        client,
        "/api/v1/volunteer/certificates/",
        {"volunteer": with_hours.pk, "issuer": org(TEAM).pk, "full_number": True},
    )
    assert answer.status_code == 201, answer.content
    number = answer.json()["number"]
    assert answer.json()["full_number_printed"] is True
    assert with_hours.document_number not in answer.content.decode()
    assert [c["number"] for c in client.get("/api/v1/volunteer/certificates/").json()] == [number]
    assert client.get(f"/api/v1/volunteer/certificates/{number}/pdf/").status_code == 200


def test_a_volunteer_reaches_only_their_own(
    certificate: Certificate,
    with_hours: Volunteer,
    registrar: User,
    org: Callable[[str], Organization],
) -> None:
    from tests.volunteers import people

    other = as_volunteer(people.registered(registrar))
    assert other.get("/api/v1/volunteer/certificates/").json() == []
    assert other.get(f"/api/v1/volunteer/certificates/{certificate.number}/pdf/").status_code == 404
    answer = post(
        other,
        "/api/v1/volunteer/certificates/",
        {"volunteer": with_hours.pk, "issuer": org(TEAM).pk},
    )
    assert answer.status_code == 404
    assert Certificate.objects.count() == 1


def test_the_public_check_over_the_api(certificate: Certificate) -> None:
    answer = Client().get(f"/api/v1/public/certificates/{certificate.number}/")
    assert answer.status_code == 200
    assert answer.json() == {
        "verdict": "valid",
        "number": certificate.number,
        "issuer": "郭亮社区志愿服务队",
        "issued_on": certificate.issued_on.isoformat(),
        "name": "欧**兰",
        "hours": "7.00",
        "period_start": None,
        "period_end": None,
    }


@pytest.mark.parametrize(
    "number", ["ZY2026-AAAA-AAAA-AAAA", "x", "430602199001010435", "ZY2026-0000-0000-0000"]
)
def test_the_public_check_answers_alike_for_malformed_and_unknown(
    certificate: Certificate, number: str
) -> None:
    answer = Client().get(f"/api/v1/public/certificates/{number}/")
    assert answer.status_code == 200
    assert answer.json() == NOT_FOUND


def test_an_altered_certificate_fails_the_api_check(certificate: Certificate) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(minutes=certificate.minutes + 60)
    assert Client().get(f"/api/v1/public/certificates/{certificate.number}/").json() == NOT_FOUND


def test_a_revoked_certificate_set_back_to_valid_fails_the_api_check(
    certificate: Certificate, team_leader: User
) -> None:
    services.revoke_certificate(certificate, actor=team_leader, reason="时段写错")
    Certificate.objects.filter(pk=certificate.pk).update(status="valid", revoked_at=None)
    assert Client().get(f"/api/v1/public/certificates/{certificate.number}/").json() == NOT_FOUND


def test_the_page_and_the_api_share_one_limit(certificate: Certificate) -> None:
    limit = int(VerificationThrottle.rate.split("/")[0])
    client = Client()
    for _ in range(limit):
        assert client.get(f"/verify/{certificate.number}/").status_code == 200
    assert client.get(f"/api/v1/public/certificates/{certificate.number}/").status_code == 429


def test_the_schema_describes_the_certificates(db: None) -> None:
    schema = Client().get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/certificates/",
        "/api/v1/certificates/{id}/",
        "/api/v1/certificates/{id}/revoke/",
        "/api/v1/certificates/{id}/pdf/",
        "/api/v1/public/certificates/{number}/",
        "/api/v1/volunteer/certificates/",
        "/api/v1/volunteer/certificates/{number}/pdf/",
    ):
        assert path in paths, path
