"""Attachment 2 (the allocation table, xlsx and PDF) and Attachment 4 (the registration form,
PDF) as documents: exact content, masking, rare characters in names."""

import logging
import shutil
import subprocess
from datetime import date
from io import BytesIO

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from PIL import Image

from tests.factories import RegistrationBodyFactory
from tests.volunteers.people import STATION, synthetic_mobile
from zhiyuan.common import pdf
from zhiyuan.common.masking import mask_document, mask_phone
from zhiyuan.volunteers import documents
from zhiyuan.volunteers.allocation import allocation_table

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 29)
YEAR = timezone.localdate().year
WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


@pytest.fixture(autouse=True)
def fonts(settings):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing (apt-get install poppler-utils)")
    pdf.forget_fonts()
    yield
    pdf.forget_fonts()


def pdf_text(content: bytes, tmp_path, *, layout: bool = False) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    options = ["-layout"] if layout else []
    result = subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def squeezed(text: str) -> str:
    """The text without line breaks and spaces (table cells wrap)."""
    return "".join(text.split())


def needs_chinese(msgid: str) -> str:
    """The Chinese of `msgid` (the catalogue is complete: scripts/check-messages)."""
    with translation.override("zh-hans"):
        chinese = translation.gettext(msgid)
    assert chinese != msgid, f"no Chinese translation of {msgid!r}"
    return chinese


# --- Attachment 4 -------------------------------------------------------------------------


@pytest.fixture
def rare_name(registrar, registered):
    return registered(
        registrar,
        name="䶮·阿卜杜",
        birth="19880412",
        male=False,
        work_unit_name="岳阳市第一中学",
        occupation="教师",
        email="yan@example.com",
        home_division="430602001001",
        address_detail="洞庭南路 8 号",
        emergency_contact_name="阿卜杜·热合曼",
        emergency_contact_phone=synthetic_mobile(),
        skills=["first_aid", "teaching"],
        available_times=["weekend", "holidays"],
    )


def test_the_form_prints_a_rare_name_and_masks_the_id_and_phones(rare_name, tmp_path) -> None:
    with translation.override("en"):
        content = documents.registration_form_pdf(rare_name)
    text = pdf_text(content, tmp_path)
    flat = squeezed(text)
    assert "䶮·阿卜杜" in flat
    assert mask_document(rare_name.document_number) in flat
    assert mask_phone(rare_name.mobile) in flat
    assert mask_phone(rare_name.emergency_contact_phone) in flat
    for secret in (
        rare_name.document_number,
        rare_name.document_number[6:14],  # the birth-date digits of the ID
        rare_name.mobile,
        rare_name.emergency_contact_phone,
    ):
        assert secret not in flat
    for value in (
        "Attachment4",
        "Registrationformofaregisteredvolunteer",
        "Personaldetails",
        "湖南省岳阳市岳阳楼区岳阳楼街道郭亮社区",
        "洞庭南路8号",
        "岳阳市第一中学",
        "教师",
        "yan@example.com",
        "Firstaid、Teachingandtutoring",
        "Weekends、Publicholidays",
        "Communityservice",
        "阿卜杜·热合曼",
        rare_name.registration_number,
        "岳阳楼街道志愿服务中心",
        "Inperson,recordedbyaregistrar",
        "Adult",
        "(version2026-1)",
        "Signatureofthevolunteer:",
        "Registrationbody(seal):",
        "IDnumbersandphonenumbersarepartlyhidden.",
        "Page1of1",
    ):
        assert value in flat, value
    assert "Female" in text and "1988-04-12" in text


def test_the_form_has_the_chinese_labels_of_the_paper_form(rare_name, tmp_path) -> None:
    title = needs_chinese("Registration form of a registered volunteer")
    text = squeezed(pdf_text(documents.registration_form_pdf(rare_name), tmp_path))
    assert title == "注册志愿者登记表"
    for label in (
        "附件4注册志愿者登记表个人基本信息姓名䶮·阿卜杜性别",
        "出生日期1988-04-12民族",
        "证件号码",
        "手机号",
        "注册编号",
        "注册机构岳阳楼街道志愿服务中心",
        "本人签名：",
        "注册机构（盖章）：",
        "证件号码和电话号码已部分隐去。",
    ):
        assert label in text, label
    assert "䶮·阿卜杜" in text
    assert mask_document(rare_name.document_number) in text
    assert rare_name.document_number not in text


def test_a_revealed_form_shows_the_full_values(rare_name, tmp_path) -> None:
    with translation.override("en"):
        text = squeezed(pdf_text(documents.registration_form_pdf(rare_name, reveal=True), tmp_path))
    assert rare_name.document_number in text
    assert rare_name.mobile in text
    assert "partlyhidden" not in text


def test_a_minor_form_shows_the_guardian_with_the_mobile_masked(
    registrar, tmp_path, registered
) -> None:
    guardian_mobile = synthetic_mobile()
    minor = registered(
        registrar,
        name="李小明",
        birth="20110301",
        age_basis="guardian_consent",
        guardian_name="李大明",
        guardian_relation="父亲",
        guardian_mobile=guardian_mobile,
    )
    with translation.override("en"):
        text = squeezed(pdf_text(documents.registration_form_pdf(minor), tmp_path))
    assert "Aged14–17,withtheguardian'sconsent" in text
    for value in (
        "Guardian",
        "李大明",
        "Relation",
        "父亲",
        "Guardian'smobile",
        mask_phone(guardian_mobile),
        "Signatureofthevolunteerandtheguardian:",
    ):
        assert value in text, value
    assert guardian_mobile not in text


def test_an_adult_form_has_no_guardian_row(rare_name, tmp_path) -> None:
    with translation.override("en"):
        text = squeezed(pdf_text(documents.registration_form_pdf(rare_name), tmp_path))
    assert "Guardian" not in text and "guardian:" not in text


def test_the_photo_goes_into_the_photo_box(rare_name, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        without = documents.registration_form_pdf(rare_name)
        image = BytesIO()
        Image.new("RGB", (250, 350), (200, 40, 40)).save(image, format="PNG")
        rare_name.photo.save("photo.png", ContentFile(image.getvalue()))
        with_photo = documents.registration_form_pdf(rare_name)
    assert b"/Subtype /Image" not in without
    assert "Photo" in pdf_text(without, tmp_path)
    assert b"/Subtype /Image" in with_photo
    assert "Photo" not in pdf_text(with_photo, tmp_path)


def test_a_missing_photo_file_leaves_the_box_empty(rare_name, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    rare_name.photo.name = "volunteer-photos/2026/gone.png"
    with translation.override("en"):
        content = documents.registration_form_pdf(rare_name)
    assert b"/Subtype /Image" not in content
    assert "Photo" in pdf_text(content, tmp_path)


def test_a_missing_configured_font_is_named(rare_name, settings, tmp_path) -> None:
    settings.PDF_FONT_PATH = str(tmp_path / "missing.ttf")
    with translation.override("en"), pytest.raises(pdf.FontUnavailable, match="PDF_FONT_PATH"):
        documents.registration_form_pdf(rare_name)


@pytest.fixture
def own_fonts_only(settings):
    """The fonts of a machine with no Chinese font package: the project's own only."""
    settings.PDF_FONT_PATH = ""
    settings.PDF_FALLBACK_FONT_PATH = ""
    settings.PDF_SYSTEM_FONTS = False


@pytest.mark.parametrize("name", ["阿依古丽·买买提", "王𠮷", "刘䶮"])
def test_held_names_print_exactly_on_the_form(
    name, own_fonts_only, registrar, registered, tmp_path, caplog
) -> None:
    volunteer = registered(registrar, name=name, birth="19900312")
    with caplog.at_level(logging.WARNING, logger="zhiyuan.common.pdf"):
        text = squeezed(pdf_text(documents.registration_form_pdf(volunteer), tmp_path))
    assert f"姓名{name}性别" in text
    assert caplog.records == []


def test_a_name_no_font_can_print_shows_the_mark_and_logs_the_code_point_only(
    own_fonts_only, registrar, registered, tmp_path, caplog
) -> None:
    # U+30000 (CJK Extension G) is a letter the name rules accept and no font of the chain has.
    volunteer = registered(registrar, name="王\U00030000", birth="19900312")
    with caplog.at_level(logging.WARNING, logger="zhiyuan.common.pdf"):
        text = squeezed(pdf_text(documents.registration_form_pdf(volunteer), tmp_path))
    assert "姓名王〓性别" in text
    assert [record.getMessage() for record in caplog.records] == [
        "No PDF font has the character U+30000; printed 〓 in its place."
    ]
    assert "王" not in caplog.text


# --- Attachment 2 -------------------------------------------------------------------------


def test_the_allocation_xlsx_has_title_header_and_one_text_code_row_per_body(
    city_admin, registrar, apply, registered
) -> None:
    registered(registrar)
    registered(registrar, through=STATION)
    apply(registrar)
    with translation.override("en"):
        content = documents.allocation_table_xlsx(
            allocation_table(city_admin, year=YEAR), year=YEAR, today=TODAY
        )
    sheet = openpyxl.load_workbook(BytesIO(content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert sheet.title == "Registration number allocation"
    assert rows[0][0] == "Registration number allocation table"
    assert "A1:H1" in {str(merged) for merged in sheet.merged_cells.ranges}
    assert rows[1][0] == f"Year: {YEAR} · Date: 2026-11-29"
    assert rows[2] == [
        "No.",
        "Body code",
        "Registration body",
        "Level",
        "Number format (example)",
        f"Numbers issued in {YEAR}",
        "Registered volunteers",
        "Registers through it (delegations)",
    ]
    yy = YEAR % 100
    assert [row[:4] for row in rows[3:]] == [
        [1, "4306001", "岳阳市志愿者协会", "City"],
        [2, "4306002", "岳阳楼区志愿者协会", "District"],
        [3, "4306003", "岳阳楼街道志愿服务中心", "Street / township"],
        [4, "4306004", "三眼桥街道志愿服务中心", "Street / township"],
        [5, "4306005", "云溪区志愿者协会", "District"],
        [6, "4306006", "长岭街道志愿服务中心", "Street / township"],
        [7, "4306007", "岳阳经济技术开发区志愿者协会", "District"],
        [8, "4306008", "经济技术开发区通海路管理处志愿服务中心", "Street / township"],
    ]
    assert rows[5][4:] == [f"4306003{yy:02d}000001", 2, 2, "郭亮社区志愿服务站（430602001001-ST）"]
    assert rows[3][4:] == [f"4306001{yy:02d}000001", 0, 0, ""]
    assert sheet["B4"].data_type == "s" and sheet["B4"].number_format == "@"


def test_the_allocation_table_holds_only_the_bodies_in_scope(
    street_admin, outsider, viewer, team_leader, nobody
) -> None:
    def codes(user) -> list[str]:
        return [row.body.code for row in allocation_table(user, year=YEAR)]

    assert codes(street_admin) == ["4306003"]
    assert codes(viewer) == ["4306003"]
    assert codes(outsider) == ["4306004"]
    assert codes(team_leader) == []
    assert codes(nobody) == []


def test_the_allocation_table_takes_a_constant_number_of_queries(
    city_admin, registrar, django_assert_max_num_queries, registered
) -> None:
    registered(registrar)
    # roles (scope), bodies, delegations, sequences, the city's policy (root, policy), counts,
    # policies
    with django_assert_max_num_queries(8):
        rows = allocation_table(city_admin, year=YEAR)
    assert len(rows) == 8


def test_the_allocation_pdf_lists_every_body_with_its_example_number(
    city_admin, registrar, tmp_path, registered
) -> None:
    registered(registrar)
    with translation.override("en"):
        content = documents.allocation_table_pdf(
            allocation_table(city_admin, year=YEAR), year=YEAR, today=TODAY
        )
    text = pdf_text(content, tmp_path, layout=True)
    flat = squeezed(pdf_text(content, tmp_path))
    yy = YEAR % 100
    assert "Attachment2" in flat
    assert "Registrationnumberallocationtable" in flat
    assert "Page1of1" in flat
    row = next(line for line in text.splitlines() if "4306003" in line).split()
    example = f"4306003{yy:02d}000001"
    assert row[:3] == ["3", "4306003", "岳阳楼街道志愿服务中心"]
    assert row[row.index(example) + 1 :][:2] == ["1", "1"]  # issued this year, registered
    for code in ("4306001", "4306002", "4306004", "4306005", "4306006", "4306007", "4306008"):
        assert code in flat
    assert "郭亮社区志愿服务站（430602001001-ST）" in flat


def test_the_allocation_pdf_prints_rare_characters_of_a_body_s_name(
    own_fonts_only, city_admin, tmp_path
) -> None:
    RegistrationBodyFactory(organization__name="𠮷祥䶮业有限公司志愿服务队")
    content = documents.allocation_table_pdf(
        allocation_table(city_admin, year=YEAR), year=YEAR, today=TODAY
    )
    assert "𠮷祥䶮业有限公司志愿服务队" in squeezed(pdf_text(content, tmp_path))


def test_the_allocation_pdf_title_is_the_attachment_s_chinese_name(city_admin, tmp_path) -> None:
    assert needs_chinese("Registration number allocation table") == "注册编号分配表"
    content = documents.allocation_table_pdf(
        allocation_table(city_admin, year=YEAR), year=YEAR, today=TODAY
    )
    assert "注册编号分配表" in squeezed(pdf_text(content, tmp_path))
