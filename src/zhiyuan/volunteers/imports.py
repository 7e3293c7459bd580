"""Roster imports: a unit's registration spreadsheet into a registration body, exactly, fast
and safely (issue "Roster import and export").

One path for the web, the API and `zhiyuan import_roster`: `upload_roster` stores the file
(encrypted, with its SHA-256) and queues the check; `check_roster` is the dry run (a report
per row and column, no writes to the ledger); `import_roster` checks again and then writes,
all rows or none (default) or the valid rows only, through bulk inserts and bulk audit
entries. The registration rules are `rules.clean_person`, unchanged; duplicates inside the
file and against the ledger are reported with both row numbers or the body that holds the
person; rows already registered with this body are reported as present, not as errors, so
importing the same file again creates nothing new. Imported people start as applied and
confirm like anyone else (services.send_confirmation_requests).

Speed (docs/benchmarks.md): rows are inserted without model instances (`common.bulk.TableWriter`), audit
entries by one INSERT … SELECT, and a large roster is checked on two cores, a forked helper
checking its second half (`_SecondHalf`).
"""

import base64
import gc
import hashlib
import os
import pickle
import signal
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zhiyuan.accounts.models import mobile_digest
from zhiyuan.common import locks
from zhiyuan.common.audit import log_action, log_action_per_row
from zhiyuan.common.bulk import TableWriter, sqlite_page_cache
from zhiyuan.common.identity import normalize_document_number
from zhiyuan.common.text import SEPARATED_DIGITS
from zhiyuan.organizations.access import covers
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import roster, rules, selectors
from zhiyuan.volunteers.enums import (
    HOLDING_STATUSES,
    ImportMode,
    ImportStatus,
    RegistrationChannel,
    RegistrationStatus,
)
from zhiyuan.volunteers.models import (
    RegistrationBody,
    RegistrationPolicy,
    RosterImport,
    Volunteer,
    document_digest,
)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
# Problems kept per import: enough to fix a file; a file with more has a systematic fault.
MAX_PROBLEMS = 20_000
PROGRESS_EVERY = 5_000
BATCH_SIZE = 1_000
CONTENT_CONTEXT = "volunteers.RosterImport.content"


# --- upload ------------------------------------------------------------------------------------


def may_import(user: Any, body: RegistrationBody, organization: Organization) -> bool:
    return selectors.may_register_through(user, body, organization)


def may_see_files(user: Any, roster_import: RosterImport) -> bool:
    """The uploaded file and its error report hold personal data: only the uploader and the
    body's administrators may download them."""
    if not getattr(user, "is_authenticated", False):
        return False
    return roster_import.uploaded_by_id == user.pk or covers(
        user, roster_import.body.organization, [RoleKind.ADMINISTRATOR]
    )


def upload_roster(
    data: bytes,
    *,
    filename: str,
    body: RegistrationBody,
    organization: Organization,
    actor: Any,
    consent_affirmed: bool,
    check: bool = True,
) -> RosterImport:
    """Store a roster for `body` (through `organization`) and queue its check.

    `consent_affirmed`: the uploader affirms that every person on it gave their separate
    consent to processing their ID number on the paper form (个人信息保护法 第二十九条).
    Raises PermissionDenied (no registering role for this point), ValidationError (keys
    "file", "consent_affirmed"). Audit: volunteer.roster.uploaded (file name, hash, size).
    """
    if not may_import(actor, body, organization):
        raise PermissionDenied(_("You may not register volunteers for this body here."))
    errors: dict[str, str] = {}
    if not data:
        errors["file"] = _("The file is empty.")
    elif len(data) > MAX_FILE_BYTES:
        errors["file"] = _("The file is larger than %(mb)s MB; split it into several files.") % {
            "mb": MAX_FILE_BYTES // (1024 * 1024)
        }
    if not consent_affirmed:
        errors["consent_affirmed"] = _(
            "Confirm that everyone on the roster signed the registration form with its "
            "consent to processing their ID number."
        )
    if errors:
        raise ValidationError(errors)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        roster_import = RosterImport.objects.create(
            body=body,
            organization=organization,
            uploaded_by=actor,
            filename=_clean_filename(filename),
            file_sha256=digest,
            file_size=len(data),
            content=base64.b64encode(data).decode(),
            consent_affirmed=True,
        )
        log_action(
            actor,
            "volunteer.roster.uploaded",
            roster_import,
            organization=organization,
            data={"file": roster_import.filename, "sha256": digest, "bytes": len(data)},
        )
        if check:
            from zhiyuan.volunteers.tasks import check_roster_task

            transaction.on_commit(partial(check_roster_task.enqueue, roster_import.pk))
    return roster_import


def _clean_filename(filename: str) -> str:
    """A file name fit to keep and show: printable, no path, and no ID or phone number (offices
    name files after people: "张三430602….xlsx"; the name goes into audit entries)."""
    name = "".join(ch for ch in (filename or "roster") if ch.isprintable()).strip()
    # Digits separated by spaces or dashes ("138-0013-8000") are joined first, then masked.
    name = roster.mask_long_numbers(
        SEPARATED_DIGITS.sub("", name.replace("/", "_").replace("\\", "_"))
    )
    return name[-200:] or "roster"


def file_bytes(roster_import: RosterImport) -> bytes:
    """The uploaded file (decrypted). Raises ValidationError once the retention period has
    deleted it."""
    if not roster_import.content:
        raise ValidationError(
            _("The file was deleted after the retention period; only its SHA-256 remains."),
            code="purged",
        )
    return base64.b64decode(roster_import.content)


# --- checking rows -----------------------------------------------------------------------------


@dataclass
class Evaluation:
    """The outcome of checking a roster: valid rows to import (row number, clean data — or
    what evaluate's `prepare` made of it —, digest of the ID number), rows already present
    with this body, and problems (row, column, message)."""

    header_row: int = 0
    unknown_headers: list[str] = field(default_factory=list)
    valid: list[tuple[int, Any, str]] = field(default_factory=list)
    present: list[int] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    invalid_rows: set[int] = field(default_factory=set)
    rows_total: int = 0

    def problem(self, row: int, column: str, message: str) -> None:
        self.invalid_rows.add(row)
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"row": row, "column": column, "message": message})


class _Lookups:
    """Home divisions and work units named by code, each looked up once per import."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], tuple[Any, ValidationError | None]] = {}
        self.offline = False  # in a forked helper, which must not use the database

    def resolve(self, name: str, code: str) -> Any:
        key = (name, code)
        if key not in self.cache:
            if self.offline:
                raise _Offline
            check = rules.resolve_division if name == "home_division" else rules.resolve_work_unit
            try:
                self.cache[key] = (check(code), None)
            except ValidationError as refusal:
                self.cache[key] = (None, refusal)
        found, failure = self.cache[key]
        if failure is not None:
            raise failure
        return found


def evaluate(
    data: bytes,
    *,
    policy: RegistrationPolicy,
    body: RegistrationBody,
    today: date,
    progress: Callable[[int, int], None] | None = None,
    prepare: Callable[[dict[str, Any], str], Any] | None = None,
) -> Evaluation:
    """Check every row of the roster `data` (see `roster`) against the registration rules,
    the other rows and the ledger. `prepare(clean data, ID digest)` is applied to each row
    the rules accept, as it is checked (an import prepares its database values there, on both
    cores when two processes check). Raises roster.RosterError for a file that cannot be read
    (its header, its format), before any row is read."""
    sheet = roster.open_roster(data)
    result = Evaluation(header_row=sheet.header_row, unknown_headers=sheet.unknown_headers)
    reader = roster.RowReader(sheet.columns)
    labels = {field: _column_label(sheet, field) for field in sheet.columns.values()}
    lookups = _Lookups()
    check = partial(
        _check_row, reader, policy=policy, today=today, lookups=lookups, prepare=prepare
    )
    first_row: dict[str, int] = {}
    with closing(_outcomes(sheet, check, lookups)) as outcomes:
        for number, outcome in outcomes:
            if outcome is not None:
                _add(result, number, outcome, labels, first_row)
            if progress and number % PROGRESS_EVERY == 0:
                progress(number, sheet.last_row)
    _against_ledger(result, body, labels["document_number"])
    return result


def _add(
    result: Evaluation,
    number: int,
    outcome: tuple[Any, dict[str, str], str],
    labels: dict[str, str],
    first_row: dict[str, int],
) -> None:
    """Add a checked row to `result`: its problems, or the row as valid unless the same person
    was on an earlier row (`first_row`: ID number digest -> row)."""
    result.rows_total += 1
    if result.rows_total > MAX_ROWS:
        raise roster.RosterError(
            _("A roster holds at most %(max)s rows; split the file."),
            code="too_many_rows",
            params={"max": MAX_ROWS},
        )
    clean, problems, digest = outcome
    for field_name, message in problems.items():
        result.problem(number, _problem_column(labels, field_name), message)
    if not digest:
        return
    if digest in first_row:
        result.problem(
            number,
            labels["document_number"],
            _("The same person as row %(row)s of this file.") % {"row": first_row[digest]},
        )
        return
    first_row[digest] = number
    if clean is not None and number not in result.invalid_rows:
        result.valid.append((number, clean, digest))


def _problem_column(labels: dict[str, str], field_name: str) -> str:
    """Where a problem is: the file's column ("D 身份证号"), or for a field the file has no
    column for (e.g. the age basis of a minor) the field's name in words, never its key."""
    if field_name in labels:
        return labels[field_name]
    return str(roster.FIELD_LABELS.get(field_name, field_name))


def _column_label(sheet: roster.Roster, field_name: str) -> str:
    index = next(i for i, name in sheet.columns.items() if name == field_name)
    return f"{roster.column_letter(sheet.first_column + index)} {sheet.headers[index]}"


Outcome = tuple[Any, dict[str, str], str] | None
# Rosters from this many rows on are checked by two processes (see _SecondHalf).
PARALLEL_FROM_ROWS = 20_000


class _Offline(Exception):
    """A forked helper needs the database for a row: the row is checked by the parent."""


def _outcomes(
    sheet: roster.Roster, check: Callable[[list[roster.Cell]], Outcome], lookups: _Lookups
) -> Generator[tuple[int, Outcome], None, None]:
    """(row number, `check` of the row) for every row of `sheet`, in order. A large roster's
    second half is checked by a forked copy of this process meanwhile (_SecondHalf)."""
    rows = sheet.rows
    split = _split_row(sheet)
    if split is None:
        for number, cells in rows:
            yield number, check(cells)
        return
    helper = _SecondHalf(sheet, split, check, lookups)
    try:
        pending: tuple[int, list[roster.Cell]] | None = None
        for number, cells in rows:
            if number > split:
                pending = (number, cells)
                break
            yield number, check(cells)
        results = helper.results()
        if results is None:  # the helper failed: check its rows here
            if pending is not None:
                yield pending[0], check(pending[1])
            for number, cells in rows:
                yield number, check(cells)
            return
        for number, outcome, unchecked in results:
            yield number, (check(unchecked) if unchecked is not None else outcome)
    finally:
        helper.close()


def _split_row(sheet: roster.Roster) -> int | None:
    """The last row this process checks itself when a helper checks the rest; None when the
    roster is too small, the machine has one core, or forking is not safe here (other threads
    running, which a fork would leave holding their locks)."""
    rows = sheet.last_row - sheet.header_row
    if (
        rows < PARALLEL_FROM_ROWS
        or not hasattr(os, "fork")
        or _cores() < 2
        or threading.active_count() > 1
    ):
        return None
    return sheet.header_row + rows * 52 // 100  # the parent also gathers the outcomes


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class _SecondHalf:
    """The rows after `split`, checked by a forked copy of this process while this one checks
    the rows up to it: checking is pure computation (the registration rules), so two cores
    halve it. The copy never uses the database — a row needing a look-up the copy has not
    cached comes back unchecked, and the parent checks it — and leaves the connections it
    inherited untouched (closing one would end the parent's session). Its outcomes come back
    pickled through a pipe; if anything fails, `results` is None and the parent checks the
    rows itself."""

    def __init__(
        self,
        sheet: roster.Roster,
        split: int,
        check: Callable[[list[roster.Cell]], Outcome],
        lookups: _Lookups,
    ) -> None:
        self.reader, writer = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the copy: never returns
            code = 1
            try:
                os.close(self.reader)
                _leave_connections()
                lookups.offline = True
                sheet.skip_to(split + 1)
                found: list[tuple[int, Outcome, list[roster.Cell] | None]] = []
                for number, cells in sheet.rows:
                    if number > split:
                        try:
                            found.append((number, check(cells), None))
                        except _Offline:
                            found.append((number, None, cells))
                with os.fdopen(writer, "wb") as pipe:
                    pickle.dump(found, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                os._exit(code)
        os.close(writer)

    def results(self) -> list[tuple[int, Outcome, list[roster.Cell] | None]] | None:
        try:
            with os.fdopen(self.reader, "rb") as pipe:
                self.reader = -1
                data = pipe.read()
            _pid, status = os.waitpid(self.pid, 0)
            self.pid = 0
            return pickle.loads(data) if status == 0 and data else None  # noqa: S301 - our own
        except (OSError, pickle.UnpicklingError, EOFError):
            return None

    def close(self) -> None:
        """Reap the copy; if the parent gave up before reading its outcomes (an error), stop
        it first rather than wait for work nobody will read."""
        if self.reader >= 0:
            os.close(self.reader)
            self.reader = -1
            if self.pid:
                os.kill(self.pid, signal.SIGKILL)
        if self.pid:
            os.waitpid(self.pid, 0)
            self.pid = 0


# Connections a forked helper inherited: kept referenced, so that they are never closed (and
# the parent's sessions never ended) by the helper.
_INHERITED: list[Any] = []


def _leave_connections() -> None:
    """In a forked helper: put aside the database connections inherited from the parent, so
    that any use opens a connection of its own instead of talking on the parent's."""
    for connection in connections.all(initialized_only=True):
        _INHERITED.append(connection.connection)
        connection.connection = None


def _check_row(
    reader: roster.RowReader,
    cells: list[roster.Cell],
    *,
    policy: RegistrationPolicy,
    today: date,
    lookups: _Lookups,
    prepare: Callable[[dict[str, Any], str], Any] | None = None,
) -> Outcome:
    """(clean data — or `prepare` of it — or None, problems by field, the digest of the ID
    number where it is readable, for finding the same person twice) for one row; None for an
    empty row.
    Raises _Offline in a forked helper when a look-up would need the database."""
    raw, problems = reader.read(cells)
    if not raw and not problems:
        return None
    for name in ("home_division", "work_unit"):
        if raw.get(name):
            try:
                raw[name] = lookups.resolve(name, raw[name])
            except ValidationError as error:
                problems[name] = " ".join(error.messages)
                raw.pop(name)
    try:
        clean, _warnings = rules.clean_person(raw, policy=policy, today=today)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            problems.setdefault(name, " ".join(messages))
        clean = None
    digest = ""
    if "document_number" not in problems and raw.get("document_number"):
        number = (
            clean["document_number"]
            if clean
            else normalize_document_number(str(raw["document_number"]))
        )
        digest = document_digest(number)
    if problems or clean is None:
        return None, problems, digest
    return (prepare(clean, digest) if prepare else clean), problems, digest


def _against_ledger(result: Evaluation, body: RegistrationBody, column: str) -> None:
    """Rows whose person this body already has are present; rows whose person another body
    holds are problems naming that body (never the person's data)."""
    if not result.valid:
        return
    # digest -> [(body id, status, holding body's name)] of live registrations
    by_digest: dict[str, list[tuple[int, str, str]]] = {}
    digests = [digest for _row, _clean, digest in result.valid]
    # Digests per query: as many as the database takes (SQLite: 999 parameters).
    size = (connections[router.db_for_read(Volunteer)].features.max_query_params or 10_000) - 9
    for start in range(0, len(digests), size):
        existing = Volunteer.objects.filter(document_digest__in=digests[start : start + size])
        for digest, *registration in existing.exclude(
            status__in=[RegistrationStatus.CANCELLED, RegistrationStatus.CLOSED]
        ).values_list("document_digest", "body_id", "status", "body__organization__name"):
            by_digest.setdefault(digest, []).append(tuple(registration))  # type: ignore[arg-type]
    kept: list[tuple[int, Any, str]] = []
    for row, clean, digest in result.valid:
        others = by_digest.get(digest, [])
        if any(body_id == body.pk for body_id, _status, _name in others):
            result.present.append(row)
            continue
        holder = next((name for _id, status, name in others if status in HOLDING_STATUSES), None)
        if holder is not None:
            message = _(
                "Already registered with %(body)s: one person has one registration city-wide. "
                "Ask %(body)s to transfer the registration instead."
            ) % {"body": holder}
            result.problem(row, column, message)
            continue
        kept.append((row, clean, digest))
    result.valid = kept


# --- the dry run and the import ----------------------------------------------------------------


def _progress_saver(roster_import: RosterImport) -> Callable[[int, int], None]:
    """Progress as rows of the file read so far out of its last row (a page polls it)."""

    def save(row: int, last_row: int) -> None:
        RosterImport.objects.filter(pk=roster_import.pk).update(
            rows_done=row, rows_total=max(last_row, row)
        )

    return save


def check_roster(
    roster_import: RosterImport,
    *,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RosterImport:
    """The dry run: check every row and record the report (counts and problems) on the
    import. Writes nothing to the ledger. A file that cannot be read ends as FAILED with the
    reason. Audit: volunteer.roster.checked."""
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=ImportStatus.CHECKING, rows_done=0
    )
    try:
        with _young_collections_only():
            result = evaluate(
                file_bytes(roster_import),
                policy=selectors.policy_for(roster_import.organization),
                body=roster_import.body,
                today=today or selectors.local_today(),
                progress=progress or _progress_saver(roster_import),
            )
    except ValidationError as error:  # RosterError, or the file was purged
        return _failed(roster_import, error)
    _record(roster_import, result, status=ImportStatus.CHECKED)
    log_action(
        roster_import.uploaded_by,
        "volunteer.roster.checked",
        roster_import,
        organization=roster_import.organization,
        data=_counts(roster_import),
    )
    return roster_import


@contextmanager
def _young_collections_only() -> Iterator[None]:
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
        RosterImport.objects.filter(pk=roster_import.pk, status=status).update(
            status=ImportStatus.FAILED, error=message
        )


def _failed(roster_import: RosterImport, error: ValidationError) -> RosterImport:
    roster_import.status = ImportStatus.FAILED
    roster_import.error = " ".join(error.messages)[:300]
    roster_import.save(update_fields=["status", "error"])
    return roster_import


def _record(
    roster_import: RosterImport, result: Evaluation, *, status: str, also: list[str] | None = None
) -> None:
    """Save the evaluation's counts and problems (and the fields named in `also`) on the
    import, in one UPDATE."""
    roster_import.status = status
    roster_import.error = ""
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


def _counts(roster_import: RosterImport) -> dict[str, int]:
    return {
        "rows": roster_import.rows_total,
        "valid": roster_import.rows_valid,
        "invalid": roster_import.rows_invalid,
        "present": roster_import.rows_present,
    }


def import_roster(
    roster_import: RosterImport,
    *,
    actor: Any,
    mode: str,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RosterImport:
    """Check the roster again and import it: with mode ALL_OR_NOTHING only when no row has a
    problem, with VALID_ONLY the valid rows. Rows already present are never imported twice.
    Imported people start as applied (channel import, registrar = `actor`, linked to this
    import). One transaction; bulk inserts and bulk audit entries.
    Raises PermissionDenied, ValidationError ("not_checked", "has_problems", "purged", or a
    RosterError). Audit: volunteer.roster.imported and volunteer.registration.applied per row.
    """
    if mode not in ImportMode.values:
        raise ValidationError({"mode": _("Choose how to import.")})
    if not may_import(actor, roster_import.body, roster_import.organization):
        raise PermissionDenied(_("You may not register volunteers for this body here."))
    if roster_import.status not in (ImportStatus.CHECKED, ImportStatus.REFUSED):
        raise ValidationError(_("Import a roster once its check has finished."), code="not_checked")
    today = today or selectors.local_today()
    policy = selectors.policy_for(roster_import.organization)
    table = _ImportedVolunteers(roster_import, actor=actor, policy=policy)
    # Claimed by its status in the database, not the instance's: a replayed or concurrent
    # commit (double click, API retry, two workers) holding a stale copy must not import again
    # and overwrite what the first import recorded.
    claimed = RosterImport.objects.filter(
        pk=roster_import.pk, status__in=(ImportStatus.CHECKED, ImportStatus.REFUSED)
    ).update(status=ImportStatus.IMPORTING, rows_done=0)
    if not claimed:
        roster_import.refresh_from_db(fields=["status"])
        raise ValidationError(_("Import a roster once its check has finished."), code="not_checked")
    refused: Evaluation | None = None
    try:
        with _young_collections_only(), transaction.atomic():
            # One import into a body at a time: the second sees the first's rows as present.
            locks.hold(f"volunteers.roster:{roster_import.body_id}")
            result = evaluate(
                file_bytes(roster_import),
                policy=policy,
                body=roster_import.body,
                today=today,
                progress=progress,
                prepare=table.prepare,
            )
            if mode == ImportMode.ALL_OR_NOTHING and result.invalid_rows:
                refused = result
            else:
                _write(roster_import, result, actor=actor, mode=mode, table=table)
    except ValidationError as error:  # the file cannot be read (any more)
        _failed(roster_import, error)
        raise
    if refused is not None:
        _record(roster_import, refused, status=ImportStatus.REFUSED)
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
    _record(
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
        data={**_counts(roster_import), "created": created, "mode": mode},
    )


def _insert(
    roster_import: RosterImport, result: Evaluation, *, actor: Any, table: "_ImportedVolunteers"
) -> int:
    """Insert the valid rows (their database values, prepared while checking) as applied
    registrations, with one audit entry each, in batches (progress in rows_done). Returns how
    many were created."""
    created = 0
    with sqlite_page_cache(Volunteer):
        for batch in _batches(result.valid, BATCH_SIZE):
            table.insert_values([values for _row, values, _digest in batch])
            created += len(batch)
            if created % PROGRESS_EVERY == 0 or created == len(result.valid):
                RosterImport.objects.filter(pk=roster_import.pk).update(rows_done=created)
        _log_applied(roster_import, actor)
    return created


def _log_applied(roster_import: RosterImport, actor: Any) -> None:
    """One "volunteer.registration.applied" entry per imported volunteer, as a registration on
    the form writes, through the audit service's form for very large bulk paths."""
    # Volunteer.__str__ of an application, around its id.
    before, found, after = _("Application %(id)s").partition("%(id)s")
    if not found:
        before, after = _("Application %(id)s") % {"id": ""}, ""
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

    def prepare(self, clean: dict[str, Any], digest: str) -> list[Any]:
        """The database values of a checked row (evaluate's `prepare`)."""
        clean["document_digest"] = digest
        clean["mobile_digest"] = mobile_digest(clean["mobile"])
        return self.values(clean)


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def purge_expired_files(*, now: Any = None) -> int:
    """Delete uploaded files older than ROSTER_RETENTION_DAYS (their hash stays); returns how
    many were deleted. A periodic job."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ROSTER_RETENTION_DAYS)
    return RosterImport.objects.filter(uploaded_at__lt=cutoff, purged_at__isnull=True).update(
        content="", purged_at=now
    )
