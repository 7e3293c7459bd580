"""Checking a roster's rows: each row through the registration rules (`rules.clean_person`,
unchanged), then the same person twice in the file (both row numbers) and against the ledger
(present with this body, or held by another body, named). Problems are (row as Excel shows
it, column, message) and hold no personal data. A large roster is checked by two processes
(`helper`).
"""

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiyuan.common.crypto import digester
from zhiyuan.common.identity import normalize_document_number
from zhiyuan.divisions.models import Division
from zhiyuan.volunteers import rules
from zhiyuan.volunteers.enums import HOLDING_STATUSES, RegistrationStatus
from zhiyuan.volunteers.imports.cells import RowReader
from zhiyuan.volunteers.imports.helper import Offline, outcomes
from zhiyuan.volunteers.imports.messages import kept, kept_error, source_text
from zhiyuan.volunteers.imports.reader import (
    FIELD_LABELS,
    Roster,
    RosterError,
    column_letter,
    open_roster,
)
from zhiyuan.volunteers.models import (
    DOCUMENT_PURPOSE,
    RegistrationBody,
    RegistrationPolicy,
    Volunteer,
)
from zhiyuan.volunteers.selectors import home_division_area

MAX_ROWS = 200_000


# Problems kept per import: enough to fix a file; a file with more has a systematic fault.
MAX_PROBLEMS = 20_000


PROGRESS_EVERY = 5_000


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

    def problem(self, row: int, column: str, texts: list[dict[str, Any]]) -> None:
        """A problem at (`row`, `column`): its kept messages (`messages.kept`), and the same in
        the source language (see `imports.messages`)."""
        self.invalid_rows.add(row)
        if len(self.problems) < MAX_PROBLEMS:
            message = source_text(texts)
            self.problems.append({"row": row, "column": column, "message": message, "texts": texts})


class _Lookups:
    """Home divisions (by code, or by name within `area`, the body's district) and work units
    (by code), each looked up once per import."""

    def __init__(self, area: Division | None = None) -> None:
        self.area = area
        self.cache: dict[tuple[str, str], tuple[Any, ValidationError | None]] = {}
        self.offline = False  # in a forked helper, which must not use the database

    def resolve(self, name: str, code: str) -> Any:
        key = (name, code)
        if key not in self.cache:
            if self.offline:
                raise Offline
            check = (
                partial(rules.resolve_home_division, area=self.area)
                if name == "home_division"
                else rules.resolve_work_unit
            )
            try:
                self.cache[key] = (check(code), None)
            except ValidationError as refusal:
                self.cache[key] = (None, refusal)
        found, failure = self.cache[key]
        if failure is not None:
            raise failure
        return found

    def go_offline(self) -> None:
        """In a forked helper: from now on a code not looked up yet raises helper.Offline."""
        self.offline = True


def evaluate(
    data: bytes,
    *,
    policy: RegistrationPolicy,
    body: RegistrationBody,
    today: date,
    progress: Callable[[int, int], None] | None = None,
    prepare: Callable[[dict[str, Any], str], Any] | None = None,
    workers: int | None = None,
) -> Evaluation:
    """Check every row of the roster `data` (see `reader`) against the registration rules,
    the other rows and the ledger. `prepare(clean data, ID digest)` is applied to each row
    the rules accept, as it is checked (an import prepares its database values there, on both
    cores when two processes check). `workers`: how many processes check, 1 or 2 (None: two
    for a large roster on a machine with two cores; see `helper.outcomes`).
    Raises reader.RosterError for a file that cannot be read (its header, its format), before
    any row is read."""
    sheet = open_roster(data)
    result = Evaluation(header_row=sheet.header_row, unknown_headers=sheet.unknown_headers)
    reader = RowReader(sheet.columns)
    labels = {field: _column_label(sheet, field) for field in sheet.columns.values()}
    lookups = _Lookups(home_division_area(body.organization))
    check = partial(
        _check_row,
        reader,
        policy=policy,
        today=today,
        lookups=lookups,
        document_digest=digester(purpose=DOCUMENT_PURPOSE),  # models.document_digest
        prepare=prepare,
    )
    first_row: dict[str, int] = {}
    checked = outcomes(sheet, check, offline=lookups.go_offline, workers=workers)
    with closing(checked):
        for number, outcome in checked:
            if outcome is not None:
                _add(result, number, outcome, labels, first_row)
            if progress and number % PROGRESS_EVERY == 0:
                progress(number, sheet.last_row)
    _against_ledger(result, body, labels["document_number"])
    return result


def _add(
    result: Evaluation,
    number: int,
    outcome: tuple[Any, dict[str, list[dict[str, Any]]], str],
    labels: dict[str, str],
    first_row: dict[str, int],
) -> None:
    """Add a checked row to `result`: its problems, or the row as valid unless the same person
    was on an earlier row (`first_row`: ID number digest -> row)."""
    result.rows_total += 1
    if result.rows_total > MAX_ROWS:
        raise RosterError(
            _("A roster holds at most %(max)s rows; split the file."),
            code="too_many_rows",
            params={"max": MAX_ROWS},
        )
    clean, problems, digest = outcome
    for field_name, texts in problems.items():
        result.problem(number, _problem_column(labels, field_name), texts)
    if not digest:
        return
    if digest in first_row:
        same = kept(
            gettext_lazy("The same person as row %(row)s of this file."),
            {"row": first_row[digest]},
        )
        result.problem(number, labels["document_number"], [same])
        return
    first_row[digest] = number
    if clean is not None and number not in result.invalid_rows:
        result.valid.append((number, clean, digest))


def _problem_column(labels: dict[str, str], field_name: str) -> str:
    """Where a problem is: the file's column ("D 身份证号"), or for a field the file has no
    column for (e.g. the age basis of a minor) the field's name in words, never its key."""
    if field_name in labels:
        return labels[field_name]
    return str(kept(FIELD_LABELS.get(field_name, field_name))["template"])  # a message id


def _column_label(sheet: Roster, field_name: str) -> str:
    index = next(i for i, name in sheet.columns.items() if name == field_name)
    return f"{column_letter(sheet.first_column + index)} {sheet.headers[index]}"


Outcome = tuple[Any, dict[str, list[dict[str, Any]]], str] | None


def _check_row(
    reader: RowReader,
    cells: list[Any],
    *,
    policy: RegistrationPolicy,
    today: date,
    lookups: _Lookups,
    document_digest: Callable[[str], str],
    prepare: Callable[[dict[str, Any], str], Any] | None = None,
) -> Outcome:
    """(clean data — or `prepare` of it — or None, problems by field, the digest of the ID
    number where it is readable, for finding the same person twice) for one row; None for an
    empty row.
    Raises helper.Offline in a forked helper when a look-up would need the database."""
    raw, problems = reader.read(cells)
    if not raw and not problems:
        return None
    for name in ("home_division", "work_unit"):
        if raw.get(name):
            try:
                raw[name] = lookups.resolve(name, raw[name])
            except ValidationError as error:
                problems[name] = kept_error(error)
                raw.pop(name)
    try:
        clean, _warnings = rules.clean_person(raw, policy=policy, today=today)
    except ValidationError as error:
        for name, errors in error.error_dict.items():
            problems.setdefault(name, kept_error(ValidationError(errors)))
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
    remaining: list[tuple[int, Any, str]] = []
    for row, clean, digest in result.valid:
        others = by_digest.get(digest, [])
        if any(body_id == body.pk for body_id, _status, _name in others):
            result.present.append(row)
            continue
        holder = next((name for _id, status, name in others if status in HOLDING_STATUSES), None)
        if holder is not None:
            message = gettext_lazy(
                "Already registered with %(body)s: one person has one registration city-wide. "
                "Ask %(body)s to transfer the registration instead."
            )
            result.problem(row, column, [kept(message, {"body": holder})])
            continue
        remaining.append((row, clean, digest))
    result.valid = remaining
