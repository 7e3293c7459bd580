"""The roster import's steps the web pages, the API and the command share: the imports in
scope, the import of a checked roster (queued or in process) and the downloads of its files."""

import io
from collections.abc import Iterator

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from tests.volunteers.rosters import person, roster_xlsx, uploaded
from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers import selectors
from zhiyuan.volunteers.enums import ImportMode, ImportStatus, RegistrationStatus
from zhiyuan.volunteers.imports import rows
from zhiyuan.volunteers.imports.check import check_roster
from zhiyuan.volunteers.imports.commit import WAITING, commit_roster
from zhiyuan.volunteers.imports.downloads import download_roster_file
from zhiyuan.volunteers.imports.files import XLSX, purge_expired_files
from zhiyuan.volunteers.models import RosterImport, Volunteer

pytestmark = pytest.mark.django_db
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def flawed_roster() -> bytes:
    """Two people: one right, one with a short mobile."""
    short = person(2, "李四", birth="19850505", male=False)
    short[4] = "1381111"
    return roster_xlsx([person(1, "张三"), short])


@pytest.fixture
def checked(registrar, body):
    """`checked(data=flawed_roster())`: a roster the registrar uploaded for 岳阳楼街道's centre,
    checked."""

    def make(data: bytes | None = None) -> RosterImport:
        roster_import = uploaded(registrar, body, flawed_roster() if data is None else data)
        return check_roster(roster_import)

    return make


def imported(roster_import: RosterImport) -> list[tuple[str, str]]:
    return list(
        Volunteer.objects.filter(roster_import=roster_import)
        .order_by("name")
        .values_list("name", "status")
    )


REASON = "核对导入结果"


def downloads(roster_import: RosterImport) -> list[tuple[str, dict]]:
    entries = AuditEntry.objects.filter(
        action="volunteer.roster.downloaded", object_id=str(roster_import.pk)
    ).order_by("pk")
    return [(entry.actor.username, entry.data) for entry in entries]


# --- the imports in scope --------------------------------------------------------------------


def test_the_imports_in_scope_are_newest_first_without_the_file(
    checked, registrar, city_admin, outsider, nobody
) -> None:
    first, second = checked(), checked()
    for user in (registrar, city_admin):
        assert list(selectors.roster_imports(user)) == [second, first]
    assert selectors.roster_imports(registrar).get(pk=first.pk).get_deferred_fields() == {"content"}
    for user in (outsider, nobody):
        assert list(selectors.roster_imports(user)) == []


# --- the import ------------------------------------------------------------------------------


def test_the_import_is_queued_and_imports_the_valid_rows(checked, registrar) -> None:
    roster_import = checked()
    result = commit_roster(roster_import, actor=registrar, mode=ImportMode.VALID_ONLY)
    assert result is not None
    assert result.status not in WAITING  # the immediate backend of the tests has run it
    assert result.return_value == ImportStatus.IMPORTED
    roster_import.refresh_from_db()
    assert (roster_import.status, roster_import.mode, roster_import.imported_count) == (
        ImportStatus.IMPORTED,
        ImportMode.VALID_ONLY,
        1,
    )
    assert imported(roster_import) == [("张三", RegistrationStatus.APPLIED)]


def test_a_queued_import_waits_for_a_worker(checked, registrar, settings) -> None:
    roster_import = checked()
    settings.TASKS = DUMMY_TASKS
    result = commit_roster(roster_import, actor=registrar, mode=ImportMode.ALL_OR_NOTHING)
    assert result is not None and result.status in WAITING
    assert result.args == [roster_import.pk, ImportMode.ALL_OR_NOTHING, registrar.pk]
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.CHECKED
    with pytest.raises(ValidationError) as again:
        commit_roster(roster_import, actor=registrar, mode="all", already_queued=True)
    assert (again.value.code, again.value.messages) == (
        "not_checked",
        ["Import a roster once its check has finished."],
    )


def test_only_registering_roles_for_the_point_may_import(
    checked, viewer, checker, outsider, nobody, settings
) -> None:
    roster_import = checked()
    settings.TASKS = DUMMY_TASKS  # nothing may be queued either
    for user in (viewer, checker, outsider, nobody):
        with pytest.raises(PermissionDenied) as denied:
            commit_roster(roster_import, actor=user, mode=ImportMode.VALID_ONLY)
        assert str(denied.value) == "You may not register volunteers for this body here.", user
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.CHECKED
    assert imported(roster_import) == []


def test_the_right_comes_before_the_mode_and_the_mode_before_the_status(
    checked, registrar, viewer
) -> None:
    roster_import = checked()
    with pytest.raises(PermissionDenied):
        commit_roster(roster_import, actor=viewer, mode="")
    with pytest.raises(ValidationError) as no_mode:
        commit_roster(roster_import, actor=registrar, mode="some")
    assert no_mode.value.message_dict == {"mode": ["Choose how to import."]}
    RosterImport.objects.filter(pk=roster_import.pk).update(status=ImportStatus.CHECKING)
    roster_import.refresh_from_db()
    with pytest.raises(ValidationError) as running:
        commit_roster(roster_import, actor=registrar, mode="all")
    assert running.value.code == "not_checked"
    assert imported(roster_import) == []


def test_in_process_the_import_runs_here_with_its_progress_and_its_refusal(
    checked, registrar, monkeypatch
) -> None:
    monkeypatch.setattr(rows, "PROGRESS_EVERY", 1)  # every row, not every 5,000th
    roster_import = checked()
    with pytest.raises(ValidationError) as refused:
        commit_roster(roster_import, actor=registrar, mode="all", in_process=True)
    assert refused.value.code == "has_problems"
    roster_import.refresh_from_db()
    assert roster_import.status == ImportStatus.REFUSED
    shown: list[tuple[int, int]] = []
    result = commit_roster(
        roster_import,
        actor=registrar,
        mode="valid_only",
        in_process=True,
        progress=lambda row, last: shown.append((row, last)),
    )
    assert result is None
    assert (roster_import.status, roster_import.imported_count) == (ImportStatus.IMPORTED, 1)
    assert [row for row, _last in shown] == [4, 5]  # the rows as Excel numbers them
    assert imported(roster_import) == [("张三", RegistrationStatus.APPLIED)]


# --- the downloads ---------------------------------------------------------------------------


def test_the_uploader_downloads_the_file_and_an_administrator_the_report(
    checked, registrar, street_admin
) -> None:
    data = flawed_roster()
    roster_import = checked(data)
    upload = download_roster_file(roster_import, actor=registrar, what="file", reason=REASON)
    assert (upload.content, upload.name, upload.content_type) == (data, "名册.xlsx", XLSX)
    report = download_roster_file(
        roster_import, actor=street_admin, what="error_report", reason="核对第4行"
    )
    assert (report.name, report.content_type) == ("名册 (problems).xlsx", XLSX)
    sheet = list(openpyxl.load_workbook(io.BytesIO(report.content)).active.values)
    assert [(row[0], row[2]) for row in sheet[1:]] == [(4, "张三"), (5, "李四")]
    assert downloads(roster_import) == [
        ("registrar", {"download": "file", "file": "名册.xlsx", "reason": REASON}),
        ("street_admin", {"download": "error_report", "file": "名册.xlsx", "reason": "核对第4行"}),
    ]


@pytest.mark.parametrize("what", ["file", "error_report"])
@pytest.mark.parametrize(
    ("reason", "code"), [("", None), ("看", None), ("给 13712345558 回电", "personal_number")]
)
def test_a_roster_file_needs_a_reason_fit_to_keep(
    checked, registrar, what: str, reason: str, code: str | None
) -> None:
    """The file and its report hold every row's full ID number and phone: like every other
    full-value view, downloading one needs a reason, which the audit entry keeps."""
    roster_import = checked()
    with pytest.raises(ValidationError) as refused:
        download_roster_file(roster_import, actor=registrar, what=what, reason=reason)
    assert list(refused.value.error_dict) == ["reason"]
    assert [e.code for e in refused.value.error_dict["reason"]] == [code]
    assert downloads(roster_import) == []


def test_other_roles_and_outsiders_may_not_download_and_nothing_is_logged(
    checked, viewer, checker, outsider, nobody
) -> None:
    roster_import = checked()
    for user in (viewer, checker, outsider, nobody):
        for what in ("file", "error_report"):
            with pytest.raises(PermissionDenied) as denied:
                download_roster_file(roster_import, actor=user, what=what, reason=REASON)
            assert str(denied.value) == (
                "Only the uploader and the registration body's administrators may download it."
            )
    assert downloads(roster_import) == []


def test_after_the_retention_period_nothing_is_downloaded_or_logged(
    checked, registrar, settings
) -> None:
    roster_import = checked()
    later = timezone.now() + timezone.timedelta(days=settings.ROSTER_RETENTION_DAYS + 1)
    purge_expired_files(now=later)
    roster_import.refresh_from_db()
    for what in ("file", "error_report"):
        with pytest.raises(ValidationError) as gone:
            download_roster_file(roster_import, actor=registrar, what=what, reason=REASON)
        assert gone.value.code == "purged"
    assert downloads(roster_import) == []
