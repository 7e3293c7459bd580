"""Writes of the anomalies app: the detection that turns the rules' findings into flags, and
closing a flag with a reason (issue 14, item 4).

The detection is idempotent: a flag's key is the SHA-256 of its rule and its evidence (the
sorted ids of its service records and registrations), unique in the table, so a second run
adds nothing, refreshes `seen_at` of the open flags found again, and never reopens a closed
flag for the same evidence (new evidence, e.g. one more registration in a burst, is a new
flag). Runs are serialised by a lock (`common.locks`), so two at once add each flag once.
"""

import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.anomalies import permissions, rules
from zhiyuan.anomalies.enums import FlagState, Responsibility
from zhiyuan.anomalies.models import Flag, FlagPerson, FlagRecord, FlagVolunteer
from zhiyuan.anomalies.rules import Finding
from zhiyuan.common import locks
from zhiyuan.common.audit import Change, log_action, log_actions
from zhiyuan.hours.enums import HourStatus
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

LOCK = "anomalies.detect"
WORK_MEM = "256MB"
#: Ids per `IN (…)` list (SQLite allows 32,766 parameters; PostgreSQL plans short lists best).
CHUNK = 500
T = TypeVar("T")


@dataclass
class Detection:
    """What a run did: per rule, the findings, the flags added, and seconds taken."""

    found: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


def flag_key(finding: Finding) -> str:
    """The stable key of a finding: SHA-256 (hex) of its rule and sorted evidence ids."""
    records = ",".join(str(pk) for pk in sorted(finding.records))
    volunteers = ",".join(str(pk) for pk in sorted(finding.volunteers))
    return hashlib.sha256(f"{finding.rule}|r:{records}|v:{volunteers}".encode()).hexdigest()


def _chunks(items: Iterable[T]) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def detect_anomalies(
    *, only: Iterable[str] | None = None, now: datetime | None = None
) -> Detection:
    """Run the rules (all, or those named in `only`: `Rule` values) and record what they find
    as flags: new evidence becomes an open flag, evidence already flagged refreshes the open
    flag's `seen_at` (a closed one stays closed). Raises KeyError for an unknown rule.
    Audit: anomalies.flag.raised per new flag (bulk), by the system."""
    names = list(only) if only is not None else list(rules.RULES)
    chosen = {name: rules.RULES[name] for name in names}
    now = now or timezone.now()
    run = Detection()
    with transaction.atomic():
        locks.hold(LOCK)
        _roomy_sorts()
        rules.forget()
        findings: dict[str, Finding] = {}
        for name, rule in chosen.items():
            started = time.perf_counter()
            found = [f for f in rule() if f.records or f.volunteers]
            run.seconds[name] = time.perf_counter() - started
            run.found[name] = len(found)
            run.created[name] = 0
            for finding in found:
                findings.setdefault(flag_key(finding), finding)
        known: set[str] = set()
        for keys in _chunks(findings):
            known.update(Flag.objects.filter(key__in=keys).values_list("key", flat=True))
            Flag.objects.filter(key__in=keys, state=FlagState.OPEN).update(seen_at=now)
        new = {key: finding for key, finding in findings.items() if key not in known}
        for flag in _raise_flags(new, now=now):
            run.created[flag.rule] += 1
    rules.forget()
    return run


def _roomy_sorts() -> None:
    """On PostgreSQL, give this transaction's sorts and hash tables WORK_MEM, so that the rules'
    passes over the ledger stay in memory (the server's default, 4 MB, spills to disk)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")


def _raise_flags(new: dict[str, Finding], *, now: datetime) -> list[Flag]:
    if not new:
        return []
    records = _values(
        HourRecord,
        {pk for f in new.values() for pk in f.records},
        ("pk", "organizer_path", "recorded_by_id", "decided_by_id", "status"),
    )
    volunteers = _values(
        Volunteer,
        {pk for f in new.values() for pk in f.volunteers},
        ("pk", "organization_path", "registered_by_id"),
    )
    responsible = {key: _responsible_path(f, records, volunteers) for key, f in new.items()}
    wanted = {path for path in responsible.values()}
    wanted |= {_parent(path) for path in wanted}
    organizations = {
        o.path: o for o in Organization.objects.filter(path__in=wanted).only("pk", "path")
    }
    flags = [
        Flag(
            rule=finding.rule,
            key=key,
            organization=organizations[responsible[key]],
            superior=organizations[_parent(responsible[key])],
            facts=finding.facts,
            found_at=now,
            seen_at=now,
        )
        for key, finding in new.items()
    ]
    Flag.objects.bulk_create(flags, batch_size=CHUNK)
    by_key = dict(Flag.objects.filter(key__in=list(new)).values_list("key", "pk"))
    links_r, links_v, people = [], [], set()
    for key, finding in new.items():
        ident = by_key[key]
        links_r += [FlagRecord(flag_id=ident, record_id=pk) for pk in sorted(finding.records)]
        links_v += [FlagVolunteer(flag_id=ident, volunteer_id=pk) for pk in finding.volunteers]
        people |= {(ident, user, role) for user, role in _people(finding, records, volunteers)}
    FlagRecord.objects.bulk_create(links_r, batch_size=2000)
    FlagVolunteer.objects.bulk_create(links_v, batch_size=2000)
    FlagPerson.objects.bulk_create(
        [FlagPerson(flag_id=f, user_id=u, role=r) for f, u, r in sorted(people)], batch_size=2000
    )
    for flag in flags:
        flag.pk = by_key[flag.key]
    log_actions(
        None,
        [
            Change(
                "anomalies.flag.raised",
                flag,
                organization=flag.organization,
                data={"rule": flag.rule},
            )
            for flag in flags
        ],
    )
    return flags


def _values(model: Any, ids: set[int], names: tuple[str, ...]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for batch in _chunks(sorted(ids)):
        for row in model.objects.filter(pk__in=batch).order_by().values(*names):
            found[row["pk"]] = row
    return found


def _responsible_path(
    finding: Finding, records: dict[int, dict[str, Any]], volunteers: dict[int, dict[str, Any]]
) -> str:
    """The path of the deepest organisation above every organiser of the finding's records
    (or, without records, every organisation its registrations were made through)."""
    if finding.records:
        paths = [records[pk]["organizer_path"] for pk in finding.records]
    else:
        paths = [volunteers[pk]["organization_path"] for pk in finding.volunteers]
    return common_ancestor(paths)


def common_ancestor(paths: list[str]) -> str:
    """The path of the deepest common ancestor-or-self of the organisations at `paths`."""
    step = Organization.steplen
    shortest = min(paths, key=len)
    length = 0
    while length < len(shortest) and all(
        p[length : length + step] == shortest[length : length + step] for p in paths
    ):
        length += step
    return shortest[: max(length, step)]


def _parent(path: str) -> str:
    """The parent's path, or the root's own (the city's flags go to the city)."""
    step = Organization.steplen
    return path[:-step] if len(path) > step else path


def _people(
    finding: Finding, records: dict[int, dict[str, Any]], volunteers: dict[int, dict[str, Any]]
) -> set[tuple[int, str]]:
    people = set(finding.people)
    for pk in finding.records:
        row = records[pk]
        if row["recorded_by_id"] is not None:
            people.add((row["recorded_by_id"], Responsibility.RECORDER))
        if row["decided_by_id"] is not None and row["status"] == HourStatus.CONFIRMED:
            people.add((row["decided_by_id"], Responsibility.CONFIRMER))
    for pk in finding.volunteers:
        registrar = volunteers[pk]["registered_by_id"]
        if registrar is not None:
            people.add((registrar, Responsibility.REGISTRAR))
    return {(user, str(role)) for user, role in people}


def close_flag(flag: Flag, *, actor: Any, reason: str) -> Flag:
    """Close an open flag with `reason` (what was checked and found; 1–500 characters).
    Raises PermissionDenied (not an administrator above the organisation responsible),
    ValidationError "reason" (none given) or "closed" (already closed); nothing is written
    then. Audit: anomalies.flag.closed (reason)."""
    permissions.require_may_close(actor, flag)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(_("Say why the flag is closed."), code="reason")
    if len(reason) > 500:
        raise ValidationError(_("The reason is at most 500 characters."), code="reason")
    with transaction.atomic():
        locked = Flag.objects.select_for_update().get(pk=flag.pk)
        if locked.state != FlagState.OPEN:
            raise ValidationError(_("This flag is already closed."), code="closed")
        flag.state = FlagState.CLOSED
        flag.closed_by = actor if getattr(actor, "is_authenticated", False) else None
        flag.closed_at = timezone.now()
        flag.close_reason = reason
        flag.save(update_fields=["state", "closed_by", "closed_at", "close_reason"])
        log_action(
            actor,
            "anomalies.flag.closed",
            flag,
            organization=flag.organization,
            data={"rule": flag.rule, "reason": reason},
        )
    return flag
