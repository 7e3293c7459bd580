"""Writes of the service-hour ledger (志愿服务记录): record, edit before confirmation,
confirm, reject, correct, and the hours policy. Check-in and check-out (`checkin`) and
back-filled sheets (`backfill`) write their records through `record_hours` here.

Rules (MISSION §4, issue 12; 民政部令第67号):
- only registered volunteers (active or suspended registrations) have hours; actual service
  time, no travel: a record is what was served, between two instants, never in the future;
- one volunteer's live records never overlap (a per-volunteer lock serialises the check);
  a day over 12 hours is flagged, not refused;
- a record counts the organiser's rounding (`rules.counted_minutes`), fixed when recorded;
- a confirmed record is never edited or deleted; a correction is a new record pointing to it,
  with a reason and who asked (the volunteer may, 第十六条), confirmed by a second person;
- an organiser's leader confirming their own hours needs a second person;
- each confirmation joins the organiser's hash chain (`chain`), under the chain head's lock.
Every change is audited; no ID number or phone goes into an entry.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zhiyuan.activities.enums import ActivityStatus
from zhiyuan.activities.models import Activity, Slot
from zhiyuan.common import locks
from zhiyuan.common.audit import Change, log_action, log_actions
from zhiyuan.common.outbox import send_sms
from zhiyuan.common.text import clean_note
from zhiyuan.hours import chain, hooks, permissions, rules, selectors, tallies
from zhiyuan.hours.enums import HourFlag, HourSource, HourStatus, Rounding
from zhiyuan.hours.models import HourRecord, HoursImport, HoursPolicy
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import HOLDING_STATUSES
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.report_links import report_link

#: Activities whose hours may be recorded (a draft or a cancelled activity served nobody).
RECORDABLE = (ActivityStatus.PUBLISHED, ActivityStatus.FINISHED)
#: How far a record's end may lie ahead of the clock (phones' clocks drift).
CLOCK_TOLERANCE = timedelta(minutes=5)
CONTENT_LIMIT = 200
#: Records begin in 1980 (before it, tzdata's local times of Asia/Shanghai are no longer whole
#: minutes from UTC, and no volunteer ledger reaches back that far).
EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)
#: One record is at most a day: longer service is recorded day by day.
LONGEST = timedelta(hours=24)
#: A record read to be decided or changed locks its own row only: on PostgreSQL a plain FOR
#: UPDATE with select_related would lock the joined volunteer, organiser and activity rows too,
#: so a decision would wait on a registrar's or the tree's work (and, locking volunteers in the
#: records' order, could deadlock with another bulk confirmation).
LOCKED: dict[str, Any] = {"of": ("self",)}


def acting_user(actor: Any) -> Any:
    """`actor` as a foreign key: None for the operator or the volunteer (no account)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def _local(instant: datetime) -> str:
    return date_format(timezone.localtime(instant), "Y-m-d H:i")


def field_error(field: str, message: str, code: str) -> ValidationError:
    """A ValidationError of one field whose message keeps its code."""
    return ValidationError({field: ValidationError(message, code=code)})


def check_times(start: Any, end: Any, *, correction: bool = False) -> tuple[datetime, datetime]:
    """`start` and `end` as aware UTC instants to the second. Raises ValidationError: a time
    missing or without a zone, an end not after the start (a correction may make them equal:
    the record is void), an end in the future."""
    errors: dict[str, str] = {}
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, datetime):
            errors[name] = _("Give a date and time.")
        elif timezone.is_naive(value):
            errors[name] = _("Give a time with its time zone.")
    if errors:
        raise ValidationError(errors)
    start, end = rules.in_utc(start), rules.in_utc(end)
    if start < EARLIEST:
        raise field_error("start", _("Hours are recorded from 1980 on."), "too_early")
    if end - start > LONGEST:
        raise field_error(
            "end", _("A record is at most 24 hours long: record each day on its own."), "too_long"
        )
    if end < start or (end == start and not correction):
        raise field_error("end", _("The end must be after the start."), "end_before_start")
    if end > timezone.now() + CLOCK_TOLERANCE:
        raise field_error(
            "end", _("Hours are recorded once served: the end is in the future."), "future"
        )
    return start, end


def check_subject(volunteer: Volunteer, activity: Activity, slot: Slot | None) -> None:
    """Raises ValidationError unless hours of `volunteer` may be recorded for `activity`
    (and `slot`): a registered volunteer, a published or finished activity, its own slot."""
    if volunteer.status not in HOLDING_STATUSES:
        raise field_error(
            "volunteer",
            _(
                "Only registered volunteers have service hours: this registration is not "
                "confirmed or has ended."
            ),
            "not_registered",
        )
    if activity.status not in RECORDABLE:
        raise field_error(
            "activity",
            _("Hours are recorded for published or finished activities only."),
            "activity_status",
        )
    if slot is not None and slot.activity_id != activity.pk:
        raise ValidationError({"slot": _("This slot belongs to another activity.")})


def _refuse_overlap(
    volunteer: Volunteer, start: datetime, end: datetime, *, besides: Iterable[int] = ()
) -> None:
    """Raises ValidationError ("overlap") when a live record of the volunteer overlaps."""
    if end <= start:
        return
    other = selectors.overlapping(volunteer, start, end, besides=besides)
    if other is not None:
        raise ValidationError(
            _(
                "This overlaps another record of the volunteer: %(activity)s, %(start)s to "
                "%(end)s. One person serves in one place at a time."
            ),
            code="overlap",
            params={
                "activity": other.activity.title,
                "start": _local(other.start),
                "end": _local(other.end),
            },
        )


def _long_day(
    volunteer: Volunteer, start: datetime, end: datetime, *, besides: Iterable[int] = ()
) -> bool:
    """Whether the volunteer's live records and [start, end) hold more than 12 hours on one
    of the local days it touches."""
    days = rules.minutes_per_day(start, end)
    if not days:
        return False
    first = selectors.local_start(min(days))
    last = selectors.local_start(max(days) + timedelta(days=1))
    others = (
        selectors.live(HourRecord.objects.filter(volunteer=volunteer))
        .filter(start__lt=last, end__gt=first)
        .exclude(pk__in=list(besides))
    )
    for other in others.only("start", "end"):
        for day, minutes in rules.minutes_per_day(other.start, other.end).items():
            if day in days:
                days[day] += minutes
    return any(minutes > rules.LONG_DAY_MINUTES for minutes in days.values())


def _flags(base: Iterable[str], *, long_day: bool) -> list[str]:
    flags = [flag for flag in base if flag != HourFlag.LONG_DAY]
    return [*flags, HourFlag.LONG_DAY] if long_day else flags


def clean_content(content: Any) -> str:
    """Service content as kept: one line, no ID or phone numbers (`common.text.clean_note`).
    Raises ValidationError ("content")."""
    return clean_note(content, field="content", limit=CONTENT_LIMIT)


def _volunteer_lock(volunteer: Volunteer) -> None:
    locks.hold(f"hours.volunteer:{volunteer.pk}")


def record_hours(
    volunteer: Volunteer,
    *,
    activity: Activity,
    start: datetime,
    end: datetime,
    actor: Any,
    slot: Slot | None = None,
    content: str = "",
    source: str = HourSource.LEADER,
    flags: Iterable[str] = (),
    hours_import: HoursImport | None = None,
) -> HourRecord:
    """A pending record of `volunteer`'s service in `activity` from `start` to `end` (aware).
    `actor` is the leader (None: the volunteer's own check-out, or the operator).
    Raises PermissionDenied (not a leader or administrator of the organiser), ValidationError
    (times, an unregistered volunteer, an activity not published, an overlap).
    Audit: hours.record.created."""
    permissions.require_records_for(actor, activity.organizer)
    start, end = check_times(start, end)
    check_subject(volunteer, activity, slot)
    content = clean_content(content)
    rounding = selectors.policy_for(activity.organizer).rounding
    with transaction.atomic():
        _volunteer_lock(volunteer)
        _refuse_overlap(volunteer, start, end)
        actual = rules.minutes_between(start, end)
        record = HourRecord.objects.create(
            volunteer=volunteer,
            activity=activity,
            slot=slot,
            organizer=activity.organizer,
            start=start,
            end=end,
            actual_minutes=actual,
            minutes=rules.counted_minutes(actual, rounding),
            rounding=rounding,
            content=content,
            source=source,
            flags=_flags(flags, long_day=_long_day(volunteer, start, end)),
            recorded_by=acting_user(actor),
            hours_import=hours_import,
        )
        if hours_import is None:  # a back-filled sheet writes one entry for its rows
            _audit(actor, "hours.record.created", record, source=source, minutes=record.minutes)
    return record


def _audit(actor: Any, action: str, record: HourRecord, **data: Any) -> None:
    log_action(actor, action, record, organization=record.organizer, data=data)


def _locked_record(record: HourRecord) -> HourRecord:
    """`record` read again and locked: its row only (`LOCKED`), not its volunteer's or
    organiser's, which other writers lock for their own work."""
    return (
        HourRecord.objects.select_for_update(**LOCKED)
        .select_related("volunteer", "organizer")
        .get(pk=record.pk)
    )


def _refuse_unless_pending(record: HourRecord) -> None:
    if record.status != HourStatus.PENDING:
        raise ValidationError(
            _("This record was already %(status)s: a confirmed record is corrected, never edited.")
            % {"status": record.get_status_display()},
            code="not_pending",
        )


def edit_record(
    record: HourRecord,
    *,
    actor: Any,
    start: datetime | None = None,
    end: datetime | None = None,
    content: str | None = None,
) -> HourRecord:
    """Change a pending record's times or content (a leader's edit before confirming); its
    minutes and flags follow. Raises PermissionDenied, ValidationError ("not_pending" for a
    confirmed or rejected record, times, overlap). Audit: hours.record.changed."""
    permissions.require_records_for(actor, record.organizer)
    with transaction.atomic():
        _volunteer_lock(record.volunteer)
        locked = _locked_record(record)
        _refuse_unless_pending(locked)
        new_start, new_end = check_times(
            start or locked.start, end or locked.end, correction=locked.is_correction
        )
        changed: dict[str, list[str]] = {}
        if (new_start, new_end) != (locked.start, locked.end):
            _refuse_overlap(locked.volunteer, new_start, new_end, besides=_besides(locked))
            changed["start"] = [_local(locked.start), _local(new_start)]
            changed["end"] = [_local(locked.end), _local(new_end)]
            locked.start, locked.end = new_start, new_end
            locked.actual_minutes = rules.minutes_between(new_start, new_end)
            locked.minutes = rules.counted_minutes(locked.actual_minutes, locked.rounding)
            long_day = _long_day(locked.volunteer, new_start, new_end, besides=_besides(locked))
            locked.flags = _flags(locked.flags, long_day=long_day)
        if content is not None:
            cleaned = clean_content(content)
            if cleaned != locked.content:
                changed["content"] = [locked.content, cleaned]
                locked.content = cleaned
        if changed:
            locked.save()
            _audit(actor, "hours.record.changed", locked, changed=changed, minutes=locked.minutes)
    return locked


def _besides(record: HourRecord) -> list[int]:
    """Records the overlap check leaves out for `record`: itself and what it corrects."""
    return [pk for pk in (record.pk, record.corrects_id) if pk is not None]


def confirmation_refusal(record: HourRecord, actor: Any) -> str | None:
    """Why `actor` may not confirm `record` (pending), or None: their own hours, or a
    correction they entered themselves, need a second person."""
    if record.status != HourStatus.PENDING:
        return _("This record is not awaiting confirmation.")
    if permissions.is_own(actor, record.volunteer):
        return _("These are your own hours: another leader or administrator confirms them.")
    if record.is_correction and actor is not None and record.recorded_by_id == actor.pk:
        return _("You entered this correction: a second person confirms it.")
    return None


def confirm_records(records: Iterable[HourRecord], *, actor: Any) -> list[HourRecord]:
    """Confirm pending records, all or none: each joins its organiser's chain (the head
    locked, organisers in id order, so two confirmations never deadlock nor fork a chain) and
    counts from then on; a confirmed correction replaces the record it corrects.
    Raises PermissionDenied, ValidationError (each refused record named: not pending, the
    leader's own hours, a correction without a second person). Audit: hours.record.confirmed."""
    ids = sorted({record.pk for record in records})
    if not ids:
        raise ValidationError(_("Choose the records to confirm."), code="empty")
    with transaction.atomic():
        locked = list(
            HourRecord.objects.select_for_update(**LOCKED)
            .filter(pk__in=ids)
            .select_related("volunteer", "organizer", "activity")
            .order_by("organizer_id", "start", "pk")
        )
        for record in locked:
            permissions.require_records_for(actor, record.organizer)
        refusals = [
            (record, reason)
            for record in locked
            if (reason := confirmation_refusal(record, actor)) is not None
        ]
        if refusals:
            raise ValidationError(
                [
                    ValidationError(
                        _("%(record)s: %(reason)s"),
                        code="refused",
                        params={"record": _record_label(record), "reason": reason},
                    )
                    for record, reason in refusals
                ]
            )
        now = timezone.now().replace(microsecond=0)
        by_organizer: dict[int, list[HourRecord]] = defaultdict(list)
        for record in locked:
            by_organizer[record.organizer_id].append(record)
        for organizer_id in sorted(by_organizer):
            head = chain.lock_head(by_organizer[organizer_id][0].organizer)
            for record in by_organizer[organizer_id]:
                record.status = HourStatus.CONFIRMED
                record.decided_by = acting_user(actor)
                record.decided_at = now
                chain.append(head, record)
                record.save(
                    update_fields=[
                        "status",
                        "decided_by",
                        "decided_at",
                        "chain_position",
                        "previous_hash",
                        "record_hash",
                    ]
                )
            head.save()
        tallies.count_confirmed(locked)
        log_actions(
            actor,
            [
                Change(
                    "hours.record.confirmed",
                    record,
                    record.organizer,
                    {"minutes": record.minutes, "position": record.chain_position},
                )
                for record in locked
            ],
        )
        corrections = [record for record in locked if record.is_correction]
        if corrections:  # the apps above see hours fall (hooks.corrections_confirmed)
            hooks.corrections_confirmed.send(HourRecord, records=corrections, actor=actor)
        for record in locked:
            if not record.is_correction:
                transaction.on_commit(partial(_text_recorded, record))
    return locked


def _text_recorded(record: HourRecord) -> None:
    """The "hours recorded" SMS to the volunteer's mobile, with the link to say "I did not
    serve this" (`volunteers.report_links`: ids only, nobody's identity in it)."""
    send_sms(
        record.volunteer.mobile,
        "hours_recorded",
        {
            "activity": record.activity.title[:30],
            "date": timezone.localdate(record.start).isoformat(),
            "hours": f"{rules.hours(record.minutes):.2f}",
            "report": report_link(record.volunteer_id, record.pk),
        },
    )


def _record_label(record: HourRecord) -> str:
    return f"{record.volunteer.name} {_local(record.start)}"


def reject_record(record: HourRecord, *, actor: Any, reason: str) -> HourRecord:
    """Reject a pending record (or a correction, which then leaves the record it would have
    replaced as it was), with a reason. Raises PermissionDenied, ValidationError.
    Audit: hours.record.rejected."""
    permissions.require_records_for(actor, record.organizer)
    reason = clean_note(reason, field="reason", limit=200)
    if not reason:
        raise ValidationError({"reason": _("Say why the record is rejected.")})
    with transaction.atomic():
        locked = _locked_record(record)
        _refuse_unless_pending(locked)
        locked.status = HourStatus.REJECTED
        locked.decided_by = acting_user(actor)
        locked.decided_at = timezone.now().replace(microsecond=0)
        locked.rejection_reason = reason
        locked.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
        _audit(actor, "hours.record.rejected", locked, reason=reason)
    return locked


def request_correction(
    record: HourRecord,
    *,
    actor: Any,
    reason: str,
    start: datetime | None = None,
    end: datetime | None = None,
    content: str | None = None,
    by_volunteer: bool = False,
) -> HourRecord:
    """A correction of a confirmed, counted record: a new pending record with the right times
    and content (start equal to end voids the record), pointing to it with `reason`. A leader
    or administrator of the organiser enters it (`actor`), or the volunteer asks for it
    (`by_volunteer`, `actor` None: 67号令 第十六条). Someone other than who entered it confirms
    it (`confirm_records`); until then the record counts as it was.
    Raises PermissionDenied, ValidationError (not counted, a correction already open, times,
    overlap). Audit: hours.correction.requested."""
    if not by_volunteer:
        permissions.require_records_for(actor, record.organizer)
    reason = clean_note(reason, field="reason", limit=200)
    if not reason:
        raise ValidationError({"reason": _("Say what is wrong with the record.")})
    with transaction.atomic():
        _volunteer_lock(record.volunteer)
        original = _locked_record(record)
        if not selectors.counted(HourRecord.objects.filter(pk=original.pk)).exists():
            raise ValidationError(
                _("Only a confirmed record that counts is corrected; a pending one is edited."),
                code="not_counted",
            )
        if original.corrections.filter(status=HourStatus.PENDING).exists():
            raise _correction_open()
        new_start, new_end = check_times(
            start or original.start, end or original.end, correction=True
        )
        _refuse_overlap(original.volunteer, new_start, new_end, besides=[original.pk])
        actual = rules.minutes_between(new_start, new_end)
        correction = HourRecord(
            volunteer=original.volunteer,
            activity=original.activity,
            slot=original.slot,
            organizer=original.organizer,
            start=new_start,
            end=new_end,
            actual_minutes=actual,
            minutes=rules.counted_minutes(actual, original.rounding),
            rounding=original.rounding,
            content=original.content if content is None else clean_content(content),
            source=original.source,
            recorded_by=None if by_volunteer else acting_user(actor),
            corrects=original,
            correction_reason=reason,
            requested_by_volunteer=by_volunteer,
            flags=_flags(
                [],
                long_day=_long_day(original.volunteer, new_start, new_end, besides=[original.pk]),
            ),
        )
        try:
            with transaction.atomic():
                correction.save()
        except IntegrityError:  # another correction was entered at the same moment
            raise _correction_open() from None
        _audit(
            None if by_volunteer else actor,
            "hours.correction.requested",
            correction,
            corrects=original.pk,
            reason=reason,
            by_volunteer=by_volunteer,
            minutes=correction.minutes,
        )
    return correction


def _correction_open() -> ValidationError:
    return ValidationError(
        _("A correction of this record is already waiting for confirmation."),
        code="correction_open",
    )


def set_hours_policy(organization: Organization, *, actor: Any, rounding: str) -> HoursPolicy:
    """Set how hours count under `organization` (its subtree, where no nearer policy exists);
    records keep the rule they were made under. Administrators covering it only.
    Raises PermissionDenied, ValidationError. Audit: hours.policy.changed."""
    permissions.require_administers(actor, organization)
    if rounding not in Rounding.values:
        raise ValidationError({"rounding": _("Choose a rounding rule.")})
    with transaction.atomic():
        policy, _created = HoursPolicy.objects.select_for_update().get_or_create(
            organization=organization, defaults={"rounding": rounding}
        )
        policy.rounding = rounding
        policy.save()
        log_action(
            actor,
            "hours.policy.changed",
            policy,
            organization=organization,
            data={"rounding": rounding},
        )
    return policy
