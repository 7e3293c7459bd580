"""The lifecycle of a registration after the application: suspend, reinstate, cancel (中国注册
志愿者管理办法), withdraw an application, transfer to another body, the yearly
re-registration; corrections of the person's details, the audited viewing of full values,
and the photo of Attachment 4."""

import secrets
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.common import locks
from zhiyuan.common.audit import log_action
from zhiyuan.common.text import clean_note
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import permissions, rules, selectors
from zhiyuan.volunteers.enums import (
    HOLDING_STATUSES,
    CancellationKind,
    MembershipStatus,
    PersonalField,
    RegistrationStatus,
    SystemReason,
)
from zhiyuan.volunteers.hooks import registration_ended
from zhiyuan.volunteers.models import Membership, RegistrationBody, Volunteer, document_digest
from zhiyuan.volunteers.services._shared import audit, require_registration
from zhiyuan.volunteers.services.bodies import check_point
from zhiyuan.volunteers.services.registration import refuse_duplicates

#: The changes after which a person is no longer a registered volunteer: the apps above are
#: told (`hooks.registration_ended`) within the same transaction.
ENDING = (RegistrationStatus.SUSPENDED, RegistrationStatus.CANCELLED)


def _transition(
    volunteer: Volunteer,
    *,
    actor: Any,
    allowed_from: tuple[str, ...],
    to: str,
    action: str,
    reason: str = "",
    **fields: Any,
) -> Volunteer:
    """Move the locked registration from one of `allowed_from` to `to`; writes `action`. A
    registration that ends (ENDING) tells the apps above through `hooks.registration_ended`."""
    require_registration(actor, volunteer, permissions.REGISTERING)
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if locked.status not in allowed_from:
            raise ValidationError(
                _("This cannot be done to a registration that is %(status)s.")
                % {"status": locked.get_status_display()},
                code="wrong_status",
            )
        locked.status = to
        locked.status_reason = reason[:200]
        locked.status_changed_at = timezone.now()
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        audit(actor, action, locked, **({"reason": reason} if reason else {}))
        if to in ENDING:
            registration_ended.send(Volunteer, volunteer=locked, actor=actor, status=to)
    return locked


def _reason(reason: str) -> str:
    reason = clean_note(reason, field="reason")
    if not reason:
        raise ValidationError({"reason": _("Give a reason; it is kept in the history.")})
    return reason


def suspend_registration(volunteer: Volunteer, *, actor: Any, reason: str) -> Volunteer:
    return _transition(
        volunteer,
        actor=actor,
        allowed_from=(RegistrationStatus.ACTIVE,),
        to=RegistrationStatus.SUSPENDED,
        action="volunteer.registration.suspended",
        reason=_reason(reason),
    )


def reinstate_registration(volunteer: Volunteer, *, actor: Any) -> Volunteer:
    return _transition(
        volunteer,
        actor=actor,
        allowed_from=(RegistrationStatus.SUSPENDED,),
        to=RegistrationStatus.ACTIVE,
        action="volunteer.registration.reinstated",
    )


def cancel_registration(volunteer: Volunteer, *, actor: Any, kind: str, reason: str) -> Volunteer:
    """Cancel at the volunteer's request or by the body for refusal of duties (中国注册志愿者
    管理办法), with a reason. The number is never reused, and the person leaves their teams
    (only registered volunteers are members). Audit: ...registration.cancelled, and
    volunteer.membership.left for each team."""
    if kind not in CancellationKind.values:
        raise ValidationError({"kind": _("Choose why the registration ends.")})
    with transaction.atomic():
        cancelled = _transition(
            volunteer,
            actor=actor,
            allowed_from=HOLDING_STATUSES,
            to=RegistrationStatus.CANCELLED,
            action="volunteer.registration.cancelled",
            reason=_reason(reason),
            cancellation_kind=kind,
        )
        _leave_teams(cancelled, actor=actor)
    return cancelled


def _leave_teams(volunteer: Volunteer, *, actor: Any) -> None:
    live = Membership.objects.select_for_update().filter(
        volunteer=volunteer, status__in=[MembershipStatus.APPLIED, MembershipStatus.APPROVED]
    )
    for membership in live.select_related("team").order_by("pk"):
        membership.status = MembershipStatus.LEFT
        membership.left_on = timezone.localdate()
        membership.save(update_fields=["status", "left_on"])
        log_action(
            actor,
            "volunteer.membership.left",
            membership,
            organization=membership.team,
            data={"reason": SystemReason.REGISTRATION_CANCELLED},
        )


def withdraw_application(volunteer: Volunteer, *, actor: Any, reason: str) -> Volunteer:
    return _transition(
        volunteer,
        actor=actor,
        allowed_from=(RegistrationStatus.APPLIED,),
        to=RegistrationStatus.CLOSED,
        action="volunteer.registration.closed",
        reason=_reason(reason),
    )


def transfer_registration(
    volunteer: Volunteer, *, actor: Any, body: RegistrationBody, organization: Organization
) -> Volunteer:
    """Move a registration to another body (through `organization`): number, status and
    history stay. The actor must cover the current registration with a registering role.
    Raises PermissionDenied, ValidationError. Audit: volunteer.registration.transferred."""
    require_registration(actor, volunteer, permissions.REGISTERING)
    check_point(body, organization)
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if locked.status not in HOLDING_STATUSES:
            raise ValidationError(_("Only active or suspended registrations can be transferred."))
        if locked.body_id == body.pk and locked.organization_id == organization.pk:
            raise ValidationError(_("The registration is already there."))
        source = f"{locked.body.code}/{locked.organization.code}"
        locked.body, locked.organization = body, organization
        locked.save(update_fields=["body", "organization", "updated_at"])
        audit(
            actor,
            "volunteer.registration.transferred",
            locked,
            source=source,
            target=f"{body.code}/{organization.code}",
        )
    return locked


def reregister(volunteer: Volunteer, *, actor: Any, year: int | None = None) -> Volunteer:
    """Record the yearly re-registration (where the city requires it) for `year`: this year
    (the default) or, for campaigns at the turn of the year, the next. A registration counts
    for every year up to the one recorded (`selectors.registered_volunteers`), so a later
    year would make it count without re-registering, and an earlier one would undo a record.
    Raises PermissionDenied, ValidationError (key "year", or the status)."""
    require_registration(actor, volunteer, permissions.REGISTERING)
    this_year = selectors.local_today().year
    year = year or this_year
    if year not in (this_year, this_year + 1):
        raise ValidationError(
            {
                "year": _("Re-register for this year (%(this)s) or the next (%(next)s).")
                % {"this": this_year, "next": this_year + 1}
            }
        )
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if locked.status != RegistrationStatus.ACTIVE:
            raise ValidationError(_("Only active registrations are re-registered."))
        if (locked.reregistered_year or 0) >= year:
            raise ValidationError(
                _("Already re-registered for %(year)s.") % {"year": locked.reregistered_year}
            )
        locked.reregistered_year = year
        locked.save(update_fields=["reregistered_year", "updated_at"])
        audit(actor, "volunteer.registration.reregistered", locked, year=year)
    return locked


def update_person(volunteer: Volunteer, data: dict[str, Any], *, actor: Any) -> Volunteer:
    """Correct the person's details: `data` holds the fields to change (rules.PERSON_FIELDS);
    all rules run again on the result. The audit entry names the changed fields, not values.
    Raises PermissionDenied, ValidationError."""
    require_registration(actor, volunteer, permissions.REGISTERING)
    current = {field: getattr(volunteer, field) for field in rules.PERSON_FIELDS}
    merged = {**current, **data}
    clean, _warnings = rules.clean_person(
        merged,
        policy=selectors.policy_for(volunteer.organization),
        today=timezone.localdate(volunteer.applied_at),
    )
    changed = [field for field in rules.PERSON_FIELDS if clean.get(field) != current[field]]
    if not changed:
        return volunteer
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if "document_number" in changed:
            digest = document_digest(clean["document_number"])
            locks.hold(f"volunteers.person:{digest}")
            refuse_duplicates(digest, locked.body, exclude=locked.pk)
        for field in changed:
            setattr(locked, field, clean[field])
        locked.save()
        audit(actor, "volunteer.details.corrected", locked, fields=changed)
    return locked


def reveal_personal_data(volunteer: Volunteer, field: str, *, actor: Any, reason: str) -> str:
    """The full value of masked `field` (PersonalField), for a role permitted to see it
    (permissions.REVEALING), with a reason. Every viewing is logged: who, whose, when, why.
    Raises PermissionDenied, ValidationError (key "reason")."""
    if field not in PersonalField.values:
        raise ValidationError({"field": _("Choose a field.")})
    require_registration(actor, volunteer, permissions.REVEALING[field])
    reason = permissions.reason_to_see_full_values(reason, fields=1)
    audit(actor, "volunteer.personal_data.viewed", volunteer, field=field, reason=reason)
    return str(getattr(volunteer, field))


PHOTO_MAX_BYTES = 2 * 1024 * 1024


PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png"}


# A 2 MB file can declare far more pixels than it holds (a PNG of one colour compresses a
# thousandfold), and every Attachment 4 PDF decodes the photo in full: 40 million pixels (a
# phone camera's photo; an ID photo has under one million) decode to at most 160 MB.
PHOTO_MAX_PIXELS = 40_000_000


def set_photo(volunteer: Volunteer, upload: Any, *, actor: Any) -> Volunteer:
    """Store the volunteer's photo (the optional photo of Attachment 4): a JPEG or PNG of at
    most PHOTO_MAX_BYTES and PHOTO_MAX_PIXELS, checked by opening it as an image; the old one is
    replaced.
    Raises PermissionDenied, ValidationError (key "photo"). Audit: volunteer.photo.changed."""
    from io import BytesIO

    from django.core.files.base import ContentFile
    from PIL import Image, UnidentifiedImageError

    require_registration(actor, volunteer, permissions.REGISTERING)
    data = upload.read(PHOTO_MAX_BYTES + 1) if upload else b""
    if not data or len(data) > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": _("Choose a JPEG or PNG photo of at most 2 MB.")})
    try:
        with Image.open(BytesIO(data)) as image:
            image.verify()
            kind, (width, height) = image.format or "", image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        kind, width, height = "", 0, 0
    if kind not in PHOTO_FORMATS:
        raise ValidationError({"photo": _("Choose a JPEG or PNG photo of at most 2 MB.")})
    if width * height > PHOTO_MAX_PIXELS:
        raise ValidationError(
            {
                "photo": _(
                    "The photo has more than %(millions)s million pixels. Choose a photo taken "
                    "for an ID, or a smaller copy of it."
                )
                % {"millions": PHOTO_MAX_PIXELS // 1_000_000}
            }
        )
    with transaction.atomic():
        old = volunteer.photo.name if volunteer.photo else ""
        # The file name is random: a person's name or number never goes into a path.
        name = f"{secrets.token_hex(16)}.{PHOTO_FORMATS[kind]}"
        volunteer.photo.save(name, ContentFile(data), save=False)
        volunteer.save(update_fields=["photo", "updated_at"])
        audit(actor, "volunteer.photo.changed", volunteer)
        if old:
            transaction.on_commit(partial(volunteer.photo.storage.delete, old))
    return volunteer
