"""The certificates' pages: the office's list, issue, detail, PDF, revoke and settings; the
volunteer's /me/certificates/; the public check /verify/ (the same answer for every malformed or
unknown number, nothing else than the issuer, date, masked name and hours; limited per address).
"""

import re
from collections.abc import Callable
from datetime import date

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.certificates.conftest import portal_client
from zhiyuan.accounts.models import User
from zhiyuan.certificates import services
from zhiyuan.certificates.enums import CertificateStatus
from zhiyuan.certificates.models import Certificate, IssuerProfile
from zhiyuan.certificates.throttles import VerificationThrottle
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

TEAM = "430602001001-TM"


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def certificate(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> Certificate:
    return services.issue_certificate(with_hours, issuer=org(TEAM), actor=team_leader)


# --- the office --------------------------------------------------------------------------------


def test_the_leader_issues_a_certificate_from_the_office(
    with_hours: Volunteer, team_leader: User, login: Callable[[User], Client]
) -> None:
    client = english(login(team_leader))
    assert client.get("/certificates/issue/").status_code == 200
    answer = client.post(
        "/certificates/issue/",
        {
            "issuer": TEAM,
            "registration_number": with_hours.registration_number,
            "start": "2026-01-01",
            "end": "2026-06-30",
            "per_activity": "on",
        },
    )
    certificate = Certificate.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/certificates/{certificate.pk}/"
    assert (certificate.minutes, certificate.per_activity) == (330, True)
    page = client.get(answer["Location"]).content.decode()
    assert certificate.number in page
    assert certificate.document_masked in page
    assert with_hours.document_number not in page
    assert "2026-01-01 – 2026-06-30" in page


def test_a_period_without_hours_is_refused_on_the_page(
    with_hours: Volunteer, team_leader: User, login: Callable[[User], Client]
) -> None:
    client = english(login(team_leader))
    for number in (with_hours.registration_number, "430600326999999"):  # known, unknown
        answer = client.post(
            "/certificates/issue/",
            {"issuer": TEAM, "registration_number": number, "start": "2027-01-01"},
        )
        assert answer.status_code == 400
        assert (
            "郭亮社区志愿服务队 has recorded no confirmed hours of this volunteer in the period "
            "2027-01-01–…" in answer.content.decode()
        )
    assert not Certificate.objects.exists()


def test_the_office_cannot_issue_for_an_organisation_outside_its_area(
    with_hours: Volunteer, outsider: User, login: Callable[[User], Client]
) -> None:
    client = english(login(outsider))
    answer = client.post(
        "/certificates/issue/",
        {"issuer": TEAM, "registration_number": with_hours.registration_number},
    )
    assert answer.status_code == 400
    assert "Pick an organisation whose certificates you issue." in answer.content.decode()
    assert not Certificate.objects.exists()


def test_another_organisation_sees_nothing_of_a_certificate(
    certificate: Certificate, outsider: User, login: Callable[[User], Client]
) -> None:
    client = login(outsider)
    assert certificate.number not in client.get("/certificates/").content.decode()
    assert client.get(f"/certificates/{certificate.pk}/").status_code == 404
    assert client.get(f"/certificates/{certificate.pk}/pdf/").status_code == 404
    answer = client.post(f"/certificates/{certificate.pk}/revoke/", {"reason": "不对"})
    assert answer.status_code == 404
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID


def test_the_list_finds_a_certificate_by_number_or_name(
    certificate: Certificate, street_admin: User, login: Callable[[User], Client]
) -> None:
    client = login(street_admin)
    typed = certificate.number.lower().replace("-", "")
    assert certificate.number in client.get("/certificates/", {"q": typed}).content.decode()
    assert certificate.number in client.get("/certificates/", {"q": "欧阳秀兰"}).content.decode()
    assert certificate.number not in client.get("/certificates/", {"q": "张三"}).content.decode()


def test_revoking_on_the_page_needs_a_reason_and_shows_it(
    certificate: Certificate, team_leader: User, login: Callable[[User], Client]
) -> None:
    client = english(login(team_leader))
    refused = client.post(f"/certificates/{certificate.pk}/revoke/", {"reason": ""})
    assert refused.status_code == 400
    answer = client.post(f"/certificates/{certificate.pk}/revoke/", {"reason": "时段写错"})
    assert answer.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    page = client.get(f"/certificates/{certificate.pk}/").content.decode()
    assert "时段写错" in page
    assert "Revoke this certificate" not in page
    again = f"/certificates/issue/?issuer={TEAM}&amp;registration_number={certificate.registration_number}"
    assert again in page
    form = client.get(again.replace("&amp;", "&")).content.decode()
    assert f'value="{certificate.registration_number}"' in form


def test_the_office_downloads_the_pdf(
    certificate: Certificate, street_admin: User, login: Callable[[User], Client]
) -> None:
    answer = login(street_admin).get(f"/certificates/{certificate.pk}/pdf/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    assert f'filename="{certificate.number}.pdf"' in answer["Content-Disposition"]
    # a masked certificate's print is not audited; a full number's is
    assert not AuditEntry.objects.filter(action="certificate.printed").exists()


def test_printing_a_full_number_is_audited(
    with_hours: Volunteer,
    street_admin: User,
    login: Callable[[User], Client],
    org: Callable[[str], Organization],
) -> None:
    full = services.request_certificate(with_hours, issuer=org(TEAM), full_number=True)
    assert login(street_admin).get(f"/certificates/{full.pk}/pdf/").status_code == 200
    entry = AuditEntry.objects.get(action="certificate.printed")
    assert (entry.actor, entry.object_id, entry.data) == (
        street_admin,
        str(full.pk),
        {"full_number": True},
    )


def test_the_settings_page_takes_a_seal_and_refuses_a_non_image(
    street_admin: User,
    team_leader: User,
    login: Callable[[User], Client],
    org: Callable[[str], Organization],
) -> None:
    team = org(TEAM)
    client = english(login(street_admin))
    assert client.get(f"/certificates/settings/{team.pk}/").status_code == 200
    refused = client.post(
        f"/certificates/settings/{team.pk}/seal/",
        {"seal": SimpleUploadedFile("seal.png", b"%PDF-1.4 fake", content_type="image/png")},
    )
    assert refused.status_code == 400
    assert "Upload the seal as a PNG or JPEG image of at most 2 MB." in refused.content.decode()
    assert not IssuerProfile.objects.exists()
    from tests.certificates.test_documents import png

    taken = client.post(
        f"/certificates/settings/{team.pk}/seal/",
        {"seal": SimpleUploadedFile("seal.png", png(), content_type="image/png")},
    )
    assert taken.status_code == 302
    image = client.get(f"/certificates/settings/{team.pk}/seal.img")
    assert image.content == png()
    saved = client.post(
        f"/certificates/settings/{team.pk}/details/", {"handler": "王芳", "contact": "0730-8888123"}
    )
    assert saved.status_code == 302
    profile = IssuerProfile.objects.get()
    assert (profile.handler, profile.contact) == ("王芳", "0730-8888123")
    # a team leader is not the organisation's administrator
    assert login(team_leader).get(f"/certificates/settings/{team.pk}/").status_code == 404
    assert login(team_leader).get(f"/certificates/settings/{team.pk}/seal.img").status_code == 404


# --- the volunteer -----------------------------------------------------------------------------


def test_the_volunteer_asks_for_a_certificate_and_downloads_it(with_hours: Volunteer) -> None:
    client = portal_client(with_hours, "en")
    page = client.get("/me/certificates/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "郭亮社区志愿服务队" in text and "岳阳楼区志愿者协会" in text
    team = Organization.objects.get(code=TEAM)
    answer = client.post(
        "/me/certificates/request/",
        {"volunteer": with_hours.pk, "issuer": team.pk, "start": "2026-05-01"},
    )
    assert answer.status_code == 302
    certificate = Certificate.objects.get()
    assert certificate.requested_by_volunteer
    assert (certificate.period_start, certificate.minutes) == (date(2026, 5, 1), 240)
    assert certificate.number in client.get("/me/certificates/").content.decode()
    pdf = client.get(f"/me/certificates/{certificate.number}.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")


def test_the_volunteers_request_for_a_period_without_hours_says_so(with_hours: Volunteer) -> None:
    client = portal_client(with_hours, "en")
    team = Organization.objects.get(code=TEAM)
    answer = client.post(
        "/me/certificates/request/",
        {"volunteer": with_hours.pk, "issuer": team.pk, "start": "2026-10-01", "end": "2026-10-31"},
    )
    assert answer.status_code == 400
    assert (
        "郭亮社区志愿服务队 has recorded no confirmed hours of this volunteer in the period "
        "2026-10-01–2026-10-31." in answer.content.decode()
    )
    assert not Certificate.objects.exists()


def test_a_volunteer_cannot_ask_for_or_download_anothers_certificate(
    with_hours: Volunteer, certificate: Certificate, registrar: User
) -> None:
    from tests.volunteers import people

    other = people.registered(registrar)
    client = portal_client(other)
    assert certificate.number not in client.get("/me/certificates/").content.decode()
    assert client.get(f"/me/certificates/{certificate.number}.pdf").status_code == 404
    team = Organization.objects.get(code=TEAM)
    answer = client.post(
        "/me/certificates/request/", {"volunteer": with_hours.pk, "issuer": team.pk}
    )
    assert answer.status_code == 400
    assert Certificate.objects.count() == 1


def test_my_certificates_asks_for_the_log_in(db: None) -> None:
    answer = Client().get("/me/certificates/")
    assert (answer.status_code, answer["Location"]) == (302, "/me/")


# --- the public check --------------------------------------------------------------------------


def _without_tokens(html: str) -> str:
    """The page less its CSRF tokens and the language switch's way back (the page's own URL)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r'name="next" value="[^"]*"', "", html)


def test_the_qr_url_shows_a_genuine_certificate_and_nothing_more(
    certificate: Certificate, with_hours: Volunteer
) -> None:
    page = english(Client()).get(f"/verify/{certificate.number}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Genuine and valid" in text
    assert "郭亮社区志愿服务队" in text
    assert "欧**兰" in text
    assert "7.00 hours" in text
    assert certificate.issued_on.isoformat() in text
    for secret in (
        "欧阳秀兰",
        with_hours.registration_number or "-",
        certificate.document_masked,
        with_hours.document_number,
        "社区读书会",
    ):
        assert secret not in text


def test_a_revoked_certificate_shows_as_revoked(
    certificate: Certificate, team_leader: User
) -> None:
    services.revoke_certificate(certificate, actor=team_leader, reason="时段写错")
    text = english(Client()).get("/verify/", {"number": certificate.number}).content.decode()
    assert "Revoked" in text
    assert "Genuine and valid" not in text
    assert "时段写错" not in text


@pytest.mark.parametrize(
    "number",
    ["ZY2026-AAAA-AAAA-AAAA", "nonsense", "430602199001010435", "ZY2026-0000-0000-0000", "%00"],
)
def test_every_malformed_or_unknown_number_gets_the_same_page(
    certificate: Certificate, number: str
) -> None:
    reference = english(Client()).get("/verify/", {"number": "ZY2026-2222-2222-2222"})
    by_query = english(Client()).get("/verify/", {"number": number})
    assert by_query.status_code == reference.status_code == 200
    assert _without_tokens(by_query.content.decode()) == _without_tokens(reference.content.decode())
    assert "Not found" in reference.content.decode()
    if number.isalnum() or "-" in number:
        by_path = english(Client()).get(f"/verify/{number}/")
        assert _without_tokens(by_path.content.decode()) == _without_tokens(
            reference.content.decode()
        )


def test_a_certificate_altered_in_the_database_is_not_found(certificate: Certificate) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(minutes=6000)
    reference = english(Client()).get("/verify/", {"number": "ZY2026-2222-2222-2222"})
    altered = english(Client()).get(f"/verify/{certificate.number}/")
    assert _without_tokens(altered.content.decode()) == _without_tokens(reference.content.decode())


def test_a_revoked_certificate_set_back_to_valid_gets_the_unknown_numbers_page(
    certificate: Certificate, team_leader: User
) -> None:
    services.revoke_certificate(certificate, actor=team_leader, reason="时段写错")
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.VALID, revoked_at=None, revoked_by=None, revocation_reason=""
    )
    reference = english(Client()).get("/verify/", {"number": "ZY2026-2222-2222-2222"})
    tampered = english(Client()).get(f"/verify/{certificate.number}/")
    by_query = english(Client()).get("/verify/", {"number": certificate.number})
    for page in (tampered, by_query):
        assert page.status_code == 200
        assert _without_tokens(page.content.decode()) == _without_tokens(reference.content.decode())
    assert "Not found" in tampered.content.decode()


def test_the_check_is_limited_per_address(certificate: Certificate) -> None:
    limit = int(VerificationThrottle.rate.split("/")[0])
    client = english(Client())
    for _ in range(limit):
        assert client.get("/verify/", {"number": certificate.number}).status_code == 200
    stopped = client.get(f"/verify/{certificate.number}/")
    assert stopped.status_code == 429
    assert "Too many checks from your network" in stopped.content.decode()
    assert "verdict" not in stopped.content.decode()
    # the empty form is no check
    assert client.get("/verify/").status_code == 200


def test_the_office_list_reads_a_fixed_number_of_queries(
    with_hours: Volunteer,
    team_leader: User,
    street_admin: User,
    login: Callable[[User], Client],
    org: Callable[[str], Organization],
) -> None:
    """As many queries for one certificate as for six (the page's shell reads its own)."""
    client = login(street_admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/certificates/").status_code == 200
        return len(captured)

    services.issue_certificate(with_hours, issuer=org(TEAM), actor=team_leader)
    client.get("/certificates/")
    one = queries()
    for _ in range(5):
        services.issue_certificate(with_hours, issuer=org(TEAM), actor=team_leader)
    assert queries() == one
