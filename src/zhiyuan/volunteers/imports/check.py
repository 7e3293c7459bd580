"""The dry run of a roster import: every row checked (`rows.evaluate`) and the report (counts
and problems) recorded on the import; nothing is written to the ledger. Also what the check
and the import (`write`) share: recording a report or a failure, and their audit counts.
"""

import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.audit import log_action
from zhiyuan.volunteers import selectors
from zhiyuan.volunteers.enums import ImportStatus
from zhiyuan.volunteers.imports.files import file_bytes
from zhiyuan.volunteers.imports.messages import kept, kept_error, source_text
from zhiyuan.volunteers.imports.rows import Evaluation, evaluate
from zhiyuan.volunteers.models import RosterImport

logger = logging.getLogger("zhiyuan.volunteers.imports")


def _progress_saver(
    roster_import: RosterImport, then: Callable[[int, int], None] | None = None
) -> Callable[[int, int], None]:
    """Progress as rows of the file read so far out of its last row (a page polls it), with a
    sign of life (`heartbeat_at`); then `then(row, last_row)`, a command's progress bar."""

    def save(row: int, last_row: int) -> None:
        RosterImport.objects.filter(pk=roster_import.pk).update(
            rows_done=row, rows_total=max(last_row, row), heartbeat_at=timezone.now()
        )
        if then is not None:
            then(row, last_row)

    return save


def check_roster(
    roster_import: RosterImport,
    *,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> RosterImport:
    """The dry run: check every row and record the report (counts and problems) on the
    import. Writes nothing to the ledger. A file that cannot be read ends as FAILED with the
    reason. `workers`: how many processes check (`rows.evaluate`).
    Audit: volunteer.roster.checked."""
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=ImportStatus.CHECKING, rows_done=0, heartbeat_at=timezone.now()
    )
    try:
        with young_collections_only():
            result = evaluate(
                file_bytes(roster_import),
                policy=selectors.policy_for(roster_import.organization),
                body=roster_import.body,
                today=today or selectors.local_today(),
                progress=_progress_saver(roster_import, then=progress),
                workers=workers,
            )
    except ValidationError as error:  # RosterError, or the file was purged
        return record_failure(roster_import, error)
    record_report(roster_import, result, status=ImportStatus.CHECKED)
    log_action(
        roster_import.uploaded_by,
        "volunteer.roster.checked",
        roster_import,
        organization=roster_import.organization,
        data=report_counts(roster_import),
    )
    return roster_import


@contextmanager
def young_collections_only() -> Iterator[None]:
    """No full garbage collections while checking or importing: each would walk every row
    read so far (a tenth of a 100,000-row import's time). Young objects, where the cycles of
    caught exceptions end up, are still collected."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1_000_000_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def mark_failed(roster_import: RosterImport) -> None:
    """End a check or import that broke off unexpectedly (a database error, say), so that no
    page waits for it for ever; the error itself goes to the task's record and the log."""
    broken = {
        ImportStatus.CHECKING: _(
            "The check stopped because of an error on the server. Upload the file again."
        ),
        ImportStatus.IMPORTING: _(
            "The import stopped because of an error on the server; nothing was imported. "
            "Upload the file again."
        ),
    }
    for status, message in broken.items():
        RosterImport.objects.filter(pk=roster_import.pk, status=status).update(**_failed(message))


# A live check refreshes its heartbeat at least every PROGRESS_EVERY rows; the longest gap is
# reading the file, which the contained reader ends within ROSTER_LIMITS.wall_seconds (5
# minutes). A live import shows one as it starts and runs in one transaction: a roster of
# MAX_ROWS rows is checked and written in a few minutes. Three times that is a dead process.
STALLED_AFTER = timedelta(minutes=15)


def fail_stalled_imports(*, now: datetime | None = None) -> int:
    """End as FAILED every check or import whose process stopped without ending it (a worker
    killed, a server restarted): status CHECKING or IMPORTING and no sign of life
    (`heartbeat_at`, or the upload where none was recorded) for STALLED_AFTER. The message
    tells the uploader what happened; an import's transaction was rolled back with its
    process, so nothing was imported. Returns how many. A periodic job."""
    cutoff = (now or timezone.now()) - STALLED_AFTER
    stopped = {
        ImportStatus.CHECKING: _(
            "The check stopped: the server's background worker ended while it ran (the file may "
            "be too large or damaged). Nothing was imported. Upload the file again."
        ),
        ImportStatus.IMPORTING: _(
            "The import stopped: the server's background worker ended while it ran, and nothing "
            "was imported. Upload the file again."
        ),
    }
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, uploaded_at__lt=cutoff)
    ended = 0
    for status, message in stopped.items():
        stalled = RosterImport.objects.filter(silent, status=status)
        for pk in stalled.values_list("pk", flat=True):
            logger.warning("Roster import %s was left %s by a process that stopped.", pk, status)
        ended += stalled.update(**_failed(message))
    return ended


def record_failure(roster_import: RosterImport, error: ValidationError) -> RosterImport:
    """End the import as FAILED with the error's message (a file that cannot be read), kept
    in no language (`imports.messages`)."""
    roster_import.status = ImportStatus.FAILED
    roster_import.error_text = kept_error(error)
    roster_import.error = source_text(roster_import.error_text)[:300]
    roster_import.save(update_fields=["status", "error", "error_text"])
    return roster_import


def _failed(message: Any) -> dict[str, Any]:
    """The fields of an import ended as FAILED by the platform with `message` (a lazy
    translation), for an UPDATE."""
    text = [kept(message)]
    return {"status": ImportStatus.FAILED, "error": source_text(text), "error_text": text}


def record_report(
    roster_import: RosterImport, result: Evaluation, *, status: str, also: list[str] | None = None
) -> None:
    """Save the evaluation's counts and problems (and the fields named in `also`) on the
    import, in one UPDATE."""
    roster_import.status = status
    roster_import.error = ""
    roster_import.error_text = []
    roster_import.header_row = result.header_row
    roster_import.unknown_headers = result.unknown_headers
    roster_import.rows_total = roster_import.rows_done = result.rows_total
    roster_import.rows_valid = len(result.valid)
    roster_import.rows_invalid = len(result.invalid_rows)
    roster_import.rows_present = len(result.present)
    roster_import.problems = result.problems
    # Not the file: saving it again would encrypt and write megabytes for nothing.
    roster_import.save(
        update_fields=[
            "status",
            "error",
            "error_text",
            "header_row",
            "unknown_headers",
            "rows_total",
            "rows_done",
            "rows_valid",
            "rows_invalid",
            "rows_present",
            "problems",
            *(also or []),
        ]
    )


def report_counts(roster_import: RosterImport) -> dict[str, int]:
    """The counts of the report, for the check's and the import's audit entries."""
    return {
        "rows": roster_import.rows_total,
        "valid": roster_import.rows_valid,
        "invalid": roster_import.rows_invalid,
        "present": roster_import.rows_present,
    }
