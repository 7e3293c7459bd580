"""No full ID number or phone of a volunteer is stored, logged, exported or shown in clear
(issue: "a test dumps the database, the logs and an export and finds no full ID number or
phone in clear text"). The test first does what could leak one — self-registration on the
public page, confirmation by code, registration by a registrar on the web and over the API,
look-ups by ID number and mobile, a mistyped ID, a correction, a minor with a guardian's
mobile, the volunteer's log-in by mobile, a revealed value with its reason, the masked
export, the Attachment 4 PDF — then searches every table as stored, the decoded sessions,
the logs and printed output, the answers, the export and the PDF's text."""

import io
import logging
import shutil
import subprocess
import zipfile

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from tests.common.test_personal_data import _table_dump
from tests.volunteers.people import synthetic_id
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.sms import OutboxSmsBackend
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

SELF_ID = synthetic_id("19830517", male=False)
DESK_ID = synthetic_id("19710923")
API_ID = synthetic_id("19941102")
MINOR_ID = synthetic_id("20110401", male=False)
IDS = [SELF_ID, DESK_ID, API_ID, MINOR_ID]
SELF_MOBILE = "13786421357"
DESK_MOBILE = "13786421358"
API_MOBILE = "13786421359"
MINOR_MOBILE = "13786421360"
GUARDIAN_MOBILE = "13786421361"
EMERGENCY_PHONE = "13786421362"
PHONES = [SELF_MOBILE, DESK_MOBILE, API_MOBILE, MINOR_MOBILE, GUARDIAN_MOBILE, EMERGENCY_PHONE]


def _id_forms(number: str) -> list[str]:
    """An ID number as it could leak: whole, without its check character, lower-case x, and
    its last eight characters (the mask shows only the first two and last two)."""
    return [number, number[:17], number.lower(), number[-8:]]


def _phone_forms(number: str) -> list[str]:
    return [number, number[-8:]]


def _last_code() -> str:
    return OutboxSmsBackend.outbox[-1].params["code"]


def _xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
        )


def _pdf_text(content: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is needed to read the PDF's text")
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return result.stdout.decode()


def _activity(registrar: User, body, org, answers: list[str], own_screens: list[str], sent) -> None:
    centre = body("430602001-SC")
    point = f"{centre.pk}:{centre.organization_id}"
    person = {
        "point": point,
        "document_type": "resident_id",
        "political_status": "public",
        "age_basis": "adult",
        "consent": "on",
    }
    public = Client()
    # A mistyped ID first (its page shows the typed value back in its box: own screen).
    bad = public.post(
        "/join/",
        {
            **person,
            "name": "林自报",
            "document_number": SELF_ID[:-1] + ("1" if SELF_ID[-1] != "1" else "2"),
            "mobile": SELF_MOBILE,
        },
    )
    own_screens.append(bad.content.decode())
    answers.append(str(bad.context["form"].errors))
    with sent(execute=True):
        public.post(
            "/join/",
            {
                **person,
                "name": "林自报",
                "document_number": SELF_ID.lower(),
                "mobile": SELF_MOBILE,
                "emergency_contact_name": "林母",
                "emergency_contact_phone": EMERGENCY_PHONE,
            },
        )
    answers.append(public.post("/join/confirm/", {"code": _last_code()}).content.decode())
    answers.append(public.get("/join/done/").content.decode())

    desk = Client()
    desk.force_login(registrar)
    desk.post(
        "/volunteers/register/",
        {**person, "name": "郑柜台", "document_number": DESK_ID, "mobile": DESK_MOBILE},
    )
    desk.post(
        "/volunteers/register/",
        {
            **person,
            "name": "何小妹",
            "document_number": MINOR_ID,
            "mobile": MINOR_MOBILE,
            "age_basis": "guardian_consent",
            "guardian_name": "何父",
            "guardian_relation": "父亲",
            "guardian_mobile": GUARDIAN_MOBILE,
        },
    )
    minor = Volunteer.objects.get(name="何小妹")
    desk.post(f"/volunteers/{minor.pk}/confirm-in-person/", {"reason": "监护人陪同到场签字"})
    found = desk.post("/volunteers/", {"identity": DESK_ID})
    own_screens.append(found.content.decode())  # the search box may echo what was typed
    desk_volunteer = Volunteer.objects.get(name="郑柜台")
    desk.post(
        f"/volunteers/{desk_volunteer.pk}/correct/",
        {
            "name": "郑柜台",
            "document_type": "resident_id",
            "political_status": "party_member",
            "age_basis": "adult",
            "birth_date": "1971-09-23",
        },
    )
    revealed = desk.post(
        f"/volunteers/{desk_volunteer.pk}/reveal/",
        {"field": "document_number", "reason": "核对身份"},
    )
    own_screens.append(revealed.content.decode())  # shown once, on purpose, and logged

    token = (
        Client()
        .post(
            "/api/v1/auth/login/",
            {"identifier": "registrar", "password": "correct-horse-battery-9"},
            content_type="application/json",
        )
        .json()["token"]
    )
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    created = api.post(
        "/api/v1/volunteers/",
        {
            "body": centre.pk,
            "organization": centre.organization_id,
            "name": "钱接口",
            "document_type": "resident_id",
            "document_number": API_ID,
            "mobile": API_MOBILE,
            "consent": True,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    answers.append(created.content.decode())
    answers.append(
        api.post(
            "/api/v1/volunteers/lookup/",
            {"document_number": SELF_ID},
            content_type="application/json",
        ).content.decode()
    )
    answers.append(
        api.post(
            "/api/v1/volunteers/lookup/", {"mobile": API_MOBILE}, content_type="application/json"
        ).content.decode()
    )
    for volunteer in Volunteer.objects.all():
        answers.append(api.get(f"/api/v1/volunteers/{volunteer.pk}/").content.decode())
        answers.append(api.get(f"/api/v1/volunteers/{volunteer.pk}/history/").content.decode())
        answers.append(desk.get(f"/volunteers/{volunteer.pk}/").content.decode())
        pdf = desk.get(f"/volunteers/bodies/form/{volunteer.pk}.pdf")
        assert pdf["Content-Type"] == "application/pdf"
        answers.append(_pdf_text(pdf.content))
    answers.append(api.get("/api/v1/volunteers/").content.decode())
    answers.append(api.get("/api/v1/audit/").content.decode())
    for url in ("/volunteers/", "/volunteers/progress/", "/audit/", "/volunteers/bodies/"):
        answers.append(desk.get(url).content.decode())
    export = desk.get("/volunteers/bodies/export/ledger/")
    assert export.status_code == 200 and "郑柜台" in _xlsx_text(export.content)
    answers.append(_xlsx_text(export.content))

    me = Client()
    with sent(execute=True):
        code_page = me.post("/me/login/", {"mobile": SELF_MOBILE})
    answers.append(code_page.content.decode())
    ticket = code_page.context["form"]["ticket"].value()
    me.post("/me/code/", {"ticket": ticket, "code": _last_code()})
    answers.append(me.get("/me/").content.decode())


def test_no_id_number_or_phone_is_stored_logged_exported_or_shown_in_clear(
    registrar, body, org, caplog, capsys, django_capture_on_commit_callbacks
) -> None:
    caplog.set_level(logging.DEBUG)
    answers: list[str] = []
    own_screens: list[str] = []
    _activity(registrar, body, org, answers, own_screens, django_capture_on_commit_callbacks)
    # Everything the activity should have done, did happen.
    assert Volunteer.objects.filter(status="active").count() == 2  # self-confirmed, minor
    assert Volunteer.objects.count() == 4
    assert AuditEntry.objects.filter(action="volunteer.personal_data.viewed").count() == 1
    assert any(DESK_ID in screen for screen in own_screens)  # the reveal really showed it
    assert any("林自报" in text and "137****1357" in text for text in answers)  # at /me/
    printed = capsys.readouterr()
    haystacks = {
        "tables": "\n".join(_table_dump()),
        "sessions": "\n".join(str(s.get_decoded()) for s in Session.objects.all()),
        "logs": caplog.text,
        "printed": printed.out + printed.err,
        "answers, export and PDFs": "\n".join(answers),
    }
    leaks = [
        (where, form)
        for where, text in haystacks.items()
        for form in [f for n in IDS for f in _id_forms(n)]
        + [f for p in PHONES for f in _phone_forms(p)]
        if form in text
    ]
    assert leaks == []
