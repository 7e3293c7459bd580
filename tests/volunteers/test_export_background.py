"""The ledger's export in the background (issue 10): a ledger of more than EXPORT_IMMEDIATE_ROWS
rows is queued, written by the task with the same content and rules as the immediate export,
and downloaded from "my exports" by its requester only. The immediate export's own tests are in
test_exports.py and hold unchanged."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone, translation

from tests.volunteers.people import OTHER_STREET, STATION, synthetic_mobile
from tests.volunteers.test_exports import EXPORTED, HEADER, masked_rows, read
from zhiyuan.accounts.models import Role, User
from zhiyuan.common import exports as common_exports
from zhiyuan.common.enums import ExportStatus, Origin
from zhiyuan.common.masking import mask_document
from zhiyuan.common.models import AuditEntry, Export
from zhiyuan.volunteers import exports, selectors
from zhiyuan.volunteers.export_requests import request_ledger_export
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db
URL = "/volunteers/bodies/export/ledger/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Iterator[Path]:
    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_IMMEDIATE_ROWS = 1  # two rows are a large ledger here
    yield tmp_path


@pytest.fixture
def mine(registrar, apply, registered) -> tuple[Volunteer, Volunteer]:
    """A registered volunteer of 岳阳楼街道 and an application through its station (as in
    test_exports.py), and one of another street that must not leak."""
    active = registered(
        registrar,
        name="王芳",
        birth="19900315",
        male=False,
        mobile=synthetic_mobile(),
        work_unit_name='=HYPERLINK("http://example.com")',
        political_status="league_member",
        skills=["first_aid", "teaching"],
        service_intentions=["community_service", "culture"],
    )
    applied = apply(registrar, through=STATION, name="䶮·阿卜杜", birth="19851130")
    return active, applied


@pytest.fixture
def theirs(outsider, registered) -> Volunteer:
    return registered(outsider, OTHER_STREET, name="赵外街")


def background(user: User, *, full: bool = False, reason: str = "", **filters: str) -> bytes:
    """The ledger exported in the background by `user` (in English), read back."""
    with translation.override("en"):
        wanted = selectors.LedgerFilter(**filters)
        export = request_ledger_export(
            user, wanted, full=full, reason=reason, rows=2, in_process=True
        )
        assert export.status == ExportStatus.DONE, export.error
        return common_exports.download_export(export, actor=user).content


def immediate(user: User, *, full: bool = False, reason: str = "") -> bytes:
    with translation.override("en"):
        queryset = exports.ordered_ledger(user, selectors.LedgerFilter())
        return exports.ledger_xlsx(user, queryset, full=full, reason=reason)


def test_a_background_export_holds_exactly_what_the_immediate_one_holds(
    registrar: User, mine, theirs
) -> None:
    active, applied = mine
    masked = read(background(registrar))
    assert masked == read(immediate(registrar))
    assert masked[0] == HEADER
    assert masked[1:] == masked_rows(
        active, applied, work_unit='\'=HYPERLINK("http://example.com")'
    )


def test_a_full_background_export_shows_what_the_roles_allow_and_logs_why(
    registrar: User, checker: User, mine
) -> None:
    active, applied = mine
    full = read(background(registrar, full=True, reason="活动保险"))
    assert full == read(immediate(registrar, full=True, reason="活动保险"))
    assert [row[5:7] for row in full[1:]] == [
        [applied.document_number, applied.mobile],
        [active.document_number, active.mobile],
    ]
    phones = read(background(checker, full=True, reason="抽查"))
    assert [row[5:7] for row in phones[1:]] == [
        [mask_document(applied.document_number), applied.mobile],
        [mask_document(active.document_number), active.mobile],
    ]
    entries = AuditEntry.objects.filter(action=EXPORTED, actor=registrar).order_by("pk")
    assert [entry.data for entry in entries] == [
        {"count": 2, "fields": ["document_number", "mobile"], "reason": "活动保险"}
    ] * 2


def test_the_filters_are_kept_with_the_export(registrar: User, mine, theirs) -> None:
    rows = read(background(registrar, status="active"))
    assert [row[1] for row in rows[1:]] == ["王芳"]
    street = mine[0].organization
    rows = read(background(registrar, organization=street))
    assert [row[1] for row in rows[1:]] == ["䶮·阿卜杜", "王芳"]


def test_a_role_lost_before_the_file_is_written_fails_the_export(
    registrar: User, mine, django_capture_on_commit_callbacks
) -> None:
    user = User.objects.create_user("temp_registrar", None, name="临时登记员")
    role = Role.objects.create(
        user=user, organization=registrar.roles.get().organization, kind="registrar"
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        export = request_ledger_export(
            user, selectors.LedgerFilter(), full=True, reason="核对", rows=2
        )
    assert export.status == ExportStatus.QUEUED
    role.delete()
    for callback in queued:
        callback()
    export.refresh_from_db()
    assert (export.status, export.error) == (ExportStatus.FAILED, common_exports.REFUSED)
    assert not export.file
    assert not AuditEntry.objects.filter(action=EXPORTED, actor=user).exists()


# --- the web pages ----------------------------------------------------------------------------


@pytest.fixture
def english(login) -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = login(user)
        client.cookies["django_language"] = "en"
        return client

    return make


def test_a_large_ledger_asks_before_it_is_prepared(english, registrar: User, mine) -> None:
    page = english(registrar).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "The ledger you chose holds 2 rows." in html
    assert '<input type="hidden" name="masked" value="1">' in html
    assert not Export.objects.exists()
    assert not AuditEntry.objects.filter(action=EXPORTED).exists()


def test_the_button_queues_a_large_export_and_my_exports_downloads_it(
    english,
    registrar: User,
    city_admin: User,
    mine,
    theirs,
    django_capture_on_commit_callbacks,
    settings,
) -> None:
    settings.EXPORT_IMMEDIATE_ROWS = 0
    client = english(registrar)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{URL}?status=active", {"masked": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/exports/"
    [export] = Export.objects.all()
    assert (export.requested_by, export.status, export.rows_total) == (
        registrar,
        ExportStatus.DONE,
        1,
    )
    [entry] = AuditEntry.objects.filter(action=EXPORTED)
    assert (entry.data, entry.origin) == ({"count": 1}, Origin.TASK)
    listing = client.get("/exports/").content.decode()
    assert "The export is being prepared: download it here." in listing
    assert f'<a href="/exports/{export.pk}/download/">' in listing
    name = f"Volunteer ledger-{timezone.localdate():%Y%m%d}.xlsx"
    assert name in listing
    assert english(city_admin).get(f"/exports/{export.pk}/download/").status_code == 404
    download = client.get(f"/exports/{export.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{name}"'
    assert [row[1] for row in read(download.content)[1:]] == ["王芳"]
    downloads = AuditEntry.objects.filter(action="export.downloaded")
    assert [(e.actor, e.origin, e.object_id) for e in downloads] == [
        (registrar, Origin.WEB, str(export.pk))
    ]


def test_a_large_full_export_asks_for_a_reason_then_queues(
    english, registrar: User, mine, django_capture_on_commit_callbacks
) -> None:
    active, applied = mine
    client = english(registrar)
    refused = client.post(URL, {"reason": ""})
    assert refused.status_code == 400
    assert not Export.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"reason": "活动保险"})
    assert response["Location"] == "/exports/"
    [export] = Export.objects.all()
    rows = read(client.get(f"/exports/{export.pk}/download/").content)
    assert [row[5:7] for row in rows[1:]] == [
        [applied.document_number, applied.mobile],
        [active.document_number, active.mobile],
    ]


def test_a_viewer_cannot_queue_full_values(english, viewer: User, mine) -> None:
    assert english(viewer).post(URL, {"reason": "保险"}).status_code == 403
    assert not Export.objects.exists()


def test_a_small_ledger_still_downloads_at_once(english, registrar: User, mine, settings) -> None:
    settings.EXPORT_IMMEDIATE_ROWS = 2
    response = english(registrar).post(URL, {"masked": "1"})
    assert response.status_code == 200
    assert [row[1] for row in read(response.content)[1:]] == ["䶮·阿卜杜", "王芳"]
    assert not Export.objects.exists()
