"""Tamper evidence for the ledger: every confirmed record carries a SHA-256 over a canonical
serialisation of what it says and of the previous confirmed record's hash of the same
organiser, so changing, removing or reordering a confirmed record breaks its organiser's chain
from there on. `verify` walks the chains (`zhiyuan verify_hours`).

The serialisation is JSON with sorted keys and no spaces, instants in UTC to the second, ids
for people and objects, prefixed by its version.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction
from django.db.models import Q

from zhiyuan.hours.enums import HourStatus
from zhiyuan.hours.models import ChainHead, HourRecord
from zhiyuan.organizations.models import Organization

VERSION = "zhiyuan-hours-1"


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical(record: HourRecord) -> bytes:
    """What the hash covers, as bytes: the record's content, its decision, its place in the
    chain and the previous hash."""
    content: dict[str, Any] = {
        "id": record.pk,
        "volunteer": record.volunteer_id,
        "activity": record.activity_id,
        "slot": record.slot_id,
        "organizer": record.organizer_id,
        "start": _instant(record.start),
        "end": _instant(record.end),
        "actual_minutes": record.actual_minutes,
        "minutes": record.minutes,
        "rounding": record.rounding,
        "content": record.content,
        "source": record.source,
        "recorded_by": record.recorded_by_id,
        "recorded_at": _instant(record.recorded_at),
        "status": record.status,
        "decided_by": record.decided_by_id,
        "decided_at": _instant(record.decided_at),
        "corrects": record.corrects_id,
        "correction_reason": record.correction_reason,
        "requested_by_volunteer": record.requested_by_volunteer,
        "position": record.chain_position,
        "previous": record.previous_hash,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{VERSION}\n{text}".encode()


def digest(record: HourRecord) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def lock_head(organizer: Organization) -> ChainHead:
    """The organiser's chain head, locked until the transaction ends (created on first use;
    two first confirmations at once both end up waiting on the one row)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Chaining needs a transaction.")
    ChainHead.objects.bulk_create([ChainHead(organizer=organizer)], ignore_conflicts=True)
    return ChainHead.objects.select_for_update().get(organizer=organizer)


def append(head: ChainHead, record: HourRecord) -> None:
    """Give `record` (being confirmed, its decision set) the next position of `head`'s chain
    and its hash; moves the head on. The caller holds the head's lock and saves both."""
    record.chain_position = head.length + 1
    record.previous_hash = head.last_hash
    record.record_hash = digest(record)
    head.length = record.chain_position
    head.last_hash = record.record_hash


@dataclass(frozen=True)
class Break:
    """Where a chain does not hold: the organiser, the record (None when a record is missing
    from the chain's end) and what is wrong."""

    organizer_id: int
    record_id: int | None
    position: int | None
    problem: str


def verify(organizer_ids: list[int] | None = None) -> Iterator[Break]:
    """Check the chains of all organisers (or of `organizer_ids`): every confirmed record's
    hash recomputed, each record pointing to its predecessor's hash, positions 1…n without a
    gap, and the head at the last one. Yields each break found."""
    heads = ChainHead.objects.order_by("organizer_id")
    if organizer_ids is not None:
        heads = heads.filter(organizer_id__in=organizer_ids)
    seen: set[int] = set()
    for head in heads:
        seen.add(head.organizer_id)
        yield from _verify_chain(head)
    orphans = HourRecord.objects.filter(
        Q(chain_position__isnull=True) | ~Q(organizer_id__in=seen), status=HourStatus.CONFIRMED
    )
    if organizer_ids is not None:
        orphans = orphans.filter(organizer_id__in=organizer_ids)
    for record in orphans.order_by("pk").only("pk", "organizer_id", "chain_position"):
        yield Break(record.organizer_id, record.pk, record.chain_position, "no_chain")


def _verify_chain(head: ChainHead) -> Iterator[Break]:
    previous = ""
    expected = 1
    records = (
        HourRecord.objects.filter(organizer_id=head.organizer_id)
        .exclude(chain_position__isnull=True)
        .order_by("chain_position", "pk")
    )
    for record in records.iterator(chunk_size=2000):
        organizer = head.organizer_id
        if record.chain_position != expected:
            yield Break(organizer, None, expected, "missing")
            expected = record.chain_position or expected
        if record.status != HourStatus.CONFIRMED:
            yield Break(organizer, record.pk, record.chain_position, "status_changed")
        if record.previous_hash != previous:
            yield Break(organizer, record.pk, record.chain_position, "link_broken")
        if digest(record) != record.record_hash:
            yield Break(organizer, record.pk, record.chain_position, "content_changed")
        previous = record.record_hash
        expected += 1
    if expected - 1 != head.length or previous != head.last_hash:
        yield Break(head.organizer_id, None, head.length, "end_missing")


def summary(organizer_ids: list[int] | None = None) -> dict[str, int]:
    """How many chains and chained records there are (for the command's report)."""
    heads = ChainHead.objects.all()
    if organizer_ids is not None:
        heads = heads.filter(organizer_id__in=organizer_ids)
    totals = heads.aggregate(chains=models.Count("pk"), records=models.Sum("length"))
    return {"chains": totals["chains"] or 0, "records": totals["records"] or 0}
