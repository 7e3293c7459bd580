"""Large exports, for every app: written in the background with their progress, kept encrypted,
downloaded by their requester only, through a link that expires.

An app registers what it exports in its `exports` module with `@exporter("<app label>.<name>")`:
a producer that gets the `Export` (its requester, its `params`) and a `progress` callback and
returns the file (`ExportFile`); it checks its own rules (scope, roles, reasons) and writes its
own audit entry, as it would for an immediate export. `export_requests.request_export`
records an export and queues `tasks.build_export_task`, which calls `build_export` here; this
module sits below the task module and never imports it.

Rules (PIPL art. 51: access to personal data kept to those who need it):
- the file is sealed by `models.export_storage` (the field keys, like photos) and read back only
  by `download_export`, for the user who requested it: for anyone else, a city administrator
  or platform staff included, the export does not exist (`mine`);
- the link expires EXPORT_LINK_HOURS after the file was written; the periodic job
  `purge_exports` deletes the file then, and the record after EXPORT_RETENTION_DAYS;
- every download writes an audit entry ("export.downloaded", the file's name).
"""

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext as _

from zhiyuan.common.audit import log_action
from zhiyuan.common.crypto import DecryptionError
from zhiyuan.common.enums import ExportStatus
from zhiyuan.common.models import Export

logger = logging.getLogger("zhiyuan.exports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The progress shown is written once per this many rows (one UPDATE each).
PROGRESS_EVERY = 2000
#: A running export silent this long was left by a worker that died (`fail_stalled_exports`).
STALLED_AFTER = timedelta(minutes=15)
#: Why an export failed, in no language (`failure_text` reads it in the reader's).
REFUSED, BROKEN, STALLED = "refused", "error", "stalled"


@dataclass(frozen=True)
class ExportFile:
    """A file to send: its bytes, its name (which may be Chinese), its content type and the
    number of rows it holds."""

    content: bytes
    name: str
    content_type: str
    rows: int


Progress = Callable[[int], None]
Producer = Callable[[Export, Progress], ExportFile]
PRODUCERS: dict[str, Producer] = {}


def exporter(kind: str) -> Callable[[Producer], Producer]:
    """Register the producer of the exports of `kind` ("<app label>.<name>", e.g.
    "volunteers.ledger"); it lives in that app's `exports` module. Raises ValueError when
    another producer has that kind."""

    def register(produce: Producer) -> Producer:
        if PRODUCERS.get(kind, produce) is not produce:
            raise ValueError(f"Two exports are named {kind!r}.")
        PRODUCERS[kind] = produce
        return produce

    return register


def producer(kind: str) -> Producer:
    """The producer of `kind`, importing its app's `exports` module on first use.
    Raises LookupError for a kind no app registered."""
    if kind not in PRODUCERS:
        config = apps.get_app_config(kind.partition(".")[0])
        if config.name.startswith("zhiyuan.") and module_has_submodule(config.module, "exports"):
            import_module(f"{config.name}.exports")
    if kind not in PRODUCERS:
        raise LookupError(f"No export is named {kind!r}.")
    return PRODUCERS[kind]


# --- reading ---------------------------------------------------------------------------------


def export_params(export: Export) -> dict[str, Any]:
    """The params the export was requested with (`export_requests.request_export`)."""
    return json.loads(export.params or "{}")  # type: ignore[no-any-return]


def mine(user: Any) -> QuerySet[Export]:
    """The exports `user` requested, newest first: nobody else's, whatever their roles."""
    if not getattr(user, "is_authenticated", False):
        return Export.objects.none()
    return Export.objects.filter(requested_by=user).defer("params")


def failure_text(export: Export) -> str:
    """Why `export` failed, in the reader's language ("" when it did not)."""
    if export.status != ExportStatus.FAILED:
        return ""
    if export.error == REFUSED:
        return _("Your roles no longer allow this export, or its request was refused.")
    if export.error == STALLED:
        return _("The background worker stopped while writing the file. Please export again.")
    return _("The file could not be written. Please export again, or ask your administrator.")


def expired_error(export: Export) -> ValidationError:
    when = date_format(timezone.localtime(export.expires_at), "Y-m-d H:i")
    return ValidationError(
        _(
            "This download link expired at %(time)s and the file was deleted: it held personal "
            "data. Export again to get a new one."
        )
        % {"time": when},
        code="expired",
    )


# --- building --------------------------------------------------------------------------------


def build_export(export: Export) -> Export:
    """Write the file of the queued `export` in its requester's language, store it sealed and
    mark it done (or failed, with why); returns it. An export that is not queued (built
    already, or taken by another worker) is left alone, so a retried task does nothing.
    Re-raises what broke the producer after marking the export failed, except a refusal
    (PermissionDenied, ValidationError: the requester's roles changed since)."""
    now = timezone.now()
    claimed = Export.objects.filter(pk=export.pk, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, heartbeat_at=now
    )
    export.refresh_from_db()
    if not claimed:
        return export
    try:
        with translation.override(export.language or settings.LANGUAGE_CODE):
            made = producer(export.kind)(export, _progress(export))
    except (PermissionDenied, ValidationError):
        return _fail(export, REFUSED)
    except Exception:
        _fail(export, BROKEN)
        raise
    return _store(export, made)


def _progress(export: Export) -> Progress:
    def report(done: int) -> None:
        if done % PROGRESS_EVERY == 0:
            Export.objects.filter(pk=export.pk).update(rows_done=done, heartbeat_at=timezone.now())

    return report


def _store(export: Export, made: ExportFile) -> Export:
    finished = timezone.now()
    export.file.save(f"{secrets.token_hex(16)}.sealed", ContentFile(made.content), save=False)
    export.file_name = made.name
    export.content_type = made.content_type
    export.file_size = len(made.content)
    export.rows_total = export.rows_done = made.rows
    export.status = ExportStatus.DONE
    export.finished_at = export.heartbeat_at = finished
    export.expires_at = finished + timedelta(hours=settings.EXPORT_LINK_HOURS)
    export.save()
    return export


def _fail(export: Export, why: str) -> Export:
    export.status = ExportStatus.FAILED
    export.error = why
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "error", "finished_at"])
    return export


# --- downloading -----------------------------------------------------------------------------


def download_export(export: Export, *, actor: Any) -> ExportFile:
    """The file of `export` for `actor`, who must have requested it (found it through `mine`).
    Raises Export.DoesNotExist for anyone else (answer 404: it is not theirs to know of),
    ValidationError with code "not_ready" while it is being written or after it failed,
    "expired" once its link expired (the message says when, and to export again).
    Audit: "export.downloaded", with the file's name."""
    if export.requested_by_id != getattr(actor, "pk", None):
        raise Export.DoesNotExist
    if export.status != ExportStatus.DONE:
        raise ValidationError(_("This export is not ready to download."), code="not_ready")
    if export.is_expired() or not export.file:
        raise expired_error(export)
    try:
        with export.file.open("rb") as file:
            content = file.read()
    except (OSError, DecryptionError):
        logger.exception("export %s: its file cannot be read", export.pk)
        raise expired_error(export) from None
    log_action(
        actor,
        "export.downloaded",
        export,
        organization=export.organization,
        data={"export_file": export.file_name},
    )
    return ExportFile(content, export.file_name, export.content_type, export.rows_total)


# --- the periodic jobs -----------------------------------------------------------------------


def purge_exports(*, now: datetime | None = None) -> tuple[int, int]:
    """Delete the files whose link expired, and the exports requested more than
    EXPORT_RETENTION_DAYS ago with their files; returns (files, exports) deleted.
    Idempotent; a periodic job (`common.jobs.purge_exports`)."""
    now = now or timezone.now()
    files = 0
    for export in Export.objects.filter(expires_at__lte=now).exclude(file=""):
        export.file.delete(save=False)
        Export.objects.filter(pk=export.pk).update(file="")
        files += 1
    old = Export.objects.filter(
        requested_at__lt=now - timedelta(days=settings.EXPORT_RETENTION_DAYS)
    )
    for export in old.exclude(file=""):
        export.file.delete(save=False)
        files += 1
    deleted, _by_model = old.delete()
    return files, deleted


def fail_stalled_exports(*, now: datetime | None = None) -> int:
    """End as failed the exports left running by a worker that died (no sign of life for
    STALLED_AFTER); returns how many. A periodic job."""
    cutoff = (now or timezone.now()) - STALLED_AFTER
    return Export.objects.filter(status=ExportStatus.RUNNING, heartbeat_at__lt=cutoff).update(
        status=ExportStatus.FAILED, error=STALLED, finished_at=now or timezone.now()
    )
