"""The certificate's PDF (A4, the font embedded, what it states, the seal of its own issuer
only) and the seal's upload (an image told by its bytes, size-limited, encrypted at rest)."""

import shutil
import subprocess
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pdfplumber
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from zhiyuan.accounts.models import User
from zhiyuan.certificates import documents, services
from zhiyuan.certificates.models import Certificate, IssuerProfile
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

TEAM = "430602001001-TM"
ASSOCIATION = "430602-VA"
URL = "https://zhiyuan.example.cn/verify/"


def png(size: tuple[int, int] = (200, 200)) -> bytes:
    buffer = BytesIO()
    Image.new("RGBA", size, (200, 0, 0, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(data: bytes, name: str = "seal.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def text_of(content: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing (apt-get install poppler-utils)")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def render(certificate: Certificate) -> bytes:
    return documents.certificate_pdf(certificate, check_url=URL + certificate.number + "/")


@pytest.fixture
def certificate(
    with_hours: Volunteer, team_leader: User, org: Callable[[str], Organization]
) -> Certificate:
    return services.issue_certificate(
        with_hours, issuer=org(TEAM), actor=team_leader, per_activity=True
    )


def test_the_pdf_is_one_a4_page_with_the_font_embedded(
    certificate: Certificate, tmp_path: Path
) -> None:
    content = render(certificate)
    with pdfplumber.open(BytesIO(content)) as document:
        assert len(document.pages) == 1
        page = document.pages[0]
        assert (round(page.width), round(page.height)) == (595, 842)
        fonts = {char["fontname"] for char in page.chars}
    assert fonts and all("NotoSansCJK" in name for name in fonts), fonts
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts is missing (apt-get install poppler-utils)")
    path = tmp_path / "fonts.pdf"
    path.write_bytes(content)
    listed = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert listed
    assert all(line.split()[-5] == "yes" for line in listed), listed


def test_the_pdf_states_what_the_certificate_holds(
    certificate: Certificate, with_hours: Volunteer, tmp_path: Path
) -> None:
    with translation.override("en"):
        text = " ".join(text_of(render(certificate), tmp_path).split())
    assert "Certificate of volunteer service record" in text
    assert f"No. {certificate.number}" in text
    assert "欧阳秀兰" in text
    assert "Resident identity card" in text
    assert certificate.document_masked in text
    assert with_hours.document_number not in text
    assert (with_hours.registration_number or "-") in text
    assert "7.00 hours" in text
    assert "all records up to the date of issue" in text
    assert "社区读书会 2 4.50" in text
    assert "敬老院陪伴 1 2.50" in text
    assert "Issuer：郭亮社区志愿服务队" in text
    assert "Handler：刘队长" in text
    assert "Seal of the issuer" in text
    assert URL + certificate.number + "/" in text


def test_the_full_number_is_printed_only_when_asked(
    with_hours: Volunteer, org: Callable[[str], Organization], tmp_path: Path
) -> None:
    full = services.request_certificate(with_hours, issuer=org(TEAM), full_number=True)
    assert with_hours.document_number in text_of(render(full), tmp_path)


def test_the_pdf_carries_the_qr_code_of_the_check(certificate: Certificate) -> None:
    content = render(certificate)
    with pdfplumber.open(BytesIO(content)) as document:
        # the QR code is drawn as filled squares: many small rectangles
        squares = [r for r in document.pages[0].rects if r["width"] < 3]
    assert len(squares) > 100


def test_a_seal_is_stored_encrypted_and_printed_on_its_own_certificates_only(
    certificate: Certificate,
    with_hours: Volunteer,
    street_admin: User,
    district_admin: User,
    org: Callable[[str], Organization],
) -> None:
    profile = services.set_seal(org(TEAM), upload(png()), actor=street_admin)
    assert profile.seal_type == "image/png"
    raw = Path(profile.seal.path).read_bytes()
    assert not raw.startswith(b"\x89PNG")
    with profile.seal.open("rb") as file:
        assert file.read() == png()
    assert AuditEntry.objects.get(action="certificate.seal.uploaded").data == {
        "format": "PNG",
        "bytes": len(png()),
    }
    with pdfplumber.open(BytesIO(render(certificate))) as document:
        assert len(document.pages[0].images) == 1
    other = services.issue_certificate(with_hours, issuer=org(ASSOCIATION), actor=district_admin)
    with pdfplumber.open(BytesIO(render(other))) as document:
        assert document.pages[0].images == []


@pytest.mark.parametrize(
    "data, name",
    [
        (b"%PDF-1.4 not an image", "seal.pdf"),
        (b"GIF89a" + b"\x00" * 100, "seal.gif"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "seal.png"),
        (b"\x89PNG\r\n\x1a\n broken", "seal.png"),
        (b"", "seal.png"),
    ],
)
def test_a_seal_that_is_not_an_image_is_refused(
    data: bytes, name: str, street_admin: User, org: Callable[[str], Organization]
) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.set_seal(org(TEAM), upload(data, name), actor=street_admin)
    assert refused.value.message_dict == {
        "seal": ["Upload the seal as a PNG or JPEG image of at most 2 MB."]
    }
    assert not IssuerProfile.objects.exists()


def test_a_seal_over_the_limit_is_refused(
    street_admin: User, org: Callable[[str], Organization]
) -> None:
    big = png() + b"\x00" * services.SEAL_LIMIT
    with pytest.raises(ValidationError):
        services.set_seal(org(TEAM), upload(big), actor=street_admin)
    assert not IssuerProfile.objects.exists()


def test_only_the_organisations_administrators_set_its_seal(
    team_leader: User, outsider: User, org: Callable[[str], Organization]
) -> None:
    for actor in (team_leader, outsider):
        with pytest.raises(PermissionDenied):
            services.set_seal(org(TEAM), upload(png()), actor=actor)
    assert not IssuerProfile.objects.exists()


def test_a_new_seal_replaces_the_old_and_removing_it_leaves_the_box(
    certificate: Certificate, street_admin: User, org: Callable[[str], Organization]
) -> None:
    first = services.set_seal(org(TEAM), upload(png()), actor=street_admin)
    old_path = Path(first.seal.path)
    second = services.set_seal(org(TEAM), upload(png((300, 300))), actor=street_admin)
    assert second.pk == first.pk
    assert Path(second.seal.path) != old_path
    services.remove_seal(org(TEAM), actor=street_admin)
    with pdfplumber.open(BytesIO(render(certificate))) as document:
        assert document.pages[0].images == []
