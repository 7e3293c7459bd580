"""The import of a checked roster: checked again inside one transaction (a per-body lock
serialises imports into one body), then all rows or none, or the valid rows only, written
with bulk inserts (`common.bulk.TableWriter`) and one audit entry per row by one
INSERT … SELECT. Rows already registered with the body are present, never imported twice.
"""

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zhiyuan.accounts.models import MOBILE_PURPOSE
from zhiyuan.common import locks
from zhiyuan.common.audit import log_action, log_action_per_row
from zhiyuan.common.bulk import TableWriter, sqlite_page_cache
from zhiyuan.common.crypto import digester
from zhiyuan.volunteers import permissions, rules, selectors
from zhiyuan.volunteers.enums import (
    ImportMode,
    ImportStatus,
    RegistrationChannel,
    RegistrationStatus,
)
from zhiyuan.volunteers.imports.check import (
    record_failure,
    record_report,
    report_counts,
    young_collections_only,
)
from zhiyuan.volunteers.imports.files import file_bytes
from zhiyuan.volunteers.imports.rows import Evaluation, evaluate
from zhiyuan.volunteers.models import RegistrationPolicy, RosterImport, Volunteer

BATCH_SIZE = 1_000
# The statuses a roster is imported from: checked, or refused (an all-or-nothing import found
# a row with a problem; the valid rows may still be chosen).
COMMITTABLE = (ImportStatus.CHECKED, ImportStatus.REFUSED)


def require_committable(roster_import: RosterImport, *, actor: Any, mode: str) -> None:
    """That `actor` may import `roster_import` now in `mode` (an ImportMode value): a
    registering role for its registration point (`permissions.may_register_through`), a mode,
    and a status in COMMITTABLE, checked in this order.
    Raises PermissionDenied, ValidationError (key "mode"; code "not_checked")."""
    if not permissions.may_register_through(actor, roster_import.body, roster_import.organization):
        raise PermissionDenied(_("You may not register volunteers for this body here."))
    if mode not in ImportMode.values:
        raise ValidationError({"mode": _("Choose how to import.")})
    if roster_import.status not in COMMITTABLE:
        raise not_checked()


def not_checked() -> ValidationError:
    """The refusal of an import whose roster is not (or no longer) checked."""
    return ValidationError(_("Import a roster once its check has finished."), code="not_checked")


def import_roster(
    roster_import: RosterImport,
    *,
    actor: Any,
    mode: str,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> RosterImport:
    """Check the roster again and import it: with mode ALL_OR_NOTHING only when no row has a
    problem, with VALID_ONLY the valid rows. Rows already present are never imported twice.
    Imported people start as applied (channel import, registrar = `actor`, linked to this
    import). One transaction; bulk inserts and bulk audit entries. `workers`: how many
    processes check (`rows.evaluate`).
    Raises PermissionDenied, ValidationError (`require_committable`; "has_problems", "purged",
    or a RosterError). Audit: volunteer.roster.imported and volunteer.registration.applied per row.
    """
    require_committable(roster_import, actor=actor, mode=mode)
    today = today or selectors.local_today()
    policy = selectors.policy_for(roster_import.organization)
    table = _ImportedVolunteers(roster_import, actor=actor, policy=policy)
    # Claimed by its status in the database, not the instance's: a replayed or concurrent
    # commit (double click, API retry, two workers) holding a stale copy must not import again
    # and overwrite what the first import recorded.
    claimed = RosterImport.objects.filter(pk=roster_import.pk, status__in=COMMITTABLE).update(
        status=ImportStatus.IMPORTING, rows_done=0, heartbeat_at=timezone.now()
    )
    if not claimed:
        roster_import.refresh_from_db(fields=["status"])
        raise not_checked()
    refused: Evaluation | None = None
    try:
        with young_collections_only(), transaction.atomic():
            # One import into a body at a time: the second sees the first's rows as present.
            locks.hold(f"volunteers.roster:{roster_import.body_id}")
            result = evaluate(
                file_bytes(roster_import),
                policy=policy,
                body=roster_import.body,
                today=today,
                progress=progress,
                prepare=table.prepare,
                workers=workers,
            )
            if mode == ImportMode.ALL_OR_NOTHING and result.invalid_rows:
                refused = result
            else:
                _write(roster_import, result, actor=actor, mode=mode, table=table)
    except ValidationError as error:  # the file cannot be read (any more)
        record_failure(roster_import, error)
        raise
    if refused is not None:
        record_report(roster_import, refused, status=ImportStatus.REFUSED)
        count = len(refused.invalid_rows)
        raise ValidationError(
            ngettext(
                "%(count)s row has a problem, so nothing was imported. Correct it and upload "
                "the file again, or choose to import the valid rows only.",
                "%(count)s rows have problems, so nothing was imported. Correct them and "
                "upload the file again, or choose to import the valid rows only.",
                count,
            ),
            code="has_problems",
            params={"count": count},
        )
    return roster_import


def _write(
    roster_import: RosterImport,
    result: Evaluation,
    *,
    actor: Any,
    mode: str,
    table: "_ImportedVolunteers",
) -> None:
    created = _insert(roster_import, result, actor=actor, table=table)
    roster_import.mode = mode
    roster_import.imported_count = created
    roster_import.imported_by = actor if getattr(actor, "is_authenticated", False) else None
    roster_import.imported_at = timezone.now()
    record_report(
        roster_import,
        result,
        status=ImportStatus.IMPORTED,
        also=["mode", "imported_count", "imported_by", "imported_at"],
    )
    log_action(
        actor,
        "volunteer.roster.imported",
        roster_import,
        organization=roster_import.organization,
        data={**report_counts(roster_import), "created": created, "mode": mode},
    )


def _insert(
    roster_import: RosterImport, result: Evaluation, *, actor: Any, table: "_ImportedVolunteers"
) -> int:
    """Insert the valid rows (their database values, prepared while checking) as applied
    registrations, with one audit entry each, in batches. Returns how many were created.
    No progress is saved meanwhile: inside the import's transaction no other connection would
    see it, and on SQLite each update rewrote the import's row with its stored file (about
    0.1 s each, 20 per 100,000 rows)."""
    created = 0
    with sqlite_page_cache(Volunteer):
        for batch in _batches(result.valid, BATCH_SIZE):
            table.insert_values([values for _row, values, _digest in batch])
            created += len(batch)
        _log_applied(roster_import, actor)
    return created


def _log_applied(roster_import: RosterImport, actor: Any) -> None:
    """One "volunteer.registration.applied" entry per imported volunteer, as a registration on
    the form writes, through the audit service's form for very large bulk paths."""
    # Volunteer.__str__ of an application, around its id, untranslated (audit.object_repr).
    with translation.override(None):
        before, _found, after = _("Application %(id)s").partition("%(id)s")
    log_action_per_row(
        actor,
        "volunteer.registration.applied",
        Volunteer.objects.filter(roster_import=roster_import),
        organization=roster_import.organization,
        data={
            "channel": RegistrationChannel.IMPORT,
            "body": roster_import.body.code,
            "import": roster_import.pk,
        },
        repr_around=(before, after),
    )


class _ImportedVolunteers(TableWriter):
    """The volunteers' table as an import writes it: every row applied, by import, through
    `roster_import`; each row's person data (rules.PERSON_FIELDS) and look-up digests."""

    def __init__(self, roster_import: RosterImport, *, actor: Any, policy: RegistrationPolicy):
        now = timezone.now()
        super().__init__(
            Volunteer,
            same={
                "body": roster_import.body,
                "organization": roster_import.organization,
                "status": RegistrationStatus.APPLIED,
                "channel": RegistrationChannel.IMPORT,
                "registered_by": actor if getattr(actor, "is_authenticated", False) else None,
                "privacy_notice_version": policy.privacy_notice_version,
                "id_consent_at": roster_import.uploaded_at,
                "roster_import": roster_import,
                "applied_at": now,
                "status_changed_at": now,
            },
            varying=[*rules.PERSON_FIELDS, "document_digest", "mobile_digest"],
        )
        self.mobile_digest = digester(purpose=MOBILE_PURPOSE)  # accounts.models.mobile_digest

    def prepare(self, clean: dict[str, Any], digest: str) -> list[Any]:
        """The database values of a checked row (evaluate's `prepare`)."""
        clean["document_digest"] = digest
        clean["mobile_digest"] = self.mobile_digest(clean["mobile"])
        return self.values(clean)


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
