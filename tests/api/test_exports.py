"""Exports over the API: the ledger exported at once when small (201) or in the background when
large (202, then polled), masked or with full values; the export and its file for the requester
only (404 for anyone else, a city administrator included), 410 once the link expired, every
download audited."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from tests.volunteers.people import synthetic_mobile
from tests.volunteers.test_exports import HEADER, read
from zhiyuan.accounts.models import User
from zhiyuan.common.masking import mask_document, mask_phone
from zhiyuan.common.models import AuditEntry, Export
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db
START = "/api/v1/exports/ledger/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Iterator[Path]:
    settings.MEDIA_ROOT = tmp_path
    yield tmp_path


@pytest.fixture
def people(registrar, registered, apply) -> tuple[Volunteer, Volunteer]:
    return (
        registered(registrar, name="王芳", mobile=synthetic_mobile()),
        apply(registrar, name="李明"),
    )


def start(client: Client, **body: object) -> dict:
    response = client.post(START, body, content_type="application/json")
    assert response.status_code in (201, 202), response.content
    return {"status_code": response.status_code, **response.json()}


def test_a_small_ledger_is_written_at_once(
    api: Callable[[User], Client], registrar: User, people
) -> None:
    active, _applied = people
    client = api(registrar)
    answer = start(client)
    assert answer["status_code"] == 201
    export = Export.objects.get(pk=answer["id"])
    assert {k: answer[k] for k in ("kind", "status", "rows_total", "rows_done", "progress")} == {
        "kind": "volunteers.ledger",
        "status": "done",
        "rows_total": 2,
        "rows_done": 2,
        "progress": 100,
    }
    assert answer["download_url"] == f"/api/v1/exports/{export.pk}/download/"
    assert answer["file_name"] == f"Volunteer ledger-{timezone.localdate():%Y%m%d}.xlsx"
    assert answer["error"] == ""
    response = client.get(answer["download_url"], HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    rows = read(response.content)
    assert rows[0] == HEADER
    assert [row[1] for row in rows[1:]] == ["李明", "王芳"]
    assert rows[2][5:7] == [mask_document(active.document_number), mask_phone(active.mobile)]
    [entry] = AuditEntry.objects.filter(action="export.downloaded")
    assert (entry.actor, entry.origin, entry.object_id) == (registrar, "api", str(export.pk))


def test_a_large_ledger_is_queued_and_polled(
    api: Callable[[User], Client],
    registrar: User,
    people,
    settings,
    django_capture_on_commit_callbacks,
) -> None:
    settings.EXPORT_IMMEDIATE_ROWS = 1
    client = api(registrar)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = start(client, full=True, reason="活动保险", status="active")
    # active only: one row, at once
    assert (answer["status_code"], answer["status"], answer["rows_total"]) == (201, "done", 1)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = start(client, full=True, reason="活动保险")
    assert (answer["status_code"], answer["status"], answer["download_url"]) == (
        202,
        "queued",
        None,
    )
    assert client.get(f"/api/v1/exports/{answer['id']}/download/").status_code == 409
    for callback in queued:
        callback()
    polled = client.get(f"/api/v1/exports/{answer['id']}/").json()
    assert (polled["status"], polled["rows_done"], polled["progress"]) == ("done", 2, 100)
    rows = read(client.get(polled["download_url"]).content)
    active, applied = people
    assert [row[5:7] for row in rows[1:]] == [
        [applied.document_number, applied.mobile],
        [active.document_number, active.mobile],
    ]
    listed = client.get("/api/v1/exports/").json()
    assert [item["id"] for item in listed["results"]] == [answer["id"], answer["id"] - 1]


def test_an_export_is_nobody_elses(
    api: Callable[[User], Client], registrar: User, city_admin: User, staff: User, people
) -> None:
    answer = start(api(registrar))
    for other in (city_admin, staff):
        client = api(other)
        assert client.get(f"/api/v1/exports/{answer['id']}/").status_code == 404
        assert client.get(f"/api/v1/exports/{answer['id']}/download/").status_code == 404
        assert client.get("/api/v1/exports/").json()["results"] == []
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()


def test_an_expired_link_answers_410(
    api: Callable[[User], Client], registrar: User, people
) -> None:
    client = api(registrar)
    answer = start(client)
    expired = timezone.now() - timedelta(minutes=5)
    Export.objects.filter(pk=answer["id"]).update(expires_at=expired)
    response = client.get(f"/api/v1/exports/{answer['id']}/download/")
    assert response.status_code == 410
    when = timezone.localtime(expired).strftime("%Y-%m-%d %H:%M")
    assert response.json() == {
        "detail": f"This download link expired at {when} and the file was deleted: it held "
        "personal data. Export again to get a new one."
    }
    assert client.get(f"/api/v1/exports/{answer['id']}/").json()["download_url"] is None
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()


def test_full_values_need_a_reason_and_a_role(
    api: Callable[[User], Client], registrar: User, viewer: User, people
) -> None:
    refused = api(registrar).post(START, {"full": True}, content_type="application/json")
    assert refused.status_code == 400
    assert list(refused.json()) == ["reason"]
    denied = api(viewer).post(
        START, {"full": True, "reason": "保险"}, content_type="application/json"
    )
    assert denied.status_code == 403
    assert not Export.objects.exists()


def test_an_id_number_in_the_search_is_refused(
    api: Callable[[User], Client], registrar: User, people
) -> None:
    active, _applied = people
    response = api(registrar).post(
        START, {"q": active.document_number}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["q"]
    assert not Export.objects.exists()


def test_anonymous_callers_get_401(client: Client) -> None:
    assert client.post(START, {}, content_type="application/json").status_code == 401
    assert client.get("/api/v1/exports/").status_code == 401
