"""Writes of the activities app: activities and their slots (create, edit, publish, cancel,
finish), attachments, and sign-ups (sign up, a leader's group, cancel, approve, reject).

Each service runs in one transaction and writes audit entries; SMS go out through
`common.outbox` when the transaction commits.

Places are scarce: every service that takes or frees a place locks the slot's row first
(`SELECT … FOR UPDATE`; SQLite's IMMEDIATE transactions serialise writers anyway) and counts
the confirmed sign-ups under the lock, so a slot never holds more confirmed sign-ups than its
capacity, and a freed place goes to the first on the waiting list in the same transaction.
A volunteer's own sign-ups are serialised by a named lock on the volunteer, taken before the
slot's (always in that order, volunteers by id: no deadlock), so two sign-ups of one person
for overlapping slots cannot both pass the overlap check.
"""

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zhiyuan.activities import permissions
from zhiyuan.activities.enums import (
    LIVE_SIGNUP_STATUSES,
    ActivityStatus,
    AttachmentKind,
    CategoryKind,
    SignUpReason,
    SignUpSource,
    SignUpStatus,
    Visibility,
)
from zhiyuan.activities.models import Activity, Attachment, Category, SignUp, Slot
from zhiyuan.common import locks, uploads
from zhiyuan.common.audit import Change, log_action, log_actions
from zhiyuan.common.outbox import send_sms
from zhiyuan.common.text import clean_note, has_control_characters, refuse_personal_number
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import MembershipStatus, RegistrationStatus, Skill
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.selectors import TEAM_KINDS, age_on, registered_volunteers

#: The longest slot: longer service is several slots (a day over 12 hours is flagged by hours).
SLOT_MAX_HOURS = 24
#: The most places one slot may have.
CAPACITY_MAX = 100_000
PHOTO_MAX_BYTES = 5 * 1024 * 1024
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DESCRIPTION_MAX = 5000
#: The largest minimum age and check-in radius (metres) an activity may set.
BOUNDS = {"minimum_age": 100, "geofence_radius": 100_000}

#: The fields of an activity set by `create_activity` and `update_activity`.
DETAIL_FIELDS = (
    "title",
    "category",
    "campaigns",
    "description",
    "service_recipients",
    "address",
    "division",
    "latitude",
    "longitude",
    "geofence_radius",
    "minimum_age",
    "skills",
    "visibility",
    "audience",
    "signup_deadline",
    "needs_approval",
    "carries_risk",
    "insurer",
    "insurance_policy_number",
    "insurance_valid_until",
)


# --- activities -------------------------------------------------------------------------


def create_activity(organizer: Organization, *, actor: Any, details: Mapping[str, Any]) -> Activity:
    """A draft activity organised by `organizer` with `details` (DETAIL_FIELDS; title,
    category, address and division required). Raises PermissionDenied, ValidationError
    (keyed by field). Audit: activity.created."""
    permissions.require_may_organise(actor, organizer)
    activity = Activity(organizer=organizer, created_by=_user(actor))
    campaigns = _apply_details(activity, details, actor=actor, creating=True)
    with transaction.atomic():
        activity.save()
        activity.campaigns.set(campaigns)
        log_action(actor, "activity.created", activity, organization=organizer)
    return activity


def update_activity(activity: Activity, *, actor: Any, details: Mapping[str, Any]) -> Activity:
    """Change the details named in `details` of a draft or published activity. A published
    one carrying risk must keep its insurance record. Raises PermissionDenied,
    ValidationError. Audit: activity.changed (the changed fields)."""
    permissions.require_manages(actor, activity)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _require_status(locked, ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)
        before = {name: _comparable(locked, name) for name in DETAIL_FIELDS}
        before["campaigns"] = {c.pk for c in locked.campaigns.all()}
        campaigns = _apply_details(locked, details, actor=actor, creating=False)
        if locked.status == ActivityStatus.PUBLISHED:
            _check_insurance(locked, list(locked.slots.all()))
        locked.save()
        if "campaigns" in details:
            locked.campaigns.set(campaigns)
        after = {c.pk for c in campaigns}
        changed = [
            name
            for name in DETAIL_FIELDS
            if (after if name == "campaigns" else _comparable(locked, name)) != before[name]
        ]
        log_action(
            actor,
            "activity.changed",
            locked,
            organization=locked.organizer,
            data={"fields": changed},
        )
    return locked


def publish_activity(activity: Activity, *, actor: Any) -> Activity:
    """Publish a draft: volunteers may see it and sign up. Every slot must start in the
    future and one at least have places; the sign-up deadline, if any, must not have passed;
    an activity carrying risk needs its volunteers' accident-insurance record covering its
    last slot (志愿服务条例 第十七条). Raises PermissionDenied, ValidationError (every problem
    at once). Audit: activity.published."""
    permissions.require_manages(actor, activity)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _require_status(locked, ActivityStatus.DRAFT)
        slots = list(locked.slots.all())
        problems = _publication_problems(locked, slots)
        if problems:
            raise ValidationError(problems)
        locked.status = ActivityStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.published_by = _user(actor)
        locked.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        log_action(actor, "activity.published", locked, organization=locked.organizer)
    return locked


def cancel_activity(activity: Activity, *, actor: Any, reason: str) -> Activity:
    """Cancel a draft or published activity with a reason; every live sign-up is cancelled and
    each volunteer signed up (confirmed, awaiting approval or waiting) is told by SMS, once.
    Raises PermissionDenied, ValidationError. Audit: activity.cancelled (the reason, the number
    of sign-ups cancelled)."""
    permissions.require_manages(actor, activity)
    reason = clean_note(reason, field="reason")
    if not reason:
        raise ValidationError({"reason": _("Say why the activity is cancelled.")})
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _require_status(locked, ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)
        list(Slot.objects.select_for_update().filter(activity=locked).order_by("pk"))
        live = SignUp.objects.filter(slot__activity=locked, status__in=LIVE_SIGNUP_STATUSES)
        told = list(
            live.select_related("volunteer", "slot").order_by("volunteer_id", "slot__starts_at")
        )
        now = timezone.now()
        count = live.update(
            status=SignUpStatus.CANCELLED,
            waitlist_position=None,
            reason=reason,
            status_changed_at=now,
            updated_at=now,
        )
        locked.status = ActivityStatus.CANCELLED
        locked.cancelled_at = now
        locked.cancelled_by = _user(actor)
        locked.cancellation_reason = reason
        locked.save()
        log_action(
            actor,
            "activity.cancelled",
            locked,
            organization=locked.organizer,
            data={"reason": reason, "signups": count},
        )
        seen: set[int] = set()
        for signup in told:
            if signup.volunteer_id not in seen:
                seen.add(signup.volunteer_id)
                _text(signup.volunteer, "activity_cancelled", signup.slot)
    return locked


def finish_activity(activity: Activity, *, actor: Any) -> Activity:
    """Mark a published activity finished once its last slot has ended. Raises
    PermissionDenied, ValidationError. Audit: activity.finished."""
    permissions.require_manages(actor, activity)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _require_status(locked, ActivityStatus.PUBLISHED)
        last_end = locked.slots.aggregate(last=Max("ends_at"))["last"]
        if last_end is not None and last_end > timezone.now():
            raise ValidationError(_("The activity can be finished once its last slot has ended."))
        _finish(locked, actor)
    return locked


def finish_ended_activities(*, now: datetime | None = None) -> int:
    """Finish every published activity whose last slot ended before `now` (the periodic job);
    returns how many. Each is finished in its own transaction, by the platform."""
    now = now or timezone.now()
    ended = (
        Activity.objects.filter(status=ActivityStatus.PUBLISHED)
        .annotate(last=Max("slots__ends_at"))
        .filter(last__lt=now)
        .values_list("pk", flat=True)
    )
    finished = 0
    for pk in list(ended):
        with transaction.atomic():
            locked = Activity.objects.select_for_update().get(pk=pk)
            if locked.status == ActivityStatus.PUBLISHED:
                _finish(locked, None)
                finished += 1
    return finished


def _finish(activity: Activity, actor: Any) -> None:
    activity.status = ActivityStatus.FINISHED
    activity.finished_at = timezone.now()
    activity.save(update_fields=["status", "finished_at", "updated_at"])
    log_action(actor, "activity.finished", activity, organization=activity.organizer)


# --- slots ------------------------------------------------------------------------------


def add_slot(
    activity: Activity,
    *,
    actor: Any,
    starts_at: Any,
    ends_at: Any,
    capacity: Any,
    label: str = "",
) -> Slot:
    """A slot of a draft or published activity: instants with a time zone, starting in the
    future, ending after the start and within SLOT_MAX_HOURS; `capacity` a whole number of
    places (0: none). Raises PermissionDenied, ValidationError (keys starts_at, ends_at,
    capacity, label). Audit: activity.slot.added."""
    permissions.require_manages(actor, activity)
    starts_at, ends_at = _clean_times(starts_at, ends_at)
    places = whole_number(capacity, field="capacity")
    label = _one_line(label, field="label", limit=50)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _require_status(locked, ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)
        slot = Slot(
            activity=locked, starts_at=starts_at, ends_at=ends_at, capacity=places, label=label
        )
        if locked.status == ActivityStatus.PUBLISHED:
            _check_insurance(locked, [*locked.slots.all(), slot])
        slot.save()
        log_action(
            actor,
            "activity.slot.added",
            locked,
            organization=locked.organizer,
            data={"slot": slot.pk, "capacity": places},
        )
    return slot


def change_slot(
    slot: Slot,
    *,
    actor: Any,
    starts_at: Any = None,
    ends_at: Any = None,
    capacity: Any = None,
    label: str | None = None,
) -> Slot:
    """Change a slot's times, capacity or label (None: unchanged). Times change only while
    nobody is signed up (they agreed to the old ones); the capacity never drops below the
    confirmed sign-ups (cancel some first), and a raised one gives the new places to the
    waiting list, first come first served, each promoted volunteer told by SMS.
    Raises PermissionDenied, ValidationError. Audit: activity.slot.changed."""
    permissions.require_manages(actor, slot.activity)
    places = None if capacity is None else whole_number(capacity, field="capacity")
    with transaction.atomic():
        locked = _lock_slot(slot.pk)
        _require_status(locked.activity, ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)
        changed: list[str] = []
        if starts_at is not None or ends_at is not None:
            new_start, new_end = _clean_times(
                starts_at or locked.starts_at, ends_at or locked.ends_at
            )
            if (new_start, new_end) != (locked.starts_at, locked.ends_at):
                if locked.signups.filter(status__in=LIVE_SIGNUP_STATUSES).exists():
                    raise ValidationError(
                        {
                            "starts_at": _(
                                "Volunteers have signed up for this slot: its times cannot "
                                "change. Add a new slot instead."
                            )
                        }
                    )
                locked.starts_at, locked.ends_at = new_start, new_end
                changed += ["starts_at", "ends_at"]
        if places is not None and places != locked.capacity:
            confirmed = locked.signups.filter(status=SignUpStatus.CONFIRMED).count()
            if places < confirmed:
                raise ValidationError({"capacity": _capacity_below_confirmed(confirmed)})
            locked.capacity = places
            changed.append("capacity")
        if label is not None:
            locked.label = _one_line(label, field="label", limit=50)
            changed.append("label")
        if locked.activity.status == ActivityStatus.PUBLISHED:
            _check_insurance(locked.activity, list(locked.activity.slots.all()))
        locked.save()
        promoted = _promote(locked, actor)
        log_action(
            actor,
            "activity.slot.changed",
            locked.activity,
            organization=locked.activity.organizer,
            data={
                "slot": locked.pk,
                "fields": changed,
                "capacity": locked.capacity,
                "promoted": len(promoted),
            },
        )
    return locked


def remove_slot(slot: Slot, *, actor: Any) -> None:
    """Remove a slot nobody is signed up for; a published activity keeps one at least.
    Raises PermissionDenied, ValidationError. Audit: activity.slot.removed."""
    activity = slot.activity
    permissions.require_manages(actor, activity)
    with transaction.atomic():
        locked = _lock_slot(slot.pk)
        _require_status(locked.activity, ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)
        if locked.signups.exists():
            raise ValidationError(
                _("Volunteers have signed up for this slot: cancel the activity instead.")
            )
        if (
            locked.activity.status == ActivityStatus.PUBLISHED
            and locked.activity.slots.count() == 1
        ):
            raise ValidationError(_("A published activity keeps one slot at least."))
        pk = locked.pk
        locked.delete()
        log_action(
            actor,
            "activity.slot.removed",
            activity,
            organization=activity.organizer,
            data={"slot": pk},
        )


def whole_number(value: Any, *, field: str, maximum: int = CAPACITY_MAX) -> int:
    """`value` (an int, or text of ASCII digits) as a whole number from 0 to `maximum`.
    Raises ValidationError keyed by `field`: 2.5, "2.5", "-1", "二", True are not capacities."""
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    elif isinstance(value, float | Decimal) and value == int(value):
        number = int(value)
    else:
        number = None
    if number is None or number < 0:
        raise ValidationError(
            {field: _("Enter a whole number of places (0 for none).")}, code="whole_number"
        )
    if number > maximum:
        raise ValidationError(
            {field: _("At most %(maximum)s places.") % {"maximum": maximum}}, code="too_many"
        )
    return number


# --- attachments ------------------------------------------------------------------------


def add_attachment(
    activity: Activity, *, actor: Any, upload: Any, kind: str, caption: str = ""
) -> Attachment:
    """Keep a photo (JPEG or PNG, at most PHOTO_MAX_BYTES and `uploads.MAX_PIXELS`, checked by
    opening it) or a document (PDF, JPEG or PNG, at most DOCUMENT_MAX_BYTES, told by its
    bytes, not its name) with an activity, encrypted at rest. Raises PermissionDenied,
    ValidationError (key "file"). Audit: activity.attachment.added."""
    permissions.require_manages(actor, activity)
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": _("Choose a photo, a document or an insurance record.")})
    caption = _one_line(caption, field="caption", limit=200)
    limit = PHOTO_MAX_BYTES if kind == AttachmentKind.PHOTO else DOCUMENT_MAX_BYTES
    data = upload.read(limit + 1) if upload else b""
    extension, content_type = _file_type(data, kind=kind, limit=limit)
    filename = _one_line(
        str(getattr(upload, "name", "") or "")[-200:], field="file", limit=200
    ) or (f"{kind}.{extension}")
    with transaction.atomic():
        attachment = Attachment(
            activity=activity,
            kind=kind,
            filename=filename,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            caption=caption,
            uploaded_by=_user(actor),
        )
        # A random stored name: no person's name goes into a path.
        attachment.file.save(f"{secrets.token_hex(16)}.{extension}", ContentFile(data), save=False)
        attachment.save()
        log_action(
            actor,
            "activity.attachment.added",
            activity,
            organization=activity.organizer,
            data={"kind": kind, "bytes": len(data)},
        )
    return attachment


def remove_attachment(attachment: Attachment, *, actor: Any) -> None:
    """Remove an attachment and its file. Audit: activity.attachment.removed."""
    activity = attachment.activity
    permissions.require_manages(actor, activity)
    with transaction.atomic():
        name, storage = attachment.file.name or "", attachment.file.storage
        kind = attachment.kind
        attachment.delete()
        log_action(
            actor,
            "activity.attachment.removed",
            activity,
            organization=activity.organizer,
            data={"kind": kind},
        )
        if name:
            transaction.on_commit(partial(storage.delete, name))


def _file_type(data: bytes, *, kind: str, limit: int) -> tuple[str, str]:
    """(extension, content type) of an upload told by its bytes (`common.uploads`); raises
    ValidationError."""
    megabytes = limit // (1024 * 1024)
    if kind == AttachmentKind.PHOTO:
        message = _("Choose a JPEG or PNG photo of at most %(mb)s MB.") % {"mb": megabytes}
    else:
        message = _("Choose a PDF, JPEG or PNG file of at most %(mb)s MB.") % {"mb": megabytes}
    checked = uploads.check_file(
        data, limit=limit, allow_pdf=kind != AttachmentKind.PHOTO, refused=message
    )
    return checked.extension, checked.content_type


# --- sign-ups ---------------------------------------------------------------------------


def sign_up(slot: Slot, volunteer: Volunteer) -> SignUp:
    """The volunteer signs up for `slot` (the portal or the API, in the volunteer's own
    session). Confirmed while places are left, else on the waiting list; awaiting approval
    where the activity needs it (holding no place until approved). Signing up again after
    cancelling reuses the one row. Raises ValidationError naming the reason: not a registered
    volunteer (an applicant is told to confirm first), not in the activity's audience, too
    young on the slot's day, lacking a required skill, already signed up, signed up for an
    overlapping slot, the slot started, the deadline passed, no places at all.
    Audit: activity.signup.created (the status)."""
    _check_open(slot)
    _check_volunteer(slot, volunteer)
    with transaction.atomic():
        locks.hold(_volunteer_lock(volunteer.pk))
        locked = _lock_slot(slot.pk)
        _check_open(locked)
        signup = _take(locked, volunteer, source=SignUpSource.SELF, by=None)
        log_action(
            None,
            "activity.signup.created",
            signup,
            organization=locked.activity.organizer,
            data={"slot": locked.pk, "status": signup.status},
        )
    return signup


def sign_up_group(
    slot: Slot, volunteers: Iterable[Volunteer], *, actor: Any, team: Organization
) -> list[SignUp]:
    """A leader of `team` signs up a group of its approved members for `slot`, all or none:
    the group must fit in the places left (awaiting approval where the activity needs it:
    then in the places not yet taken), and each member must pass every check `sign_up` makes.
    Each member is told by SMS that their leader signed them up (they may cancel).
    Raises PermissionDenied, ValidationError (every member's problem, by name).
    Audit: activity.signup.created for each (by the leader, with the team)."""
    permissions.require_leads(actor, team)
    members = sorted({v.pk: v for v in volunteers}.values(), key=lambda v: v.pk)
    if not members:
        raise ValidationError({"volunteers": _("Choose the members to sign up.")})
    outside = _not_members(members, team)
    if outside:
        raise ValidationError(
            {
                "volunteers": _("Not approved members of %(team)s: %(names)s.")
                % {"team": team.name, "names": "、".join(outside)}
            }
        )
    _check_open(slot)
    problems = _group_problems(slot, members)
    if problems:
        raise ValidationError({"volunteers": problems})
    with transaction.atomic():
        for member in members:
            locks.hold(_volunteer_lock(member.pk))
        locked = _lock_slot(slot.pk)
        _check_open(locked)
        problems = _group_problems(locked, members, checked=True)
        if problems:
            raise ValidationError({"volunteers": problems})
        free = _free_places(locked)
        if len(members) > free:
            raise ValidationError({"volunteers": _group_too_large(len(members), free)})
        signups = [
            _take(locked, member, source=SignUpSource.LEADER, by=_user(actor)) for member in members
        ]
        log_actions(
            actor,
            [
                Change(
                    "activity.signup.created",
                    signup,
                    locked.activity.organizer,
                    {"slot": locked.pk, "status": signup.status, "team": team.code},
                )
                for signup in signups
            ],
        )
        for member in members:
            _text(member, "signup_by_leader", locked, team=team.name)
    return signups


def cancel_signup(signup: SignUp, *, actor: Any = None, reason: str = "") -> SignUp:
    """Cancel a live sign-up before its slot starts: by the volunteer (`actor` None, their own
    session), the activity's managers, or the leader who signed them up. A confirmed place
    freed goes to the first on the waiting list, who is told by SMS. The row stays, to be
    reused if the volunteer signs up again. Raises PermissionDenied, ValidationError.
    Audit: activity.signup.cancelled (and activity.signup.promoted)."""
    if actor is not None and not (
        permissions.manages(actor, signup.slot.activity) or signup.signed_up_by_id == actor.pk
    ):
        raise PermissionDenied(
            _("Only the volunteer, the organiser or the leader who signed them up cancels.")
        )
    reason = clean_note(reason, field="reason")
    with transaction.atomic():
        slot = _lock_slot(signup.slot_id)
        locked = SignUp.objects.select_for_update().get(pk=signup.pk)
        if locked.status not in LIVE_SIGNUP_STATUSES:
            raise ValidationError(_("This sign-up is not live: nothing to cancel."))
        if slot.starts_at <= timezone.now():
            raise ValidationError(_("This slot has started: it can no longer be cancelled."))
        _set_status(locked, SignUpStatus.CANCELLED, reason=reason)
        log_action(
            actor,
            "activity.signup.cancelled",
            locked,
            organization=slot.activity.organizer,
            data={"slot": slot.pk, "reason": reason},
        )
        _promote(slot, actor)
    return locked


def release_signups(volunteer: Volunteer, *, actor: Any = None) -> list[SignUp]:
    """Cancel the live sign-ups of `volunteer` for slots not yet started once they are no
    longer a registered volunteer (suspended, cancelled, or not re-registered for the year), so
    that rosters stop counting on them; each place freed goes to the first still registered on
    the waiting list, who is texted. Sign-ups of slots under way or over stay: they are the
    record of who was expected. Does nothing for a registered volunteer (checked under the
    locks, so a registration reinstated meanwhile keeps its places).

    No permission check: called inside the transaction of a registration's suspension or
    cancellation (`volunteers.hooks.registration_ended`, whose service checked `actor`), and
    by the periodic job (`release_unregistered_signups`, actor None). Returns the sign-ups
    cancelled, each with its SignUpReason. Audit: activity.signup.cancelled for each (its
    slot and reason), activity.signup.promoted."""
    released: list[SignUp] = []
    with transaction.atomic():
        locks.hold(_volunteer_lock(volunteer.pk))
        current = Volunteer.objects.get(pk=volunteer.pk)
        if registered_volunteers(Volunteer.objects.filter(pk=current.pk)).exists():
            return released
        reason = _release_reason(current)
        now = timezone.now()
        live = SignUp.objects.filter(
            volunteer=current, status__in=LIVE_SIGNUP_STATUSES, slot__starts_at__gt=now
        )
        for slot_id in sorted(set(live.values_list("slot_id", flat=True))):
            slot = _lock_slot(slot_id)
            signup = live.select_for_update(of=("self",)).filter(slot=slot).first()
            if signup is None:
                continue
            _set_status(signup, SignUpStatus.CANCELLED, reason=reason)
            log_action(
                actor,
                "activity.signup.cancelled",
                signup,
                organization=slot.activity.organizer,
                data={"slot": slot.pk, "reason": reason},
            )
            _promote(slot, actor)
            released.append(signup)
    return released


def release_unregistered_signups(*, now: datetime | None = None) -> int:
    """The periodic job's sweep: `release_signups` for every volunteer holding a live sign-up
    for a slot starting after `now` who is not a registered volunteer: those whose
    registration ended by a path that told nobody, or who were not re-registered when the
    year turned where the city requires it. Each volunteer in their own transaction; safe to
    run at any interval. Returns how many sign-ups were cancelled."""
    now = now or timezone.now()
    holders = (
        SignUp.objects.filter(status__in=LIVE_SIGNUP_STATUSES, slot__starts_at__gt=now)
        .exclude(volunteer__in=registered_volunteers(Volunteer.objects.all()))
        .values_list("volunteer_id", flat=True)
        .distinct()
    )
    released = 0
    for volunteer in Volunteer.objects.filter(pk__in=list(holders)).order_by("pk"):
        released += len(release_signups(volunteer))
    return released


def _release_reason(volunteer: Volunteer) -> str:
    if volunteer.status == RegistrationStatus.SUSPENDED:
        return SignUpReason.REGISTRATION_SUSPENDED.value
    if volunteer.status == RegistrationStatus.CANCELLED:
        return SignUpReason.REGISTRATION_CANCELLED.value
    return SignUpReason.NOT_REGISTERED.value


def approve_signup(signup: SignUp, *, actor: Any) -> SignUp:
    """The organiser approves a sign-up awaiting approval: confirmed if a place is left, else
    on the waiting list. A confirmed volunteer is told by SMS. Raises PermissionDenied,
    ValidationError. Audit: activity.signup.approved (the status)."""
    permissions.require_manages(actor, signup.slot.activity)
    with transaction.atomic():
        slot = _lock_slot(signup.slot_id)
        locked = SignUp.objects.select_for_update().get(pk=signup.pk)
        _require_pending(locked)
        if not registered_volunteers(Volunteer.objects.filter(pk=locked.volunteer_id)).exists():
            raise ValidationError(_("This person is no longer a registered volunteer."))
        if _free_places(slot) > 0:
            _set_status(locked, SignUpStatus.CONFIRMED, decided_by=actor)
            _text(locked.volunteer, "signup_approved", slot)
        else:
            _set_status(
                locked, SignUpStatus.WAITLISTED, decided_by=actor, position=_next_position(slot)
            )
        log_action(
            actor,
            "activity.signup.approved",
            locked,
            organization=slot.activity.organizer,
            data={"slot": slot.pk, "status": locked.status},
        )
    return locked


def reject_signup(signup: SignUp, *, actor: Any, reason: str) -> SignUp:
    """The organiser declines a sign-up awaiting approval, with a reason the volunteer is
    told by SMS. Raises PermissionDenied, ValidationError. Audit: activity.signup.rejected."""
    permissions.require_manages(actor, signup.slot.activity)
    reason = clean_note(reason, field="reason")
    if not reason:
        raise ValidationError({"reason": _("Say why the sign-up is declined.")})
    with transaction.atomic():
        slot = _lock_slot(signup.slot_id)
        locked = SignUp.objects.select_for_update().get(pk=signup.pk)
        _require_pending(locked)
        _set_status(locked, SignUpStatus.REJECTED, decided_by=actor, reason=reason)
        log_action(
            actor,
            "activity.signup.rejected",
            locked,
            organization=slot.activity.organizer,
            data={"slot": slot.pk, "reason": reason},
        )
        _text(locked.volunteer, "signup_rejected", slot)
    return locked


# --- sign-up checks ---------------------------------------------------------------------


def _check_open(slot: Slot) -> None:
    """The slot takes sign-ups: its activity published, the slot not started, the deadline
    not passed, places at all (capacity 0 means none)."""
    activity = slot.activity
    now = timezone.now()
    if activity.status != ActivityStatus.PUBLISHED:
        raise ValidationError(_("This activity is not open for sign-up."), code="not_open")
    if slot.starts_at <= now:
        raise ValidationError(_("This slot has already started."), code="started")
    if activity.signup_deadline is not None and activity.signup_deadline <= now:
        raise ValidationError(_("The sign-up deadline has passed."), code="deadline")
    if slot.capacity == 0:
        raise ValidationError(_("This slot has no places."), code="no_places")


def _check_volunteer(slot: Slot, volunteer: Volunteer) -> None:
    problem = _volunteer_problem(slot, volunteer)
    if problem:
        raise ValidationError(problem[1], code=problem[0])


def _volunteer_problem(slot: Slot, volunteer: Volunteer) -> tuple[str, str] | None:
    """(code, message) of the first reason `volunteer` may not sign up for `slot`, outside the
    slot's lock (what a concurrent sign-up can change is checked again under it)."""
    activity = slot.activity
    if not registered_volunteers(Volunteer.objects.filter(pk=volunteer.pk)).exists():
        status = Volunteer.objects.filter(pk=volunteer.pk).values_list("status", flat=True).first()
        if status == RegistrationStatus.APPLIED:
            return "not_confirmed", _(
                "Your registration is not confirmed yet: confirm it with the code texted to "
                "you (or at your registration body), then sign up."
            )
        if status == RegistrationStatus.ACTIVE:
            return "not_reregistered", _("Re-register for this year first, then sign up.")
        return "not_registered", _("Only registered volunteers sign up for activities.")
    if not permissions.may_sign_up(volunteer, activity):
        if activity.visibility == Visibility.TEAM:
            return "audience", _("Only members of the team organising it sign up.")
        return "audience", _("This activity is open to volunteers of another area only.")
    if activity.minimum_age is not None:
        day = timezone.localtime(slot.starts_at, timezone.get_default_timezone()).date()
        if age_on(volunteer.birth_date, day) < activity.minimum_age:
            return "too_young", _(
                "Volunteers must be %(age)s or older on the day of the activity."
            ) % {"age": activity.minimum_age}
    missing = [skill for skill in activity.skills if skill not in set(volunteer.skills)]
    if missing:
        names = "、".join(str(Skill(skill).label) for skill in missing if skill in Skill.values)
        return "skills", _("This activity needs these skills: %(skills)s.") % {"skills": names}
    return _taken_problem(slot, volunteer)


def _taken_problem(slot: Slot, volunteer: Volunteer) -> tuple[str, str] | None:
    """Already signed up for `slot` (or declined by the organiser), or signed up for a slot at
    an overlapping time."""
    mine = SignUp.objects.filter(volunteer=volunteer)
    existing = mine.filter(slot=slot).values_list("status", flat=True).first()
    if existing in LIVE_SIGNUP_STATUSES:
        return "already", _("Already signed up for this slot.")
    if existing == SignUpStatus.REJECTED:
        return "rejected", _("The organiser declined your sign-up for this slot.")
    overlapping = (
        mine.filter(
            status__in=LIVE_SIGNUP_STATUSES,
            slot__starts_at__lt=slot.ends_at,
            slot__ends_at__gt=slot.starts_at,
        )
        .exclude(slot=slot)
        .select_related("slot__activity")
        .first()
    )
    if overlapping is not None:
        return "overlap", _("Already signed up for %(slot)s at an overlapping time.") % {
            "slot": _slot_text(overlapping.slot)
        }
    return None


def _group_problems(slot: Slot, members: list[Volunteer], *, checked: bool = False) -> list[str]:
    """Each member's problem, "name: problem"; under the lock (`checked`) only what a
    concurrent sign-up can change."""
    problems = []
    for member in members:
        found = _taken_problem(slot, member) if checked else _volunteer_problem(slot, member)
        if found:
            problems.append(f"{member.name}: {found[1]}")
    return problems


def _not_members(members: list[Volunteer], team: Organization) -> list[str]:
    approved = set(
        team.memberships.filter(
            status=MembershipStatus.APPROVED, volunteer__in=[m.pk for m in members]
        ).values_list("volunteer_id", flat=True)
    )
    return [member.name for member in members if member.pk not in approved]


# --- places and the waiting list --------------------------------------------------------


def _lock_slot(pk: int) -> Slot:
    return (
        Slot.objects.select_for_update(of=("self",))
        .select_related("activity__organizer")
        .get(pk=pk)
    )


def _volunteer_lock(pk: int) -> str:
    return f"activities.volunteer:{pk}"


def _free_places(slot: Slot) -> int:
    """Places left in a locked slot: its capacity less its confirmed sign-ups."""
    return slot.capacity - slot.signups.filter(status=SignUpStatus.CONFIRMED).count()


def _next_position(slot: Slot) -> int:
    last = slot.signups.filter(status=SignUpStatus.WAITLISTED).aggregate(
        last=Max("waitlist_position")
    )
    return (last["last"] or 0) + 1


def _take(slot: Slot, volunteer: Volunteer, *, source: str, by: Any) -> SignUp:
    """Sign `volunteer` up for the locked `slot`, reusing their row if they had cancelled."""
    problem = _taken_problem(slot, volunteer)
    if problem:
        raise ValidationError(problem[1], code=problem[0])
    if slot.activity.needs_approval:
        status, position = SignUpStatus.PENDING, None
    elif _free_places(slot) > 0:
        status, position = SignUpStatus.CONFIRMED, None
    else:
        status, position = SignUpStatus.WAITLISTED, _next_position(slot)
    now = timezone.now()
    signup, _created = SignUp.objects.update_or_create(
        slot=slot,
        volunteer=volunteer,
        defaults={
            "status": status,
            "waitlist_position": position,
            "source": source,
            "signed_up_by": by,
            "signed_up_at": now,
            "status_changed_at": now,
            "decided_by": None,
            "decided_at": None,
            "reason": "",
        },
    )
    return signup


def _promote(slot: Slot, actor: Any) -> list[SignUp]:
    """Give the locked slot's free places to its waiting list, first come first served (those
    still registered volunteers); each promoted volunteer is told by SMS.
    Audit: activity.signup.promoted for each."""
    free = _free_places(slot)
    if free <= 0:
        return []
    waiting = list(
        SignUp.objects.select_for_update(of=("self",))
        .filter(
            slot=slot,
            status=SignUpStatus.WAITLISTED,
            volunteer__in=registered_volunteers(Volunteer.objects.all()),
        )
        .select_related("volunteer")
        .order_by("waitlist_position", "pk")[:free]
    )
    for signup in waiting:
        _set_status(signup, SignUpStatus.CONFIRMED)
        log_action(
            actor,
            "activity.signup.promoted",
            signup,
            organization=slot.activity.organizer,
            data={"slot": slot.pk},
        )
        _text(signup.volunteer, "signup_promoted", slot)
    return waiting


def _set_status(
    signup: SignUp,
    status: str,
    *,
    decided_by: Any = None,
    reason: str | None = None,
    position: int | None = None,
) -> None:
    now = timezone.now()
    signup.status = status
    signup.waitlist_position = position
    signup.status_changed_at = now
    if decided_by is not None:
        signup.decided_by = _user(decided_by)
        signup.decided_at = now
    if reason is not None:
        signup.reason = reason
    signup.save()


def _require_pending(signup: SignUp) -> None:
    if signup.status != SignUpStatus.PENDING:
        raise ValidationError(_("This sign-up is not awaiting approval."))


def _capacity_below_confirmed(confirmed: int) -> str:
    return ngettext(
        "%(count)s volunteer is confirmed for this slot: the capacity cannot be lower than "
        "%(count)s. Cancel sign-ups first.",
        "%(count)s volunteers are confirmed for this slot: the capacity cannot be lower than "
        "%(count)s. Cancel sign-ups first.",
        confirmed,
    ) % {"count": confirmed}


def _group_too_large(size: int, free: int) -> str:
    return ngettext(
        "The group has %(size)s members but only %(free)s place is left.",
        "The group has %(size)s members but only %(free)s places are left.",
        free,
    ) % {"size": size, "free": free}


# --- details and their checks -----------------------------------------------------------


def _apply_details(
    activity: Activity, details: Mapping[str, Any], *, actor: Any, creating: bool
) -> list[Category]:
    """Set the named DETAIL_FIELDS on `activity` (unsaved), checked; returns the campaigns.
    Raises ValidationError with every field's problem."""
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"Not details of an activity: {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    campaigns: list[Category] = list(activity.campaigns.all()) if activity.pk else []
    for name, value in details.items():
        try:
            if name == "campaigns":
                campaigns = _campaigns(value)
            else:
                setattr(activity, name, _clean_detail(name, value))
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.messages)
    if creating:
        for name in ("title", "category", "address", "division"):
            if name not in details and name not in errors:
                errors[name] = [_("This field is required.")]
    if not errors:
        errors = _consistency_problems(activity, actor)
    if errors:
        raise ValidationError(errors)
    return campaigns


def _clean_detail(name: str, value: Any) -> Any:
    if name == "title":
        text = _one_line(value, field=name, limit=100)
        if not text:
            raise ValidationError(_("Give the activity a title."))
        return text
    if name in ("service_recipients", "address", "insurer", "insurance_policy_number"):
        limit = {"insurance_policy_number": 60, "insurer": 100}.get(name, 200)
        return _one_line(
            value, field=name, limit=limit, allow_numbers=name == "insurance_policy_number"
        )
    if name == "description":
        return _paragraphs(value)
    if name == "category":
        if not isinstance(value, Category) or value.kind != CategoryKind.CATEGORY:
            raise ValidationError(_("Choose a service category."))
        return value
    if name == "division":
        if value is None:
            raise ValidationError(_("Choose where the activity takes place."))
        return value
    if name in ("latitude", "longitude"):
        return _coordinate(value, limit=90 if name == "latitude" else 180)
    if name in ("geofence_radius", "minimum_age"):
        if value in (None, ""):
            return None
        return whole_number(value, field=name, maximum=BOUNDS[name])
    if name == "skills":
        skills = list(value or [])
        if any(skill not in Skill.values for skill in skills):
            raise ValidationError(_("Choose skills from the list."))
        return skills
    if name == "visibility":
        if value not in Visibility.values:
            raise ValidationError(_("Choose who may sign up."))
        return value
    if name in ("audience", "signup_deadline", "insurance_valid_until"):
        if name == "signup_deadline" and value is not None and timezone.is_naive(value):
            raise ValidationError(_("Give the deadline with its time zone."))
        return value or None
    if name in ("needs_approval", "carries_risk"):
        if not isinstance(value, bool):
            raise ValidationError(_("Answer yes or no."))
        return value
    raise ValueError(name)  # pragma: no cover (DETAIL_FIELDS are all handled above)


def _bounded_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(_("Enter text."))
    return value


def _one_line(value: Any, *, field: str, limit: int, allow_numbers: bool = False) -> str:
    """One line of text kept in clear: whitespace collapsed; no control characters, no more
    than `limit` characters, and no ID or mobile number unless `allow_numbers` (a policy
    number is a number). Raises ValidationError keyed by `field`."""
    if allow_numbers:
        text = " ".join(_bounded_text(value).split())
        if has_control_characters(text) or len(text) > limit:
            raise ValidationError(
                {field: _("At most %(limit)s characters on one line.") % {"limit": limit}}
            )
        return text
    return clean_note(_bounded_text(value), limit=limit, field=field)


def _paragraphs(value: Any) -> str:
    """A description: line breaks kept, other control characters, more than DESCRIPTION_MAX
    characters and ID or mobile numbers refused (it is shown to everyone)."""
    text = "\n".join(
        line.strip() for line in _bounded_text(value).replace("\r\n", "\n").split("\n")
    )
    text = text.strip()
    if has_control_characters(text.replace("\n", "")):
        raise ValidationError(_("Remove control characters from this text."))
    if len(text) > DESCRIPTION_MAX:
        raise ValidationError(_("At most %(limit)s characters.") % {"limit": DESCRIPTION_MAX})
    refuse_personal_number(text)
    return text


def _coordinate(value: Any, *, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or abs(number) > limit:
        raise ValidationError(_("Enter a number from -%(limit)s to %(limit)s.") % {"limit": limit})
    return number.quantize(Decimal("0.000001"))


def _campaigns(value: Any) -> list[Category]:
    campaigns = list(value or [])
    if any(
        not isinstance(item, Category) or item.kind != CategoryKind.CAMPAIGN for item in campaigns
    ):
        raise ValidationError(_("Choose special campaigns from the list."))
    return campaigns


def _consistency_problems(activity: Activity, actor: Any) -> dict[str, list[str]]:
    """What the details say together: coordinates in pairs, a radius needs coordinates, an
    audience for a restricted activity in the organiser's line (its own subtree, or an
    organisation above it), a team audience a team."""
    errors: dict[str, list[str]] = {}
    if (activity.latitude is None) != (activity.longitude is None):
        errors["longitude"] = [_("Give both the latitude and the longitude, or neither.")]
    if activity.geofence_radius is not None and activity.latitude is None:
        errors["geofence_radius"] = [_("A check-in radius needs the place's coordinates.")]
    if activity.visibility == Visibility.PUBLIC:
        activity.audience = None
    else:
        audience = activity.audience
        organizer = activity.organizer
        if audience is None:
            errors["audience"] = [_("Choose the organisation or team whose volunteers sign up.")]
        elif not (
            audience.path.startswith(organizer.path) or organizer.path.startswith(audience.path)
        ):
            errors["audience"] = [
                _("Choose the organiser, an organisation above it or one inside it.")
            ]
        elif activity.visibility == Visibility.TEAM and audience.kind not in TEAM_KINDS:
            errors["audience"] = [_("Choose a service team or station.")]
    return errors


def _publication_problems(activity: Activity, slots: list[Slot]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    if not slots:
        errors["slots"] = [_("Add a slot: when the activity takes place, and its places.")]
    past = [slot for slot in slots if slot.starts_at <= now]
    if past:
        errors["slots"] = [
            _("This slot has already started: change or remove it. %(slot)s")
            % {"slot": _slot_text(slot)}
            for slot in past
        ]
    elif slots and all(slot.capacity == 0 for slot in slots):
        errors["slots"] = [_("Give one slot at least some places.")]
    if activity.signup_deadline is not None and activity.signup_deadline <= now:
        errors["signup_deadline"] = [_("The sign-up deadline has passed: change it.")]
    try:
        _check_insurance(activity, slots)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    return errors


def _check_insurance(activity: Activity, slots: list[Slot]) -> None:
    """An activity carrying risk is published only with its volunteers' accident insurance on
    record (insurer, policy number) valid until its last slot's day (志愿服务条例 第十七条).
    Raises ValidationError."""
    if not activity.carries_risk:
        return
    errors: dict[str, list[str]] = {}
    if not activity.insurer:
        errors["insurer"] = [
            _("An activity carrying risk needs the insurer of the volunteers' accident insurance.")
        ]
    if not activity.insurance_policy_number:
        errors["insurance_policy_number"] = [
            _(
                "An activity carrying risk needs the policy number of the volunteers' accident insurance."
            )
        ]
    last = max((slot.ends_at for slot in slots), default=None)
    if last is not None and activity.insurance_valid_until is not None:
        last_day = timezone.localtime(last, timezone.get_default_timezone()).date()
        if activity.insurance_valid_until < last_day:
            errors["insurance_valid_until"] = [
                _("The insurance ends before the last slot (%(day)s).")
                % {"day": last_day.isoformat()}
            ]
    elif activity.insurance_valid_until is None:
        errors["insurance_valid_until"] = [_("Give the date the insurance is valid until.")]
    if errors:
        raise ValidationError(errors)


def _clean_times(starts_at: Any, ends_at: Any) -> tuple[datetime, datetime]:
    errors: dict[str, list[str]] = {}
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, datetime) or timezone.is_naive(value):
            errors[name] = [_("Give a date and time with its time zone.")]
    if errors:
        raise ValidationError(errors)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")}, code="order")
    if ends_at - starts_at > timedelta(hours=SLOT_MAX_HOURS):
        raise ValidationError(
            {
                "ends_at": _("A slot lasts at most %(hours)s hours: add several slots.")
                % {"hours": SLOT_MAX_HOURS}
            },
            code="too_long",
        )
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("A slot cannot start in the past.")}, code="past")
    return starts_at, ends_at


def _require_status(activity: Activity, *statuses: str) -> None:
    if activity.status not in statuses:
        messages = {
            ActivityStatus.DRAFT: _("This activity is a draft."),
            ActivityStatus.PUBLISHED: _("This activity is already published."),
            ActivityStatus.FINISHED: _("This activity has finished."),
            ActivityStatus.CANCELLED: _("This activity was cancelled."),
        }
        raise ValidationError(messages[ActivityStatus(activity.status)], code="status")


def _user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _comparable(activity: Activity, name: str) -> Any:
    value = getattr(
        activity, f"{name}_id" if name in ("category", "division", "audience") else name
    )
    return list(value) if isinstance(value, list) else value


def _slot_text(slot: Slot) -> str:
    """ "<activity> <start>–<end>" in Asia/Shanghai (what SMS and messages name a slot by)."""
    return str(slot)


def _text(volunteer: Volunteer, template: str, slot: Slot, **extra: str) -> None:
    """Text `volunteer` about `slot` when the transaction commits. The templates and their
    variables are listed in the README (SMS_ALIYUN_TEMPLATES)."""
    start = timezone.localtime(slot.starts_at, timezone.get_default_timezone())
    params = {"activity": slot.activity.title[:30], "time": f"{start:%Y-%m-%d %H:%M}", **extra}
    transaction.on_commit(partial(send_sms, volunteer.mobile, template, params))
