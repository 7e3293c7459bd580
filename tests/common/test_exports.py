"""Large exports (`common.exports`): built in the background with their progress, sealed at rest,
downloadable by their requester only while the link lasts, every download audited, files and
records deleted by the periodic jobs. The producer here is a small one registered by the test;
the ledger's own are tested in tests/volunteers/test_export_background.py."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import TextField
from django.db.models.functions import Cast
from django.test import Client
from django.utils import timezone, translation

from zhiyuan.accounts.models import User
from zhiyuan.common import exports
from zhiyuan.common.enums import ExportStatus
from zhiyuan.common.export_requests import request_export
from zhiyuan.common.models import AuditEntry, Export
from zhiyuan.common.periodic import run_jobs

pytestmark = pytest.mark.django_db
SAMPLE = "common.sample"
CONTENT = "第一行\n第二行\n".encode()
seen_progress: list[int] = []


@exports.exporter(SAMPLE)
def sample(export: Export, progress: exports.Progress) -> exports.ExportFile:
    """Rows 1..rows, reporting each; "refuse" or "break" in the params make it fail."""
    params = exports.export_params(export)
    if params.get("refuse"):
        raise PermissionDenied
    if params.get("break"):
        raise RuntimeError("broken")
    for done in range(1, params["rows"] + 1):
        progress(done)
        seen_progress.append(Export.objects.get(pk=export.pk).rows_done)
    name = translation.gettext("Volunteer ledger") + ".txt"
    return exports.ExportFile(CONTENT, name, "text/plain", params["rows"])


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Iterator[Path]:
    settings.MEDIA_ROOT = tmp_path
    seen_progress.clear()
    yield tmp_path


def made(user: User, *, rows: int = 3, **params: object) -> Export:
    return request_export(
        SAMPLE,
        actor=user,
        title="样例",
        params={"rows": rows, **params},
        rows=rows,
        in_process=True,
    )


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_an_export_is_written_sealed_and_done(registrar: User, media: Path) -> None:
    export = made(registrar)
    assert (export.status, export.rows_total, export.rows_done) == (ExportStatus.DONE, 3, 3)
    assert export.file_name == "志愿者台账.txt"  # in the requester's language (zh-hans)
    assert export.expires_at == export.finished_at + timedelta(hours=24)
    [path] = stored_files(media)
    raw = path.read_bytes()
    assert raw.startswith(b"g:t1:")  # sealed with the field key, never in clear
    assert CONTENT not in raw and "第一行".encode() not in raw
    sealed = Export.objects.annotate(raw=Cast("params", TextField())).get(pk=export.pk).raw
    assert sealed.startswith("g:t1:") and "rows" not in sealed  # the params too
    assert exports.export_params(Export.objects.get(pk=export.pk)) == {"rows": 3}


def test_the_producer_runs_in_the_requesters_language(registrar: User) -> None:
    with translation.override("en"):
        export = made(registrar)
    assert export.language == "en"
    assert export.file_name == "Volunteer ledger.txt"


def test_progress_is_written_every_so_many_rows(registrar: User, monkeypatch) -> None:
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    made(registrar, rows=5)
    assert seen_progress == [0, 2, 2, 4, 4]


def test_a_queued_export_is_built_once(registrar: User) -> None:
    export = made(registrar)
    again = exports.build_export(export)
    assert again.status == ExportStatus.DONE
    assert exports.build_export(Export.objects.get(pk=export.pk)).finished_at == export.finished_at


def test_a_refused_export_fails_with_why(registrar: User) -> None:
    export = made(registrar, refuse=True)
    assert (export.status, export.error) == (ExportStatus.FAILED, exports.REFUSED)
    with translation.override("en"):
        assert exports.failure_text(export) == (
            "Your roles no longer allow this export, or its request was refused."
        )
    assert not export.file


def test_a_broken_producer_fails_the_export_and_raises(registrar: User) -> None:
    with pytest.raises(RuntimeError):
        made(registrar, **{"break": True})
    export = Export.objects.get(requested_by=registrar)
    assert (export.status, export.error) == (ExportStatus.FAILED, exports.BROKEN)


def test_an_unknown_kind_is_refused_before_anything_is_recorded(registrar: User) -> None:
    with pytest.raises(LookupError):
        request_export("common.nothing", actor=registrar, title="x", params={}, rows=1)
    assert not Export.objects.exists()


def test_only_the_requester_has_the_export(registrar: User, city_admin: User, staff: User) -> None:
    export = made(registrar)
    assert list(exports.mine(registrar)) == [export]
    assert list(exports.mine(city_admin)) == list(exports.mine(staff)) == []
    with pytest.raises(Export.DoesNotExist):
        exports.download_export(export, actor=city_admin)
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()


def test_a_download_gives_the_file_and_is_audited(registrar: User) -> None:
    export = made(registrar)
    file = exports.download_export(export, actor=registrar)
    assert (file.content, file.name, file.content_type) == (CONTENT, "志愿者台账.txt", "text/plain")
    [entry] = AuditEntry.objects.filter(action="export.downloaded")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        registrar,
        "common.export",
        str(export.pk),
    )
    assert entry.data == {"export_file": "志愿者台账.txt"}


def test_an_expired_link_refuses_saying_when_and_what_to_do(registrar: User) -> None:
    export = made(registrar)
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    export.refresh_from_db()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        exports.download_export(export, actor=registrar)
    assert refused.value.code == "expired"
    when = timezone.localtime(export.expires_at).strftime("%Y-%m-%d %H:%M")
    assert refused.value.messages == [
        f"This download link expired at {when} and the file was deleted: it held personal "
        "data. Export again to get a new one."
    ]
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()


def test_an_export_not_ready_is_not_downloaded(registrar: User) -> None:
    export = Export.objects.create(requested_by=registrar, kind=SAMPLE, title="样例")
    with pytest.raises(ValidationError) as refused:
        exports.download_export(export, actor=registrar)
    assert refused.value.code == "not_ready"


def test_the_job_deletes_expired_files_then_old_records(
    registrar: User, media: Path, settings
) -> None:
    settings.EXPORT_LINK_HOURS = 24
    settings.EXPORT_RETENTION_DAYS = 7
    export = made(registrar)
    [path] = stored_files(media)
    assert run_jobs(["purge_exports"]) == {"purge_exports": "ok"}
    assert path.exists()  # the link still lasts
    day_later = timezone.now() + timedelta(hours=24, seconds=1)
    assert exports.purge_exports(now=day_later) == (1, 0)
    assert not path.exists()
    export.refresh_from_db()
    assert (export.file.name, export.status) == ("", ExportStatus.DONE)
    assert export.is_expired(day_later)
    assert exports.purge_exports(now=day_later) == (0, 0)
    week_later = export.requested_at + timedelta(days=7, seconds=1)
    assert exports.purge_exports(now=week_later) == (0, 1)
    assert not Export.objects.filter(pk=export.pk).exists()


def test_after_retention_the_job_removes_the_file_and_the_record(
    registrar: User, media: Path
) -> None:
    export = made(registrar)
    long_ago = timezone.now() - timedelta(days=8)
    Export.objects.filter(pk=export.pk).update(requested_at=long_ago, expires_at=long_ago)
    assert run_jobs(["purge_exports"]) == {"purge_exports": "ok"}
    assert stored_files(media) == []
    assert not Export.objects.filter(pk=export.pk).exists()


def test_an_export_left_running_by_a_dead_worker_fails(registrar: User) -> None:
    old = timezone.now() - timedelta(minutes=16)
    stalled = Export.objects.create(
        requested_by=registrar, kind=SAMPLE, title="样例", status="running", heartbeat_at=old
    )
    alive = Export.objects.create(
        requested_by=registrar,
        kind=SAMPLE,
        title="样例",
        status="running",
        heartbeat_at=timezone.now(),
    )
    assert run_jobs(["fail_stalled_exports"]) == {"fail_stalled_exports": "ok"}
    stalled.refresh_from_db()
    alive.refresh_from_db()
    assert (stalled.status, stalled.error) == (ExportStatus.FAILED, exports.STALLED)
    assert alive.status == ExportStatus.RUNNING


# --- "my exports" -----------------------------------------------------------------------------


def test_my_exports_lists_mine_only(
    login: Callable[[User], Client], registrar: User, city_admin: User
) -> None:
    mine = made(registrar)
    made(city_admin)
    page = login(registrar).get("/exports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count(f"/exports/{mine.pk}/download/") == 1
    assert html.count("/download/") == 1
    assert 'class="badge export-done"' in html
    assert "hx-get" not in html  # nothing to follow


def test_my_exports_follows_a_running_export(
    login: Callable[[User], Client], registrar: User
) -> None:
    Export.objects.create(
        requested_by=registrar, kind=SAMPLE, title="样例", status="running", rows_total=8000
    )
    Export.objects.filter(requested_by=registrar).update(rows_done=2000)
    client = login(registrar)
    client.cookies["django_language"] = "en"
    html = client.get("/exports/").content.decode()
    assert 'hx-get="/exports/" hx-trigger="every 2s"' in html
    assert '<progress max="100" value="25">25 %</progress> 2000 of 8000 rows' in html
    assert 'class="badge export-running">Being prepared<' in html
    partial = client.get("/exports/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="exports"')
    assert "<html" not in partial
    assert "2000 of 8000 rows" in partial


def test_the_download_page_gives_the_file_to_the_requester_only(
    login: Callable[[User], Client], registrar: User, city_admin: User, staff: User
) -> None:
    export = made(registrar)
    url = f"/exports/{export.pk}/download/"
    for other in (city_admin, staff):
        assert login(other).get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()
    response = login(registrar).get(url)
    assert response.status_code == 200
    assert response.content == CONTENT
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert AuditEntry.objects.filter(action="export.downloaded", actor=registrar).count() == 1


def test_an_expired_link_answers_410_with_the_message(
    login: Callable[[User], Client], registrar: User
) -> None:
    export = made(registrar)
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    client = login(registrar)
    client.cookies["django_language"] = "en"
    response = client.get(f"/exports/{export.pk}/download/")
    assert response.status_code == 410
    assert "This download link expired at" in response.content.decode()
    assert "Export again to get a new one." in response.content.decode()
    listing = client.get("/exports/").content.decode()
    assert "Link expired" in listing
    assert f"/exports/{export.pk}/download/" not in listing


def test_anonymous_visitors_are_sent_to_log_in(client: Client, registrar: User) -> None:
    export = made(registrar)
    for url in ("/exports/", f"/exports/{export.pk}/download/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
