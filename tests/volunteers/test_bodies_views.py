"""Registration-body pages: Attachment 2 (page, xlsx, PDF), designating bodies, granting and
revoking delegations, and the registration form (Attachment 4) download; each scoped, with
denied-access tests (viewer, outsider, nobody).

The world (tests/conftest.py): bodies 4306001…4306008; 岳阳楼街道's centre is 4306003 and
郭亮社区's station registers for it; 三眼桥街道's centre (the outsider's) is 4306004.
"""

import shutil
import subprocess
from io import BytesIO
from urllib.parse import quote

import openpyxl
import pytest
from django.utils import timezone, translation

from zhiyuan.common import pdf
from zhiyuan.common.masking import mask_document
from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers.models import Delegation, RegistrationBody

pytestmark = pytest.mark.django_db
BODIES = "/volunteers/bodies/"
ALL_CODES = [f"430600{n}" for n in range(1, 9)]
YEAR = timezone.localdate().year


@pytest.fixture
def english(login):
    """`english(user)`: a logged-in client that asks for English pages."""

    def make(user):
        client = login(user)
        client.cookies["django_language"] = "en"
        return client

    return make


@pytest.fixture
def fonts_found_again():
    pdf.forget_fonts()
    yield
    pdf.forget_fonts()


def body_url(body: RegistrationBody) -> str:
    return f"{BODIES}{body.pk}/"


def codes_on(page: str) -> list[str]:
    return [code for code in ALL_CODES if f">{code}</a>" in page]


def pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing (apt-get install poppler-utils)")
    path = tmp_path / "download.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    )
    return "".join(result.stdout.split())


# --- Attachment 2 -------------------------------------------------------------------------


def test_the_city_sees_every_body_with_numbers_and_delegations(
    english, city_admin, registrar, registered
) -> None:
    registered(registrar)
    page = english(city_admin).get(BODIES).content.decode()
    assert codes_on(page) == ALL_CODES
    example = f"4306003{YEAR % 100:02d}000001"
    assert f'<td data-label="Number format (example)"><code>{example}</code></td>' in page
    assert f'<td data-label="Numbers issued in {YEAR}">1</td>' in page
    assert '<td data-label="Registered volunteers">1</td>' in page
    assert '郭亮社区志愿服务站 <span class="badge">430602001001-ST</span>' in page
    assert 'href="/volunteers/bodies/new/"' in page
    assert 'href="/volunteers/bodies/table.xlsx"' in page
    assert 'href="/volunteers/bodies/table.pdf"' in page


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("street_admin", ["4306003"]),
        ("viewer", ["4306003"]),
        ("outsider", ["4306004"]),
        ("district_admin", ["4306002", "4306003", "4306004"]),
        ("team_leader", []),
        ("nobody", []),
    ],
)
def test_the_table_holds_only_the_bodies_in_scope(
    english, request, persona: str, codes: list[str]
) -> None:
    page = english(request.getfixturevalue(persona)).get(BODIES).content.decode()
    assert codes_on(page) == codes
    if not codes:
        assert "No registration bodies in your area." in page


def test_only_administrators_are_offered_designation(english, viewer, registrar) -> None:
    for user in (viewer, registrar):
        response = english(user).get(BODIES)
        assert response.status_code == 200
        assert 'href="/volunteers/bodies/new/"' not in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client) -> None:
    for url in (BODIES, f"{BODIES}table.xlsx", f"{BODIES}table.pdf", f"{BODIES}new/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_page_takes_a_constant_number_of_queries(
    login, city_admin, django_assert_max_num_queries
) -> None:
    client = login(city_admin)
    # session, user, roles (scope), bodies, delegations, sequences, city policy (2), counts,
    # policies, administrator roles, the session save (3)
    with django_assert_max_num_queries(14):
        assert client.get(BODIES).status_code == 200


def test_the_xlsx_download_is_named_by_date_and_scoped(english, street_admin) -> None:
    response = english(street_admin).get(f"{BODIES}table.xlsx")
    name = f"Registration number allocation table-{timezone.localdate():%Y%m%d}.xlsx"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    rows = list(openpyxl.load_workbook(BytesIO(response.content)).active.values)
    assert rows[0][0] == "Registration number allocation table"
    assert [row[1] for row in rows[3:]] == ["4306003"]


@pytest.mark.parametrize(
    ("persona", "codes"),
    [("viewer", ["4306003"]), ("outsider", ["4306004"]), ("team_leader", []), ("nobody", [])],
)
def test_the_downloads_hold_only_the_bodies_in_scope(
    english, request, persona: str, codes: list[str], tmp_path
) -> None:
    client = english(request.getfixturevalue(persona))
    response = client.get(f"{BODIES}table.xlsx")
    rows = list(openpyxl.load_workbook(BytesIO(response.content)).active.values)
    assert [row[1] for row in rows[3:]] == codes
    text = pdf_text(client.get(f"{BODIES}table.pdf").content, tmp_path)
    assert [code for code in ALL_CODES if code in text] == codes
    if not codes:
        assert "Noregistrationbodiesinyourarea." in text


def test_the_chinese_file_name_is_encoded(login, street_admin) -> None:
    with translation.override("zh-hans"):
        title = translation.gettext("Registration number allocation table")
    assert title == "注册编号分配表"
    response = login(street_admin).get(f"{BODIES}table.pdf")
    name = f"注册编号分配表-{timezone.localdate():%Y%m%d}.pdf"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"


def test_the_pdf_download_holds_the_bodies_in_scope(english, outsider, tmp_path) -> None:
    response = english(outsider).get(f"{BODIES}table.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "4306004" in text and "三眼桥街道志愿服务中心" in text
    assert "4306003" not in text and "岳阳楼街道" not in text


def test_with_a_missing_configured_font_the_page_names_it(
    english, street_admin, settings, tmp_path, fonts_found_again
) -> None:
    settings.PDF_FONT_PATH = str(tmp_path / "missing.ttf")
    response = english(street_admin).get(f"{BODIES}table.pdf")
    assert response.status_code == 503
    page = response.content.decode()
    assert f"The PDF font file {tmp_path / 'missing.ttf'} does not exist." in page
    assert "PDF_FONT_PATH" in page
    assert codes_on(page) == ["4306003"]


# --- designating a body -------------------------------------------------------------------


def test_an_administrator_designates_a_team_of_their_area(english, street_admin, org) -> None:
    client = english(street_admin)
    form = client.get(f"{BODIES}new/").content.decode()
    assert '<option value="430602001-TM">' in form
    assert '<option value="430602001-SC">' not in form  # a body already
    assert '<option value="430602002-TM">' not in form  # another street's
    response = client.post(f"{BODIES}new/", {"organization": "430602001-TM", "code": "4306x31"})
    body = RegistrationBody.objects.get(organization=org("430602001-TM"))
    assert response.status_code == 302
    assert response["Location"] == body_url(body)
    assert (body.code, body.designated_by) == ("4306X31", street_admin)
    entry = AuditEntry.objects.get(action="registration_body.designated", object_id=str(body.pk))
    assert entry.actor == street_admin


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"organization": "430602001-TM", "code": "43-1"},
            "code",
            "A code is 2–12 capital letters or digits.",
        ),
        (
            {"organization": "430602001-TM", "code": "4306003"},
            "code",
            "Code 4306003 is taken or starts the same way; numbers would clash.",
        ),
        (
            {"organization": "430602001001-ST", "code": "4306X31"},
            "organization",
            "Registration bodies are associations, centres, units or teams.",
        ),
        (
            {"organization": "430602002-TM", "code": "4306X31"},
            "organization",
            "No active organisation with code 430602002-TM in the area you administer.",
        ),
    ],
)
def test_a_refused_designation_shows_the_reason_on_its_field(
    english, street_admin, data, field: str, message: str
) -> None:
    before = RegistrationBody.objects.count()
    response = english(street_admin).post(f"{BODIES}new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert RegistrationBody.objects.count() == before


@pytest.mark.parametrize("persona", ["viewer", "registrar", "team_leader", "nobody"])
def test_only_administrators_designate(english, request, persona: str) -> None:
    client = english(request.getfixturevalue(persona))
    before = RegistrationBody.objects.count()
    assert client.get(f"{BODIES}new/").status_code == 403
    data = {"organization": "430602001-TM", "code": "4306X31"}
    assert client.post(f"{BODIES}new/", data).status_code == 403
    assert RegistrationBody.objects.count() == before


# --- a body's page, delegations -----------------------------------------------------------


def test_the_body_page_shows_its_numbers_and_delegations(english, street_admin, body) -> None:
    centre = body("430602001-SC")
    delegation = centre.delegations.get()
    page = english(street_admin).get(body_url(centre)).content.decode()
    assert "<dd><code>4306003</code></dd>" in page
    assert f"<dd><code>4306003{YEAR % 100:02d}000001</code></dd>" in page
    assert "<td>郭亮社区志愿服务站</td><td>430602001001-ST</td>" in page
    assert f'href="/volunteers/bodies/delegations/{delegation.pk}/revoke/"' in page
    assert '<option value="430602001002-ST">' in page  # may be granted
    assert '<option value="430602001001-ST">' not in page  # has consent already


def test_a_viewer_sees_the_body_but_no_grant_or_revoke(english, viewer, body) -> None:
    page = english(viewer).get(body_url(body("430602001-SC"))).content.decode()
    assert "郭亮社区志愿服务站" in page
    assert "/revoke/" not in page
    assert "Grant consent to register" not in page


@pytest.mark.parametrize("persona", ["outsider", "team_leader", "nobody"])
def test_a_body_outside_the_scope_is_not_found(english, request, persona: str, body) -> None:
    response = english(request.getfixturevalue(persona)).get(body_url(body("430602001-SC")))
    assert response.status_code == 404


def test_an_administrator_grants_consent_to_a_station(english, street_admin, body, org) -> None:
    centre = body("430602001-SC")
    response = english(street_admin).post(
        f"{body_url(centre)}delegations/",
        {"organization": "430602001002-ST", "note": "书面同意 2026-7"},
    )
    assert response.status_code == 302
    assert response["Location"] == body_url(centre)
    delegation = centre.delegations.get(organization=org("430602001002-ST"))
    assert (delegation.note, delegation.granted_by, delegation.is_live) == (
        "书面同意 2026-7",
        street_admin,
        True,
    )
    assert AuditEntry.objects.filter(
        action="registration_body.delegation_granted", object_id=str(delegation.pk)
    ).exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "430602001001-ST",
            "No active organisation with code 430602001001-ST in the body's area that you "
            "administer, or it already has consent.",
        ),
        (
            "430602002001-ST",
            "No active organisation with code 430602002001-ST in the body's area that you "
            "administer, or it already has consent.",
        ),
        (
            "430602001-SC",
            "No active organisation with code 430602001-SC in the body's area that "
            "you administer, or it already has consent.",
        ),
    ],
)
def test_a_refused_grant_shows_the_reason(
    english, street_admin, body, code: str, message: str
) -> None:
    centre = body("430602001-SC")
    before = Delegation.objects.count()
    response = english(street_admin).post(f"{body_url(centre)}delegations/", {"organization": code})
    assert response.status_code == 400
    assert response.context["form"].errors == {"organization": [message]}
    assert Delegation.objects.count() == before


def test_consent_stays_inside_the_body_s_own_area(english, district_admin, body) -> None:
    """The district administrator covers the whole district, but a street centre's consent
    goes only to organisations of its own district (under its parent), as the service
    requires; another district's centre is not offered and is refused."""
    street = body("430602001-SC")
    response = english(district_admin).post(
        f"{body_url(street)}delegations/", {"organization": "430603001-SC"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "organization": [
            "No active organisation with code 430603001-SC in the body's area that you "
            "administer, or it already has consent."
        ]
    }


@pytest.mark.parametrize(
    ("persona", "status"), [("viewer", 403), ("registrar", 403), ("outsider", 404), ("nobody", 404)]
)
def test_only_the_body_s_administrators_grant(
    english, request, body, persona: str, status: int
) -> None:
    centre = body("430602001-SC")
    before = Delegation.objects.count()
    response = english(request.getfixturevalue(persona)).post(
        f"{body_url(centre)}delegations/", {"organization": "430602001002-ST"}
    )
    assert response.status_code == status
    assert Delegation.objects.count() == before


def test_revoking_asks_for_confirmation_then_revokes(english, street_admin, body) -> None:
    centre = body("430602001-SC")
    delegation = centre.delegations.get()
    url = f"{BODIES}delegations/{delegation.pk}/revoke/"
    client = english(street_admin)
    page = client.get(url).content.decode()
    assert (
        "郭亮社区志愿服务站 will no longer register volunteers for 岳阳楼街道志愿服务中心. "
        "Registrations already made through it stay."
    ) in page
    delegation.refresh_from_db()
    assert delegation.is_live
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == body_url(centre)
    delegation.refresh_from_db()
    assert (delegation.is_live, delegation.revoked_by) == (False, street_admin)
    page = client.get(body_url(centre)).content.decode()
    assert "No organisation registers for this body." in page
    assert "Revoked consents" in page
    again = client.post(url, follow=True)
    assert "This consent was already revoked." in again.content.decode()
    assert AuditEntry.objects.filter(action="registration_body.delegation_revoked").count() == 1


@pytest.mark.parametrize(
    ("persona", "status"), [("viewer", 403), ("registrar", 403), ("outsider", 404), ("nobody", 404)]
)
def test_only_the_body_s_administrators_revoke(
    english, request, body, persona: str, status: int
) -> None:
    delegation = body("430602001-SC").delegations.get()
    url = f"{BODIES}delegations/{delegation.pk}/revoke/"
    client = english(request.getfixturevalue(persona))
    assert client.get(url).status_code == status
    assert client.post(url).status_code == status
    delegation.refresh_from_db()
    assert delegation.is_live


# --- the registration form (Attachment 4) -------------------------------------------------


@pytest.fixture
def volunteer(registrar, registered):
    return registered(registrar, name="䶮·阿卜杜", birth="19880412")


def form_url(volunteer) -> str:
    return f"{BODIES}form/{volunteer.pk}.pdf"


def printed() -> list[dict]:
    return [e.data for e in AuditEntry.objects.filter(action="volunteer.form.printed")]


def test_a_registrar_prints_the_masked_form(english, registrar, volunteer, tmp_path) -> None:
    response = english(registrar).get(form_url(volunteer))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    name = f"Registration form of a registered volunteer-{volunteer.registration_number}.pdf"
    assert response["Content-Disposition"] == f'inline; filename="{name}"'
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content, tmp_path)
    assert "䶮·阿卜杜" in text
    assert mask_document(volunteer.document_number) in text
    assert volunteer.document_number not in text
    entry = AuditEntry.objects.get(action="volunteer.form.printed")
    assert (entry.actor, entry.object_id, entry.data) == (
        registrar,
        str(volunteer.pk),
        {"revealed": False},
    )


def test_a_viewer_prints_masked_but_may_not_reveal(english, viewer, volunteer) -> None:
    client = english(viewer)
    assert client.get(form_url(volunteer)).status_code == 200
    assert client.get(form_url(volunteer), {"reveal": "1"}).status_code == 403
    assert client.post(form_url(volunteer), {"reason": "核对"}).status_code == 403
    assert printed() == [{"revealed": False}]


@pytest.mark.parametrize("persona", ["outsider", "team_leader", "nobody"])
def test_another_area_s_form_is_not_found(english, request, persona: str, volunteer) -> None:
    client = english(request.getfixturevalue(persona))
    assert client.get(form_url(volunteer)).status_code == 404
    assert client.post(form_url(volunteer), {"reason": "核对"}).status_code == 404
    assert printed() == []


def test_revealing_asks_for_a_reason_and_logs_it(english, registrar, volunteer, tmp_path) -> None:
    client = english(registrar)
    page = client.get(form_url(volunteer), {"reveal": "1"})
    assert page.status_code == 200
    assert "The form is printed with the full ID number and phones." in page.content.decode()
    assert client.post(form_url(volunteer), {"reason": ""}).status_code == 400
    response = client.post(form_url(volunteer), {"reason": "签字存档"})
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert volunteer.document_number in text
    assert printed() == [{"revealed": True, "reason": "签字存档"}]


def test_with_a_missing_configured_font_the_form_names_it(
    english, registrar, volunteer, settings, tmp_path, fonts_found_again
) -> None:
    settings.PDF_FONT_PATH = str(tmp_path / "missing.ttf")
    response = english(registrar).get(form_url(volunteer))
    assert response.status_code == 503
    assert f"The PDF font file {tmp_path / 'missing.ttf'} does not exist." in (
        response.content.decode()
    )
    assert printed() == []
