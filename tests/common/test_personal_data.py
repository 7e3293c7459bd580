"""No mobile number is kept or written in clear anywhere. The test first does what could leak
one (log-ins by mobile, a mistyped one, new accounts, invitations and reset codes by SMS
through the console backend and the database task queue, a contact phone, searches, a bulk
import), then searches every table as stored, the decoded sessions, the logs and printed
output, and the answers and exports for the numbers (pretalx: a leak test creates what
could leak first)."""

import logging
from collections.abc import Iterator

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from tests.conftest import PASSWORD
from zhiyuan.accounts.models import User
from zhiyuan.common.tasks import deliver_sms
from zhiyuan.organizations.models import Organization

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Numbers used by nothing else; the persona street_admin's is 13900000003.
LOGIN_MOBILE = "13900000003"
NEW_MOBILE = "13912340001"
CONTACT_PHONE = "13912340002"
CHANGED_MOBILE = "13912340003"
IMPORTED_MOBILE = "13912340004"
TYPO = "139123400055"
NUMBERS = [LOGIN_MOBILE, NEW_MOBILE, CONTACT_PHONE, CHANGED_MOBILE, IMPORTED_MOBILE, TYPO]


def _forms(number: str) -> list[str]:
    """A number as it could be written: whole, and its last eight digits (a masked number
    keeps only the first three and the last four)."""
    return [number, number[-8:]]


def _table_dump() -> Iterator[str]:
    """Every row of every table, as the database stores it."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    yield f"{table}: {value}"


def _activity(street_admin: User, bodies: list[str]) -> None:
    web = Client()
    web.post("/accounts/login/", {"identifier": TYPO, "password": "wrong-password-00"})
    web.post("/accounts/login/", {"identifier": LOGIN_MOBILE, "password": "wrong-password-00"})
    assert web.post("/accounts/login/", {"identifier": LOGIN_MOBILE, "password": PASSWORD})[
        "Location"
    ]
    app = Client()
    app.post(
        "/api/v1/auth/login/",
        {"identifier": LOGIN_MOBILE, "password": "wrong-password-00"},
        content_type="application/json",
    )
    token = app.post(
        "/api/v1/auth/login/",
        {"identifier": LOGIN_MOBILE, "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    new = {
        "name": "钱新人",
        "username": "qian_new",
        "mobile": NEW_MOBILE,
        "organization": "430602001001-ST",
        "kind": "viewer",
        "send_invitation": "on",
    }
    assert web.post("/accounts/users/new/", new).status_code == 200
    centre = Organization.objects.get(code="430602001-SC")
    edit = {"name": centre.name, "kind": centre.kind, "level": centre.level}
    web.post(f"/organizations/{centre.pk}/edit/", {**edit, "contact_phone": CONTACT_PHONE})
    found = web.post("/accounts/users/", {"q": NEW_MOBILE})
    bodies.append(found["Location"])  # the page itself shows the number typed, in its box
    assert "钱新人" in web.get(found["Location"]).content.decode()
    qian = User.objects.get(username="qian_new")
    api.patch(
        f"/api/v1/accounts/{qian.pk}/", {"mobile": CHANGED_MOBILE}, content_type="application/json"
    )
    sheet = f"姓名,用户名,手机号,组织代码,角色\r\n孙导入,sun_import,{IMPORTED_MOBILE},430602001-SC,viewer"
    upload = SimpleUploadedFile("accounts.csv", sheet.encode())
    assert web.post("/accounts/users/import/", {"file": upload}).status_code == 200
    reset = Client()
    reset.post("/accounts/password-reset/", {"mobile": LOGIN_MOBILE})
    reset.post("/accounts/password-reset/code/", {"mobile": LOGIN_MOBILE, "code": "000000"})
    for url in (
        "/api/v1/accounts/",
        f"/api/v1/accounts/{qian.pk}/",
        f"/api/v1/organizations/{centre.pk}/",
        "/api/v1/audit/",
        "/api/v1/me/",
    ):
        bodies.append(api.get(url).content.decode())
    for url in ("/audit/", f"/organizations/{centre.pk}/", f"/accounts/users/{qian.pk}/"):
        bodies.append(web.get(url).content.decode())
    bodies.append(web.get("/organizations/chart/data/", HTTP_ACCEPT_ENCODING="").content.decode())


@override_settings(TASKS=DATABASE_TASKS, SMS_BACKEND="zhiyuan.common.sms.ConsoleSmsBackend")
def test_no_mobile_number_is_stored_logged_or_shown_in_clear(
    street_admin: User, caplog, capsys, django_capture_on_commit_callbacks
) -> None:
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []
    with django_capture_on_commit_callbacks(execute=True):
        _activity(street_admin, bodies)
    queued = DBTaskResult.objects.all()
    assert queued.count() == 3  # the invitation, the imported account's, the reset code
    for task in queued:  # as the worker would (it closes connections: not inside a test)
        deliver_sms.call(*task.args_kwargs["args"], **task.args_kwargs["kwargs"])
    printed = capsys.readouterr()
    assert "[SMS] to 139****0001 account_invitation" in printed.out  # the SMS really went out
    sessions = [str(session.get_decoded()) for session in Session.objects.all()]
    haystacks = {
        "tables": "\n".join(_table_dump()),
        "sessions": "\n".join(sessions),
        "logs": caplog.text,
        "printed": printed.out + printed.err,
        "answers and exports": "\n".join(bodies),
    }
    assert User.objects.filter(username__in=["qian_new", "sun_import"]).count() == 2
    leaks = [
        (where, form)
        for where, text in haystacks.items()
        for number in NUMBERS
        for form in _forms(number)
        if form in text
    ]
    assert leaks == []
