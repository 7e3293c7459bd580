"""Check-in and check-out (issue 12, item 3): a QR code per slot whose signed token changes
every HOURS_QR_SECONDS, the volunteer's own check-in after scanning it, the leader's from the
roster or the API, the geofence, and the periodic close of missed check-outs.

- A token is `TimestampSigner`'s signature over "slot id.time window"; the current and the
  previous window are accepted, so a code read just before it changed still works and a
  photo of it stops working within a minute.
- Each direction takes an optional idempotency key, unique per slot in the database: a phone
  that retries on a bad network gets the first answer back and nothing is counted twice.
  Without a key, scanning twice is harmless too: an open interval is returned as it is.
- Leaving and coming back is two intervals; at most one is open per volunteer and slot (a
  partial unique constraint, so concurrent check-ins of one person cannot make two).
- Checking out makes a pending record (`services.record_hours`, source check-in) of the
  interval within the slot's times: service time, not the time spent early or late.
- With a geofence (the activity's coordinates and radius), the distance is recorded and a
  check-in outside it, or a volunteer's without a location, is flagged for the leader.
"""

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.activities.enums import SignUpStatus
from zhiyuan.activities.models import SignUp, Slot
from zhiyuan.common.audit import create_with_entry, log_action
from zhiyuan.common.prepared import Param, PreparedRead
from zhiyuan.hours import permissions, rules, services
from zhiyuan.hours.enums import HourFlag, HourSource
from zhiyuan.hours.models import Attendance
from zhiyuan.volunteers.models import Volunteer

TOKEN_SALT = "zhiyuan.hours.checkin"  # noqa: S105 - a namespace for the signer, not a secret
#: How early before a slot's start a volunteer may check in.
EARLY = timedelta(minutes=60)
#: Idempotency keys: what clients send (a UUID, a counter with a device id), at most 64.
_KEY = re.compile(r"[A-Za-z0-9._:\-]{1,64}")


def _window(at: float) -> int:
    return int(at // settings.HOURS_QR_SECONDS)


def slot_token(slot: Slot, *, at: float | None = None) -> str:
    """The token the slot's QR code carries now (or at `at`, seconds since the epoch)."""
    window = _window(time.time() if at is None else at)
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(f"{slot.pk}.{window}")


def seconds_left(*, at: float | None = None) -> int:
    """Seconds until the current token is replaced (the QR page refreshes then)."""
    now = time.time() if at is None else at
    period = settings.HOURS_QR_SECONDS
    return max(1, int(period - now % period))


def token_slot_id(token: str, *, at: float | None = None) -> int:
    """The slot id a token carries. Raises ValidationError "invalid_token" (not one of ours,
    or altered) or "expired_token" (older than the previous window)."""
    try:
        value = signing.TimestampSigner(salt=TOKEN_SALT).unsign(str(token)[:200])
        slot_id, window = (int(part) for part in value.split("."))
    except (signing.BadSignature, ValueError):
        raise ValidationError(
            _("This check-in code is not valid. Scan the code shown at the activity."),
            code="invalid_token",
        ) from None
    current = _window(time.time() if at is None else at)
    if window not in (current, current - 1):
        raise ValidationError(
            _("This check-in code has expired. Scan the code shown at the activity again."),
            code="expired_token",
        )
    return slot_id


def check_token(token: str, slot: Slot, *, at: float | None = None) -> None:
    """Raises ValidationError unless `token` is current and belongs to `slot`
    ("other_slot": a code of another activity or time)."""
    if token_slot_id(token, at=at) != slot.pk:
        raise ValidationError(
            _("This check-in code belongs to another activity or time slot."), code="other_slot"
        )


@dataclass(frozen=True)
class Checked:
    """What a check-in or check-out left: the interval, and whether this call wrote it
    (False for a retry with the same key, a second scan, a second check-out)."""

    attendance: Attendance
    created: bool


def clean_key(key: Any) -> str | None:
    """An idempotency key as stored; None for none. Raises ValidationError ("key")."""
    if key in (None, ""):
        return None
    key = str(key)
    if not _KEY.fullmatch(key):
        raise ValidationError(
            {"key": _("An idempotency key is 1 to 64 letters, digits or . _ : -.")}
        )
    return key


def _when(at: datetime | None) -> datetime:
    """The moment of a check (a leader's queued offline check carries its own), to the
    second. Raises ValidationError for a naive time or one in the future."""
    if at is None:
        return timezone.now().replace(microsecond=0)
    if timezone.is_naive(at):
        raise ValidationError({"at": _("Give a time with its time zone.")})
    if at > timezone.now() + services.CLOCK_TOLERANCE:
        raise services.field_error("at", _("This time is in the future."), "future")
    return rules.in_utc(at)


def _distance(slot: Slot, latitude: Any, longitude: Any) -> int | None:
    activity = slot.activity
    if activity.latitude is None or activity.longitude is None:
        return None
    if latitude is None or longitude is None:
        return None
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise ValidationError({"latitude": _("A location is two numbers.")}) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError({"latitude": _("This is not a location on Earth.")})
    return rules.distance_m(float(activity.latitude), float(activity.longitude), lat, lon)


def _geofence_flags(slot: Slot, distance: int | None, *, by_leader: bool) -> list[str]:
    """Flags of a check against the activity's radius: outside it, or (a volunteer's own
    check) without a location where the activity asks for one. A leader at the roster vouches
    for presence; a location they send is checked all the same."""
    radius = slot.activity.geofence_radius
    if not radius or slot.activity.latitude is None:
        return []
    if distance is None:
        return [] if by_leader else [HourFlag.NO_LOCATION]
    return [HourFlag.OUTSIDE_GEOFENCE] if distance > radius else []


def _require_signed_up(slot: Slot, volunteer: Volunteer) -> None:
    if not slot.signups.filter(volunteer=volunteer, status=SignUpStatus.CONFIRMED).exists():
        raise _not_signed_up(volunteer)


def _not_signed_up(volunteer: Volunteer) -> ValidationError:
    return ValidationError(
        _("%(name)s has no confirmed sign-up for this slot.") % {"name": volunteer.name},
        code="not_signed_up",
    )


def _require_recordable(slot: Slot) -> None:
    if slot.activity.status not in services.RECORDABLE:
        raise ValidationError(
            _("This activity is not open: it is a draft or was cancelled."), code="closed"
        )


def _key_conflict() -> ValidationError:
    return ValidationError(
        _("This idempotency key was used for another volunteer's check."), code="key_reused"
    )


def check_in(
    slot: Slot,
    volunteer: Volunteer,
    *,
    actor: Any,
    key: Any = None,
    at: datetime | None = None,
    latitude: Any = None,
    longitude: Any = None,
) -> Checked:
    """Check `volunteer` in to `slot`: the volunteer after scanning the slot's code (`actor`
    None; the caller checked the token) or a leader (`actor`, from the roster or the API).
    Idempotent: the same key, or an interval already open, returns what is there.
    Raises PermissionDenied, ValidationError (no confirmed sign-up, too early, the slot over,
    the key used for another volunteer, a bad location). Audit: hours.attendance.checked_in."""
    if actor is not None:
        permissions.require_records_for(actor, slot.activity.organizer)
    return _check_in(
        slot,
        volunteer,
        actor=actor,
        key=clean_key(key),
        at=at,
        location=(latitude, longitude),
        signed_up=False,
    )


def check_in_signed_up(
    signup: SignUp, *, key: Any = None, latitude: Any = None, longitude: Any = None
) -> Checked:
    """The volunteer's own check-in after scanning the code of `signup`'s slot (the caller
    checked the token and found the confirmed `signup` of the caller, read with its slot,
    activity and volunteer: `selectors.own_signup`): `check_in` without asking the database
    again for the sign-up, which a storm of check-ins at a venue's gate feels
    (benchmarks/bench_checkin.py). Raises ValidationError as `check_in` does."""
    if signup.status != SignUpStatus.CONFIRMED:
        raise _not_signed_up(signup.volunteer)
    return _check_in(
        signup.slot,
        signup.volunteer,
        actor=None,
        key=clean_key(key),
        at=None,
        location=(latitude, longitude),
        signed_up=True,
    )


def _check_in(
    slot: Slot,
    volunteer: Volunteer,
    *,
    actor: Any,
    key: str | None,
    at: datetime | None,
    location: tuple[Any, Any],
    signed_up: bool,
) -> Checked:
    # What is there already, in one query: the row of this key, the volunteer's open interval.
    found = _existing(slot, volunteer, key)
    replay = next((a for a in found if key is not None and a.in_key == key), None)
    if replay is not None:
        if replay.volunteer_id != volunteer.pk:
            raise _key_conflict()
        return Checked(_with(replay, volunteer), created=False)
    when = _when(at)
    _require_recordable(slot)
    if not signed_up:
        _require_signed_up(slot, volunteer)
    if when < slot.starts_at - EARLY:
        raise ValidationError(_("Check-in opens an hour before the slot starts."), code="too_early")
    if when > slot.ends_at:
        raise ValidationError(_("This slot is over: check-in is closed."), code="slot_over")
    open_interval = next(
        (a for a in found if a.volunteer_id == volunteer.pk and a.checked_out_at is None), None
    )
    if open_interval is not None:
        return Checked(_with(open_interval, volunteer), created=False)
    distance = _distance(slot, *location)
    attendance = Attendance(
        slot=slot,
        volunteer=volunteer,
        checked_in_at=when,
        in_key=key,
        in_by=services.acting_user(actor),
        distance_m=distance,
        flags=_geofence_flags(slot, distance, by_leader=actor is not None),
    )
    try:
        create_with_entry(
            attendance,
            actor,
            "hours.attendance.checked_in",
            organization=slot.activity.organizer,
            data={"distance": distance, "flags": attendance.flags},
        )
    except IntegrityError:  # the same key or the same person at the same moment
        return _after_race(slot, volunteer, key, "in_key")
    return Checked(attendance, created=True)


#: The slot's interval of a key and a volunteer's open interval there, prepared
#: (`common.prepared`): every check-in asks it first. Without a key, the key compares as NULL.
_EXISTING = PreparedRead(
    lambda: Attendance.objects.filter(
        Q(volunteer_id=Param("volunteer"), checked_out_at__isnull=True) | Q(in_key=Param("key")),
        slot_id=Param("slot"),
    ).order_by()
)


def _existing(slot: Slot, volunteer: Volunteer, key: str | None) -> list[Attendance]:
    """The slot's interval of `key` (when given) and `volunteer`'s open interval there."""
    return _EXISTING.objects(slot=slot.pk, volunteer=volunteer.pk, key=key)


def _with(attendance: Attendance, volunteer: Volunteer) -> Attendance:
    """`attendance` knowing its volunteer (the one asked about: the same row), so that
    showing it asks the database nothing more."""
    if attendance.volunteer_id == volunteer.pk:
        attendance.volunteer = volunteer
    return attendance


def _replay(found: Any, volunteer: Volunteer) -> Checked | None:
    attendance = found.first()
    if attendance is None:
        return None
    if attendance.volunteer_id != volunteer.pk:
        raise _key_conflict()
    return Checked(attendance, created=False)


def _after_race(slot: Slot, volunteer: Volunteer, key: str | None, field: str) -> Checked:
    """The answer to a check that lost a race to an equal one: what the winner wrote."""
    if key is not None:
        replay = _replay(Attendance.objects.filter(slot=slot, **{field: key}), volunteer)
        if replay is not None:
            return replay
    found = (
        Attendance.objects.filter(slot=slot, volunteer=volunteer)
        .order_by("-checked_in_at", "-pk")
        .first()
    )
    if found is None:
        raise ValidationError(_("Please try again."), code="retry")
    return Checked(found, created=False)


def check_out(
    slot: Slot,
    volunteer: Volunteer,
    *,
    actor: Any,
    key: Any = None,
    at: datetime | None = None,
    latitude: Any = None,
    longitude: Any = None,
) -> Checked:
    """Close `volunteer`'s open interval at `slot` and make its pending record. Idempotent:
    the same key, or a second check-out, returns the closed interval.
    Raises PermissionDenied, ValidationError ("not_checked_in", times).
    Audit: hours.attendance.checked_out (and hours.record.created)."""
    if actor is not None:
        permissions.require_records_for(actor, slot.activity.organizer)
    key = clean_key(key)
    if key is not None:
        replay = _replay(Attendance.objects.filter(slot=slot, out_key=key), volunteer)
        if replay is not None:
            return replay
    when = _when(at)
    distance = _distance(slot, latitude, longitude)
    try:
        with transaction.atomic():
            return _close(
                slot,
                volunteer,
                actor=actor,
                key=key,
                when=when,
                distance=distance,
                flags=[],
            )
    except IntegrityError:
        return _after_race(slot, volunteer, key, "out_key")


def _close(
    slot: Slot,
    volunteer: Volunteer,
    *,
    actor: Any,
    key: str | None,
    when: datetime,
    distance: int | None,
    flags: list[str],
    action: str = "hours.attendance.checked_out",
) -> Checked:
    open_interval = (
        Attendance.objects.select_for_update()
        .filter(slot=slot, volunteer=volunteer, checked_out_at__isnull=True)
        .first()
    )
    if open_interval is None:
        last = (
            Attendance.objects.filter(slot=slot, volunteer=volunteer)
            .order_by("-checked_in_at", "-pk")
            .first()
        )
        if last is None:
            raise ValidationError(
                _("%(name)s has not checked in to this slot.") % {"name": volunteer.name},
                code="not_checked_in",
            )
        return Checked(last, created=False)
    if when < open_interval.checked_in_at:
        raise services.field_error(
            "at", _("A check-out cannot come before its check-in."), "before_check_in"
        )
    open_interval.checked_out_at = when
    open_interval.out_key = key
    open_interval.out_by = services.acting_user(actor)
    open_interval.out_distance_m = distance
    open_interval.flags = [*open_interval.flags, *flags]
    open_interval.save()
    _make_record(open_interval, actor)
    log_action(
        actor,
        action,
        open_interval,
        organization=slot.activity.organizer,
        data={"distance": distance, "flags": open_interval.flags},
    )
    return Checked(open_interval, created=True)


def _make_record(attendance: Attendance, actor: Any) -> None:
    """The pending record of a closed interval, within the slot's times (none if nothing of
    it falls inside). An overlap with another record of the volunteer is flagged on the
    interval for the leader instead (the check-out stands)."""
    slot = attendance.slot
    out = attendance.checked_out_at or attendance.checked_in_at
    start = max(attendance.checked_in_at, slot.starts_at)
    end = min(out, slot.ends_at)
    if rules.minutes_between(start, end) < 1:
        return
    try:
        with transaction.atomic():
            record = services.record_hours(
                attendance.volunteer,
                activity=slot.activity,
                slot=slot,
                start=start,
                end=end,
                actor=actor,
                source=HourSource.CHECK_IN,
                flags=attendance.flags,
            )
    except ValidationError as error:
        if getattr(error, "code", None) != "overlap":
            raise
        attendance.flags = [*attendance.flags, HourFlag.OVERLAP]
    else:
        attendance.record = record
    attendance.save(update_fields=["flags", "record"])


def close_missed_checkouts(*, now: datetime | None = None) -> int:
    """Close every interval still open HOURS_CHECKOUT_GRACE_MINUTES after its slot's end, at
    the slot's end, flagged "no check-out" on the interval and its record. Each in its own
    transaction; safe to run at any interval. Returns how many were closed.
    Audit: hours.attendance.closed_automatically."""
    now = now or timezone.now()
    grace = timedelta(minutes=settings.HOURS_CHECKOUT_GRACE_MINUTES)
    missed = Attendance.objects.filter(
        checked_out_at__isnull=True, slot__ends_at__lt=now - grace
    ).select_related("slot__activity__organizer", "volunteer")
    closed = 0
    for attendance in missed.iterator(chunk_size=500):
        slot = attendance.slot
        with transaction.atomic():
            checked = _close(
                slot,
                attendance.volunteer,
                actor=None,
                key=None,
                when=max(slot.ends_at, attendance.checked_in_at),
                distance=None,
                flags=[HourFlag.AUTO_CLOSED],
                action="hours.attendance.closed_automatically",
            )
        closed += int(checked.created)
    return closed
