"""Writes for registered volunteers: registration bodies and delegations, registration,
confirmation with registration numbers, the lifecycle, memberships and volunteers' requests.

Rules and their sources: 中国注册志愿者管理办法 (registration, age, cancellation); 志愿服务条例
arts. 3 and 25 (voluntary: the person confirms their own registration); 个人信息保护法 arts.
13, 14 and 29 (separate consent to processing the ID number); the city plan §三(二) and
Attachments 2 and 4. Every change writes an audit entry; none holds an ID number or phone.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.accounts import sms_codes
from zhiyuan.common import locks
from zhiyuan.common.audit import log_action
from zhiyuan.common.outbox import send_sms
from zhiyuan.common.phones import normalize_mobile
from zhiyuan.common.text import clean_note
from zhiyuan.organizations.access import covers
from zhiyuan.organizations.enums import OrgKind, RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import rules, selectors
from zhiyuan.volunteers.enums import (
    HOLDING_STATUSES,
    CancellationKind,
    ConfirmationMethod,
    MembershipStatus,
    PersonalField,
    RegistrationChannel,
    RegistrationStatus,
    RequestKind,
    RequestStatus,
)
from zhiyuan.volunteers.models import (
    Delegation,
    Membership,
    RegistrationBody,
    RegistrationNumberSequence,
    RegistrationPolicy,
    Volunteer,
    VolunteerRequest,
    document_digest,
)

BODY_KINDS = (
    OrgKind.VOLUNTEER_ASSOCIATION,
    OrgKind.SERVICE_CENTRE,
    OrgKind.WORK_UNIT,
    OrgKind.SERVICE_TEAM,
    OrgKind.GENERAL_SERVICE_TEAM,
)
TEAM_KINDS = (OrgKind.SERVICE_TEAM, OrgKind.GENERAL_SERVICE_TEAM, OrgKind.SERVICE_STATION)
CONFIRM_LINK_SALT = "zhiyuan.volunteers.confirm-link"
CONFIRM_LINK_SECONDS = 7 * 24 * 3600
_BODY_CODE = re.compile(r"[0-9A-Z]{2,12}")
# Body code first (no code starts another), then the year, then a fixed-width sequence: the
# numbers of different bodies and years can never meet. Anything freer let "{{code}}..." (a
# literal "{code}") through, and bodies then issued the same numbers.
_NUMBER_FORMAT = re.compile(r"\{code\}-?\{(yy|yyyy)\}-?\{seq:0[4-9]d\}")


def _refuse(message: str) -> PermissionDenied:
    return PermissionDenied(message)


def _require(actor: Any, organization: Organization, roles: Any) -> None:
    if not covers(actor, organization, roles):
        raise _refuse(_("You do not have a role for this organisation."))


def _require_registration(actor: Any, volunteer: Volunteer, roles: Any) -> None:
    """A role over the registration: through its organisation or its body's."""
    if not selectors.covers_registration(actor, volunteer, roles):
        raise _refuse(_("You do not have a role for this organisation."))


def _audit(actor: Any, action: str, volunteer: Volunteer, **data: Any) -> None:
    log_action(actor, action, volunteer, organization=volunteer.organization, data=data)


# --- registration bodies and delegations ---------------------------------------------------


def designate_body(organization: Organization, *, code: str, actor: Any) -> RegistrationBody:
    """Make `organization` a registration body with registration-body `code` (Attachment 2).

    Codes are 2–12 capital letters or digits, unique, and no code is the start of another, so
    that registration numbers stay unique city-wide. Only administrators covering the
    organisation may do it (`actor` None: the operator, from the command line).
    Raises PermissionDenied, ValidationError (key "code" or "organization").
    Audit: registration_body.designated.
    """
    if actor is not None:
        _require(actor, organization, [RoleKind.ADMINISTRATOR])
    code = (code or "").strip().upper()
    if organization.kind not in BODY_KINDS:
        raise ValidationError(
            {"organization": _("Registration bodies are associations, centres, units or teams.")}
        )
    if not _BODY_CODE.fullmatch(code):
        raise ValidationError({"code": _("A code is 2–12 capital letters or digits.")})
    with transaction.atomic():
        locks.hold("volunteers.body-codes")
        if RegistrationBody.objects.filter(organization=organization).exists():
            raise ValidationError({"organization": _("This organisation is already a body.")})
        for other in RegistrationBody.objects.values_list("code", flat=True):
            if other.startswith(code) or code.startswith(other):
                raise ValidationError(
                    {
                        "code": _(
                            "Code %(other)s is taken or starts the same way; numbers would clash."
                        )
                        % {"other": other}
                    }
                )
        body = RegistrationBody.objects.create(
            organization=organization, code=code, designated_by=_user(actor)
        )
        log_action(
            actor,
            "registration_body.designated",
            body,
            organization=organization,
            data={"code": code},
        )
    return body


def _user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def grant_delegation(
    body: RegistrationBody, organization: Organization, *, actor: Any, note: str = ""
) -> Delegation:
    """Record the body's consent that `organization` (a community organisation or district unit,
    within the area of the body's parent) registers volunteers for it (plan §三(二)).
    Raises PermissionDenied, ValidationError. Audit: registration_body.delegation_granted."""
    if actor is not None:
        _require(actor, body.organization, [RoleKind.ADMINISTRATOR])
    parent = Organization.objects.get_parent(body.organization) or body.organization
    if organization.pk == body.organization_id or not organization.path.startswith(parent.path):
        raise ValidationError({"organization": _("Choose an organisation in the body's own area.")})
    with transaction.atomic():
        if body.delegations.filter(organization=organization, revoked_at__isnull=True).exists():
            raise ValidationError({"organization": _("This organisation already has consent.")})
        delegation = Delegation.objects.create(
            body=body,
            organization=organization,
            note=clean_note(note, field="note"),
            granted_by=_user(actor),
        )
        log_action(
            actor,
            "registration_body.delegation_granted",
            delegation,
            organization=body.organization,
            data={"body": body.code, "organization": organization.code},
        )
    return delegation


def revoke_delegation(delegation: Delegation, *, actor: Any) -> Delegation:
    """End a delegation; registrations made through it stay. Audit: ...delegation_revoked."""
    _require(actor, delegation.body.organization, [RoleKind.ADMINISTRATOR])
    with transaction.atomic():
        updated = Delegation.objects.filter(pk=delegation.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=_user(actor)
        )
        if not updated:
            raise ValidationError(_("This consent was already revoked."))
        delegation.refresh_from_db()
        log_action(
            actor,
            "registration_body.delegation_revoked",
            delegation,
            organization=delegation.body.organization,
            data={"body": delegation.body.code, "organization": delegation.organization.code},
        )
    return delegation


def _check_point(body: RegistrationBody, organization: Organization) -> None:
    """The body takes registrations through `organization`: its own or a live delegation."""
    if not body.is_active or not body.organization.is_active or not organization.is_active:
        raise ValidationError(_("This registration body does not take registrations now."))
    if (
        organization.pk != body.organization_id
        and not body.delegations.filter(organization=organization, revoked_at__isnull=True).exists()
    ):
        raise ValidationError(_("This organisation has no consent to register for the body."))


# --- registration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    """A new application and the warnings to show (e.g. an ID area code the system does not
    know: old codes stay valid)."""

    volunteer: Volunteer
    warnings: tuple[str, ...]


def holder_error(holder: Volunteer, body: RegistrationBody) -> ValidationError:
    """The refusal for a person another registration holds: names the body, never the
    person's data, and points to the transfer path."""
    if holder.body_id == body.pk:
        message = _("This person is already registered with this body.")
    else:
        message = _(
            "This person is already registered with %(body)s. One person has one registration "
            "city-wide: ask %(body)s to transfer the registration instead."
        ) % {"body": holder.body.organization.name}
    return ValidationError({"document_number": ValidationError(message, code="already_registered")})


def _refuse_duplicates(digest: str, body: RegistrationBody, exclude: int | None = None) -> None:
    others = Volunteer.objects.filter(document_digest=digest)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    holder = others.filter(status__in=HOLDING_STATUSES).select_related("body__organization").first()
    if holder is not None:
        raise holder_error(holder, body)
    if others.filter(status=RegistrationStatus.APPLIED, body=body).exists():
        message = _(
            "An application of this person already awaits confirmation with this body: "
            "send the confirmation message again instead."
        )
        raise ValidationError({"document_number": ValidationError(message, code="already_applied")})


def register_volunteer(
    data: dict[str, Any],
    *,
    body: RegistrationBody,
    organization: Organization,
    actor: Any,
    channel: str,
    consent: bool,
    send_confirmation: bool = True,
    today: date | None = None,
) -> Registered:
    """Record an application (status applied) of the person in `data` (rules.PERSON_FIELDS)
    with `body`, through `organization`.

    `actor` is the registrar (None for self-registration, channel SELF). `consent` is the
    person's separate consent to processing their ID number (个人信息保护法 第二十九条).
    The person confirms it themself afterwards (`send_confirmation` texts them a code and link).
    Raises PermissionDenied (registrar without a role for this point), ValidationError with
    field keys (rules, one person one registration, consent). Audit:
    volunteer.registration.applied.
    """
    if channel != RegistrationChannel.SELF and not selectors.may_register_through(
        actor, body, organization
    ):
        raise _refuse(_("You may not register volunteers for this body here."))
    _check_point(body, organization)
    policy = selectors.policy_for(organization)
    clean, warnings = _clean_with_consent(data, consent, policy, today or selectors.local_today())
    with transaction.atomic():
        digest = document_digest(clean["document_number"])
        locks.hold(f"volunteers.person:{digest}")
        _refuse_duplicates(digest, body)
        volunteer = Volunteer.objects.create(
            body=body,
            organization=organization,
            channel=channel,
            registered_by=_user(actor),
            privacy_notice_version=policy.privacy_notice_version,
            id_consent_at=timezone.now(),
            **clean,
        )
        _audit(actor, "volunteer.registration.applied", volunteer, channel=channel, body=body.code)
        if send_confirmation:
            warnings += _send_first_confirmation(volunteer, actor=actor)
    return Registered(volunteer, warnings)


def _send_first_confirmation(volunteer: Volunteer, *, actor: Any) -> tuple[str, ...]:
    """The first "please confirm" message of a new application; when the mobile's rate
    limits hold it back, the application stays and a warning says so."""
    try:
        send_confirmation_request(volunteer, actor=actor)
    except ValidationError as error:
        return (
            _("No confirmation code was sent now: %(reason)s")
            % {"reason": " ".join(error.messages)},
        )
    return ()


def _clean_with_consent(
    data: dict[str, Any], consent: bool, policy: RegistrationPolicy, today: date
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The rules' result, with a missing consent reported beside the rules' own errors, so
    that one round shows every mistake."""
    consent_error = ValidationError(
        {
            "consent": _(
                "The person's separate consent to processing their ID number is needed; "
                "read the privacy notice to them and tick the box."
            )
        }
    )
    try:
        clean, warnings = rules.clean_person(data, policy=policy, today=today)
    except ValidationError as error:
        if not consent:
            error.error_dict.update(consent_error.error_dict)
        raise
    if not consent:
        raise consent_error
    return clean, warnings


CONFIRM_PURPOSES = "vconfirm:"


def _confirm_purpose(volunteer: Volunteer) -> str:
    return f"{CONFIRM_PURPOSES}{volunteer.pk}"


def confirmation_link(volunteer: Volunteer, sms_id: int) -> str:
    token = signing.dumps({"v": volunteer.pk, "c": sms_id}, salt=CONFIRM_LINK_SALT)
    return f"{settings.SITE_URL.rstrip('/')}/join/confirm/{token}/"


def send_confirmation_request(volunteer: Volunteer, *, actor: Any = None) -> None:
    """Text the person a one-time code and a link to confirm their own registration.

    The rate limits of sms_codes count every confirmation message to the mobile, whatever
    the application: one number typed into many applications is texted no more often.
    `actor` None is the person (public pages); staff need a registering role for it.
    Raises PermissionDenied, ValidationError: "not_applied", or the rate limits ("too_soon",
    "too_many_today"). Audit: volunteer.confirmation.requested."""
    if getattr(actor, "is_authenticated", False) and not selectors.covers_registration(
        actor, volunteer, selectors.REGISTERING_ROLES
    ):
        raise _refuse(_("Only registrars and administrators send these messages."))
    if volunteer.status != RegistrationStatus.APPLIED:
        raise ValidationError(
            _("Only applications awaiting confirmation can be confirmed."), code="not_applied"
        )
    with transaction.atomic():
        sms_codes.issue_code(
            volunteer.mobile,
            _confirm_purpose(volunteer),
            template="registration_confirm",
            rate_group=CONFIRM_PURPOSES,
            params=lambda sms: {
                "body": volunteer.body.organization.name,
                "link": confirmation_link(volunteer, sms.pk),
            },
        )
        _audit(actor, "volunteer.confirmation.requested", volunteer)


def send_confirmation_requests(organization: Organization, *, actor: Any) -> dict[str, int]:
    """ "Please confirm" messages to everyone still applied, registered through `organization`
    or below it. Returns counts: sent, skipped (texted recently or too often today)."""
    _require(actor, organization, selectors.REGISTERING_ROLES)
    pending = selectors.in_subtree(
        selectors.ledger(actor).filter(status=RegistrationStatus.APPLIED), organization
    )
    counts = {"sent": 0, "skipped": 0}
    for volunteer in pending.iterator():
        try:
            send_confirmation_request(volunteer, actor=actor)
        except ValidationError:
            counts["skipped"] += 1
        else:
            counts["sent"] += 1
    return counts


# --- confirmation and registration numbers ---------------------------------------------------


def format_number(policy: RegistrationPolicy, body: RegistrationBody, year: int, seq: int) -> str:
    """A registration number in the policy's format (default: body code + 2-digit year +
    6-digit sequence per body and year, Attachment 2)."""
    return policy.number_format.format(code=body.code, yyyy=year, yy=f"{year % 100:02d}", seq=seq)


def _next_number(body: RegistrationBody, policy: RegistrationPolicy, year: int) -> str:
    """Take the next sequence number of (`body`, `year`) inside the caller's transaction.

    The sequence row is locked until the transaction ends, so concurrent confirmations queue
    here, late and briefly (pretix's locking rule); a rolled-back confirmation gives its number
    back, so numbers are gap-free. get_or_create survives two first-of-the-year confirmations
    at once (the loser of the insert reads the winner's row)."""
    sequence, _created = RegistrationNumberSequence.objects.get_or_create(body=body, year=year)
    sequence = RegistrationNumberSequence.objects.select_for_update().get(pk=sequence.pk)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    number = format_number(policy, body, year, sequence.last_value)
    if Volunteer.objects.filter(registration_number=number).exists():
        # Only a policy saved before its format was checked can get here; say so, not a 500.
        raise ValidationError(
            _(
                "The registration policy's number format gives %(number)s, a number already "
                "issued. Ask an administrator to correct the number format."
            )
            % {"number": number},
            code="number_taken",
        )
    return number


def _close_application(volunteer: Volunteer, *, actor: Any, reason: str) -> None:
    volunteer.status = RegistrationStatus.CLOSED
    volunteer.status_reason = reason[:200]
    volunteer.status_changed_at = timezone.now()
    volunteer.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
    _audit(actor, "volunteer.registration.closed", volunteer, reason=reason)


def confirm_registration(
    volunteer_id: int, *, method: str, actor: Any, reason: str = ""
) -> Volunteer:
    """The one transition applied → active: the first confirmed registration of a person wins;
    it gets the next registration number, and the person's other pending applications are
    closed with a notice. The caller has established the person's confirmation by `method`
    (`ConfirmationMethod`: a checked code or link, or a registrar's record with `reason`);
    `confirm_with_code`, `confirm_with_link` and `confirm_in_person` are the checked ways in
    (中国注册志愿者管理办法: registration is the person's own act).
    Raises ValidationError "not_applied" / "already_registered"."""
    lost_to: Volunteer | None = None
    with transaction.atomic():
        # The person's lock first, then the row (only the row: `of` keeps the joined body and
        # organisation rows unlocked). Taking the row first deadlocked two confirmations of
        # one person: each held its own application and waited for the other's.
        digest = (
            Volunteer.objects.filter(pk=volunteer_id)
            .values_list("document_digest", flat=True)
            .get()
        )
        locks.hold(f"volunteers.person:{digest}")
        volunteer = (
            Volunteer.objects.select_for_update(of=("self",))
            .select_related("body__organization")
            .get(pk=volunteer_id)
        )
        if volunteer.document_digest != digest:  # corrected in between
            locks.hold(f"volunteers.person:{volunteer.document_digest}")
        lost_to = (
            Volunteer.objects.filter(
                document_digest=volunteer.document_digest, status__in=HOLDING_STATUSES
            )
            .exclude(pk=volunteer.pk)
            .select_related("body__organization")
            .first()
        )
        if volunteer.status == RegistrationStatus.CLOSED and lost_to is not None:
            raise holder_error(lost_to, volunteer.body)
        if volunteer.status != RegistrationStatus.APPLIED:
            raise ValidationError(
                _("This registration is not awaiting confirmation."), code="not_applied"
            )
        if lost_to is not None:
            _close_application(volunteer, actor=actor, reason=_("registered with another body"))
        else:
            _activate(volunteer, method=method, actor=actor, reason=reason)
    if lost_to is not None:
        raise holder_error(lost_to, volunteer.body)
    return volunteer


def _activate(volunteer: Volunteer, *, method: str, actor: Any, reason: str) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    policy = selectors.policy_for(volunteer.organization)
    volunteer.registration_number = _next_number(volunteer.body, policy, today.year)
    volunteer.status = RegistrationStatus.ACTIVE
    volunteer.confirmed_at = volunteer.status_changed_at = now
    volunteer.registered_on = today
    volunteer.confirmation_method = method
    volunteer.confirmed_by = _user(actor) if method == ConfirmationMethod.IN_PERSON else None
    volunteer.confirmation_reason = reason[:200]
    volunteer.save()
    _audit(
        actor,
        "volunteer.registration.confirmed",
        volunteer,
        method=method,
        number=volunteer.registration_number,
        **({"reason": reason} if reason else {}),
    )
    others = Volunteer.objects.filter(
        document_digest=volunteer.document_digest, status=RegistrationStatus.APPLIED
    ).exclude(pk=volunteer.pk)
    for other in others.select_related("body__organization"):
        _close_application(other, actor=actor, reason=_("registered with another body"))
        transaction.on_commit(
            partial(
                send_sms,
                other.mobile,
                "registration_closed",
                {"body": other.body.organization.name, "holder": volunteer.body.organization.name},
            )
        )
    transaction.on_commit(
        partial(
            send_sms,
            volunteer.mobile,
            "registration_confirmed",
            {"number": volunteer.registration_number, "body": volunteer.body.organization.name},
        )
    )


def confirm_with_code(volunteer: Volunteer, code: str) -> Volunteer:
    """The person confirms with the one-time code texted to their own mobile.
    Raises ValidationError ("invalid_code", "too_many_attempts", "not_applied", ...)."""
    sms = sms_codes.check_code(volunteer.mobile, _confirm_purpose(volunteer), code)
    # Used up first and on its own: an application closed by confirm_registration (the person
    # registered elsewhere meanwhile) must stay closed when it then raises.
    if not sms_codes.use_code(sms.pk):
        raise sms_codes.wrong_code()
    return confirm_registration(volunteer.pk, method=ConfirmationMethod.SMS_CODE, actor=None)


def confirm_by_mobile_and_code(mobile: str, code: str) -> Volunteer:
    """Public confirmation page: the person types their mobile and the code they received.
    Raises ValidationError ("invalid_mobile", "invalid_code", ...)."""
    mobile = normalize_mobile(mobile)
    from zhiyuan.accounts.models import mobile_digest

    pending = list(
        Volunteer.objects.filter(
            mobile_digest=mobile_digest(mobile), status=RegistrationStatus.APPLIED
        ).order_by("-applied_at")
    )
    for volunteer in pending:
        try:
            return confirm_with_code(volunteer, code)
        except ValidationError as error:
            if error.code != "invalid_code":
                raise
    raise sms_codes.wrong_code()


def read_confirmation_link(token: str) -> Volunteer:
    """The application a confirmation link names. Raises ValidationError "invalid_link"."""
    try:
        data = signing.loads(token, salt=CONFIRM_LINK_SALT, max_age=CONFIRM_LINK_SECONDS)
        return Volunteer.objects.select_related("body__organization").get(pk=data["v"])
    except (signing.BadSignature, KeyError, TypeError, Volunteer.DoesNotExist):
        raise ValidationError(
            _("This link is not valid or has expired. Ask for a new confirmation message."),
            code="invalid_link",
        ) from None


def confirm_with_link(token: str) -> Volunteer:
    """The person confirms through the link texted to their own mobile (once)."""
    volunteer = read_confirmation_link(token)
    data = signing.loads(token, salt=CONFIRM_LINK_SALT, max_age=CONFIRM_LINK_SECONDS)
    if not sms_codes.use_code(data.get("c") or None):
        raise ValidationError(
            _("This link was already used or has expired. Ask for a new confirmation message."),
            code="invalid_link",
        )
    return confirm_registration(volunteer.pk, method=ConfirmationMethod.SMS_LINK, actor=None)


def confirm_in_person(volunteer: Volunteer, *, actor: Any, reason: str) -> Volunteer:
    """A registrar records that the person confirmed in person (no mobile, say), with a reason.
    These confirmations are counted per registrar and shown (selectors.in_person_confirmations).
    Raises PermissionDenied, ValidationError (key "reason")."""
    _require_registration(actor, volunteer, selectors.REGISTERING_ROLES)
    reason = clean_note(reason, field="reason")
    if len(reason) < 4:
        raise ValidationError(
            {"reason": _("Say how the person confirmed, e.g. “signed the form at the centre”.")}
        )
    return confirm_registration(
        volunteer.pk, method=ConfirmationMethod.IN_PERSON, actor=actor, reason=reason
    )


# --- lifecycle -------------------------------------------------------------------------------


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
    """Move the locked registration from one of `allowed_from` to `to`; writes `action`."""
    _require_registration(actor, volunteer, selectors.REGISTERING_ROLES)
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
        _audit(actor, action, locked, **({"reason": reason} if reason else {}))
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
            data={"reason": "registration_cancelled"},
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
    _require_registration(actor, volunteer, selectors.REGISTERING_ROLES)
    _check_point(body, organization)
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if locked.status not in HOLDING_STATUSES:
            raise ValidationError(_("Only active or suspended registrations can be transferred."))
        if locked.body_id == body.pk and locked.organization_id == organization.pk:
            raise ValidationError(_("The registration is already there."))
        source = f"{locked.body.code}/{locked.organization.code}"
        locked.body, locked.organization = body, organization
        locked.save(update_fields=["body", "organization", "updated_at"])
        _audit(
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
    _require_registration(actor, volunteer, selectors.REGISTERING_ROLES)
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
        _audit(actor, "volunteer.registration.reregistered", locked, year=year)
    return locked


def update_person(volunteer: Volunteer, data: dict[str, Any], *, actor: Any) -> Volunteer:
    """Correct the person's details: `data` holds the fields to change (rules.PERSON_FIELDS);
    all rules run again on the result. The audit entry names the changed fields, not values.
    Raises PermissionDenied, ValidationError."""
    _require_registration(actor, volunteer, selectors.REGISTERING_ROLES)
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
            _refuse_duplicates(digest, locked.body, exclude=locked.pk)
        for field in changed:
            setattr(locked, field, clean[field])
        locked.save()
        _audit(actor, "volunteer.details.corrected", locked, fields=changed)
    return locked


def reveal_personal_data(volunteer: Volunteer, field: str, *, actor: Any, reason: str) -> str:
    """The full value of masked `field` (PersonalField), for a role permitted to see it
    (selectors.REVEAL_ROLES), with a reason. Every viewing is logged: who, whose, when, why.
    Raises PermissionDenied, ValidationError (key "reason")."""
    if field not in PersonalField.values:
        raise ValidationError({"field": _("Choose a field.")})
    _require_registration(actor, volunteer, selectors.REVEAL_ROLES[field])
    reason = clean_note(reason, field="reason")
    if len(reason) < 2:
        raise ValidationError({"reason": _("Say why you need the full value.")})
    _audit(actor, "volunteer.personal_data.viewed", volunteer, field=field, reason=reason)
    return str(getattr(volunteer, field))


# --- memberships -----------------------------------------------------------------------------


def apply_for_team(volunteer: Volunteer, team: Organization, *, actor: Any = None) -> Membership:
    """The volunteer (or a registrar for them) applies to join `team`; its leader approves.
    Raises ValidationError. Audit: volunteer.membership.applied."""
    if team.kind not in TEAM_KINDS or not team.is_active:
        raise ValidationError({"team": _("Choose an active service team or station.")})
    if volunteer.status != RegistrationStatus.ACTIVE:
        raise ValidationError(_("Only active registered volunteers join teams."))
    with transaction.atomic():
        locks.hold(f"volunteers.membership:{volunteer.pk}")
        if volunteer.memberships.filter(
            team=team, status__in=[MembershipStatus.APPLIED, MembershipStatus.APPROVED]
        ).exists():
            raise ValidationError({"team": _("Already a member of this team, or applied.")})
        membership = Membership.objects.create(volunteer=volunteer, team=team)
        log_action(
            actor,
            "volunteer.membership.applied",
            membership,
            organization=team,
            data={"team": team.code},
        )
    return membership


def decide_membership(membership: Membership, *, actor: Any, approve: bool) -> Membership:
    """The team's leader (or an administrator above it) approves or rejects an application."""
    _require(actor, membership.team, [RoleKind.TEAM_LEADER, RoleKind.ADMINISTRATOR])
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.status != MembershipStatus.APPLIED:
            raise ValidationError(_("This application was already decided."))
        if approve and locked.volunteer.status != RegistrationStatus.ACTIVE:
            raise ValidationError(_("Only active registered volunteers join teams."))
        locked.status = MembershipStatus.APPROVED if approve else MembershipStatus.REJECTED
        locked.decided_at = timezone.now()
        locked.decided_by = _user(actor)
        locked.joined_on = timezone.localdate() if approve else None
        locked.save()
        action = "approved" if approve else "rejected"
        log_action(actor, f"volunteer.membership.{action}", locked, organization=locked.team)
    return locked


def leave_team(membership: Membership, *, actor: Any = None) -> Membership:
    """End a membership (the volunteer leaves, or the leader records it)."""
    if actor is not None and actor.is_authenticated:
        _require(actor, membership.team, [RoleKind.TEAM_LEADER, RoleKind.ADMINISTRATOR])
    with transaction.atomic():
        updated = Membership.objects.filter(
            pk=membership.pk, status__in=[MembershipStatus.APPLIED, MembershipStatus.APPROVED]
        ).update(status=MembershipStatus.LEFT, left_on=timezone.localdate())
        if not updated:
            raise ValidationError(_("This membership has already ended."))
        membership.refresh_from_db()
        log_action(actor, "volunteer.membership.left", membership, organization=membership.team)
    return membership


# --- volunteers' requests --------------------------------------------------------------------


def submit_request(volunteer: Volunteer, *, kind: str, message: str) -> VolunteerRequest:
    """A volunteer asks for a correction or a cancellation; it reaches the registrars of the
    registration's organisation. Raises ValidationError."""
    if kind not in RequestKind.values:
        raise ValidationError({"kind": _("Choose what you are asking for.")})
    message = clean_note(message, field="message", limit=1000)
    if kind == RequestKind.CORRECTION and not message:
        raise ValidationError({"message": _("Say what is wrong and what is right.")})
    if kind == RequestKind.CANCELLATION and volunteer.status not in (
        RegistrationStatus.APPLIED,
        *HOLDING_STATUSES,
    ):
        raise ValidationError(_("This registration has already ended."))
    if volunteer.requests.filter(kind=kind, status=RequestStatus.OPEN).exists():
        raise ValidationError(_("You already have an open request of this kind."))
    with transaction.atomic():
        request = VolunteerRequest.objects.create(volunteer=volunteer, kind=kind, message=message)
        log_action(None, f"volunteer.request.{kind}", request, organization=volunteer.organization)
    return request


def handle_request(
    request: VolunteerRequest, *, actor: Any, done: bool, response: str = ""
) -> VolunteerRequest:
    """A registrar closes a request as done or declined, with a response to the volunteer.
    A cancellation request marked done cancels the registration at the volunteer's request."""
    _require_registration(actor, request.volunteer, selectors.REGISTERING_ROLES)
    response = clean_note(response, field="response", limit=500)
    with transaction.atomic():
        locked = VolunteerRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != RequestStatus.OPEN:
            raise ValidationError(_("This request was already handled."))
        if done and locked.kind == RequestKind.CANCELLATION:
            volunteer = locked.volunteer
            if volunteer.status in HOLDING_STATUSES:
                cancel_registration(
                    volunteer,
                    actor=actor,
                    kind=CancellationKind.VOLUNTEER_REQUEST,
                    reason=_("at the volunteer's request"),
                )
            elif volunteer.status == RegistrationStatus.APPLIED:
                withdraw_application(volunteer, actor=actor, reason=_("at the volunteer's request"))
        locked.status = RequestStatus.DONE if done else RequestStatus.DECLINED
        locked.handled_by = _user(actor)
        locked.handled_at = timezone.now()
        locked.response = response
        locked.save()
        log_action(
            actor,
            f"volunteer.request.{locked.status}",
            locked,
            organization=locked.volunteer.organization,
        )
    return locked


def designate_standard_bodies(root: Organization, *, prefix: str, actor: Any) -> int:
    """Designate the plan's registration bodies under `root` that are not bodies yet: the
    volunteer associations (city, district) and the street/township service centres (plan
    §三(二)). Codes are `prefix` + a 3-digit serial in tree order (Attachment 2 numbering).
    Returns how many were designated."""
    kinds = (OrgKind.VOLUNTEER_ASSOCIATION, OrgKind.SERVICE_CENTRE)
    candidates = (
        Organization.objects.filter(path__startswith=root.path)
        .filter(kind__in=kinds, is_active=True, registration_body__isnull=True)
        .order_by("path")
    )
    used = {
        int(code[len(prefix) :])
        for code in RegistrationBody.objects.filter(code__startswith=prefix).values_list(
            "code", flat=True
        )
        if code[len(prefix) :].isdigit()
    }
    serial, count = 0, 0
    for organization in candidates:
        serial += 1
        while serial in used:
            serial += 1
        designate_body(organization, code=f"{prefix}{serial:03d}", actor=actor)
        count += 1
    return count


POLICY_FIELDS = (
    "minimum_age",
    "adult_age",
    "own_income_age",
    "reregistration_required",
    "number_format",
    "privacy_notice_version",
)


def _check_policy(policy: RegistrationPolicy) -> None:
    errors: dict[str, str] = {}
    if not 10 <= policy.minimum_age <= policy.own_income_age <= policy.adult_age <= 21:
        errors["minimum_age"] = _(
            "Ages must run minimum ≤ own-income age ≤ age of majority, between 10 and 21."
        )
    if not _NUMBER_FORMAT.fullmatch(policy.number_format or ""):
        errors["number_format"] = _(
            "Write the body code, the year and the zero-padded sequence in this order, "
            "with or without hyphens between them: {code}{yy}{seq:06d} or "
            "{code}-{yyyy}-{seq:05d} (4 to 9 digits)."
        )
    if not policy.privacy_notice_version.strip():
        errors["privacy_notice_version"] = _("Give the version of the privacy notice.")
    if errors:
        raise ValidationError(errors)


def set_policy(organization: Organization, *, actor: Any, **fields: Any) -> RegistrationPolicy:
    """Set the registration policy of `organization` (it applies to its subtree where no
    nearer policy exists). Administrators covering the organisation only.
    Raises PermissionDenied, ValidationError. Audit: registration_policy.changed."""
    _require(actor, organization, [RoleKind.ADMINISTRATOR])
    with transaction.atomic():
        policy = RegistrationPolicy.objects.select_for_update().filter(
            organization=organization
        ).first() or RegistrationPolicy(organization=organization)
        for name in POLICY_FIELDS:
            if name in fields:
                setattr(policy, name, fields[name])
        _check_policy(policy)
        policy.save()
        log_action(
            actor,
            "registration_policy.changed",
            policy,
            organization=organization,
            data={name: getattr(policy, name) for name in POLICY_FIELDS},
        )
    return policy


PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png"}


def set_photo(volunteer: Volunteer, upload: Any, *, actor: Any) -> Volunteer:
    """Store the volunteer's photo (the optional photo of Attachment 4): a JPEG or PNG of at
    most PHOTO_MAX_BYTES, checked by opening it as an image; the old one is replaced.
    Raises PermissionDenied, ValidationError (key "photo"). Audit: volunteer.photo.changed."""
    from io import BytesIO

    from django.core.files.base import ContentFile
    from PIL import Image, UnidentifiedImageError

    if not selectors.covers_registration(actor, volunteer, selectors.REGISTERING_ROLES):
        raise _refuse(_("You do not have a role for this organisation."))
    data = upload.read(PHOTO_MAX_BYTES + 1) if upload else b""
    if not data or len(data) > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": _("Choose a JPEG or PNG photo of at most 2 MB.")})
    try:
        with Image.open(BytesIO(data)) as image:
            image.verify()
            kind = image.format or ""
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        kind = ""
    if kind not in PHOTO_FORMATS:
        raise ValidationError({"photo": _("Choose a JPEG or PNG photo of at most 2 MB.")})
    with transaction.atomic():
        old = volunteer.photo.name if volunteer.photo else ""
        # The file name is random: a person's name or number never goes into a path.
        name = f"{secrets.token_hex(16)}.{PHOTO_FORMATS[kind]}"
        volunteer.photo.save(name, ContentFile(data), save=False)
        volunteer.save(update_fields=["photo", "updated_at"])
        _audit(actor, "volunteer.photo.changed", volunteer)
        if old:
            transaction.on_commit(partial(volunteer.photo.storage.delete, old))
    return volunteer
