"""Registration: the application (one person, one registration, city-wide), the confirmation
requests with their one-time codes and links, the one transition applied → active
(`confirm_registration`) and the registration numbers it issues.

中国注册志愿者管理办法 (registration, age); 志愿服务条例 arts. 3 and 25 (voluntary: the
person confirms their own registration); 个人信息保护法 arts. 13, 14 and 29 (separate consent
to processing the ID number); Attachment 2 (numbers) and Attachment 4 (the form).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.accounts import sms_codes
from zhiyuan.common import locks
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.outbox import send_sms
from zhiyuan.common.phones import normalize_mobile
from zhiyuan.common.text import clean_note
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import hooks, permissions, rules, selectors
from zhiyuan.volunteers.enums import (
    HOLDING_STATUSES,
    ConfirmationMethod,
    RegistrationChannel,
    RegistrationStatus,
    SystemReason,
)
from zhiyuan.volunteers.models import (
    RegistrationBody,
    RegistrationNumberSequence,
    RegistrationPolicy,
    Volunteer,
    document_digest,
)
from zhiyuan.volunteers.report_links import report_link
from zhiyuan.volunteers.services._shared import (
    acting_user,
    audit,
    refuse,
    require,
    require_registration,
)
from zhiyuan.volunteers.services.bodies import check_point

CONFIRM_LINK_SALT = "zhiyuan.volunteers.confirm-link"


CONFIRM_LINK_SECONDS = 7 * 24 * 3600


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


def public_holder_error(volunteer: Volunteer) -> ValidationError:
    """The refusal shown to whoever confirms a self-registration whose ID number another
    registration holds: what to do, naming only the body they chose, never the holder's (a
    stranger may have typed somebody's ID number; `tell_holder_of_attempt` tells the holder)."""
    message = _(
        "This registration cannot be completed online. If you registered before, log in to "
        "“My registration” with the mobile number you registered with: a message about this "
        "application went to it. If you no longer use that number, or never registered, bring "
        "your ID document to %(body)s."
    ) % {"body": volunteer.body.organization.name}
    return ValidationError(message, code="already_registered")


ATTEMPT_NOTICE_HOURS = 24


def tell_holder_of_attempt(holder: Volunteer, application: Volunteer) -> None:
    """Someone confirmed a self-registration with the ID number `holder` is registered with:
    text the phone on file where it happened and where to look ("My registration", where a
    person registered without their knowledge sees the registration and can ask for its
    cancellation), at most once in ATTEMPT_NOTICE_HOURS, so that nobody can have the holder
    texted at will. Every attempt is audited on the holder's registration, which its
    registrars see. Audit: volunteer.registration.attempted."""
    point = application.organization.name
    since = timezone.now() - timedelta(hours=ATTEMPT_NOTICE_HOURS)
    told = AuditEntry.objects.filter(
        action="volunteer.registration.attempted",
        object_type=Volunteer._meta.label_lower,
        object_id=str(holder.pk),
        created_at__gte=since,
    ).exists()
    audit(None, "volunteer.registration.attempted", holder, point=point)
    if not told:
        link = f"{settings.SITE_URL.rstrip('/')}/me/"
        transaction.on_commit(
            partial(send_sms, holder.mobile, "registration_attempt", {"point": point, "link": link})
        )


def refuse_duplicates(digest: str, body: RegistrationBody, exclude: int | None = None) -> None:
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
    A registrar is refused an ID number that is registered or awaits confirmation with the
    body; a self-registration is accepted all the same and doing the same work, so that the
    public answer tells nobody whether an ID number is known: the duplicate is resolved when
    it is confirmed (`confirm_registration`).
    Raises PermissionDenied (registrar without a role for this point), ValidationError with
    field keys (rules, one person one registration, consent). Audit:
    volunteer.registration.applied.
    """
    if channel != RegistrationChannel.SELF and not permissions.may_register_through(
        actor, body, organization
    ):
        raise refuse(_("You may not register volunteers for this body here."))
    check_point(body, organization)
    policy = selectors.policy_for(organization)
    clean, warnings = _clean_with_consent(data, consent, policy, today or selectors.local_today())
    with transaction.atomic():
        digest = document_digest(clean["document_number"])
        locks.hold(f"volunteers.person:{digest}")
        if channel != RegistrationChannel.SELF:
            refuse_duplicates(digest, body)
        volunteer = Volunteer.objects.create(
            body=body,
            organization=organization,
            channel=channel,
            registered_by=acting_user(actor),
            privacy_notice_version=policy.privacy_notice_version,
            id_consent_at=timezone.now(),
            **clean,
        )
        audit(actor, "volunteer.registration.applied", volunteer, channel=channel, body=body.code)
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
    if getattr(actor, "is_authenticated", False) and not permissions.covers_registration(
        actor, volunteer, permissions.REGISTERING
    ):
        raise refuse(_("Only registrars and administrators send these messages."))
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
        audit(actor, "volunteer.confirmation.requested", volunteer)


def send_confirmation_requests(
    organization: Organization, *, actor: Any, expected: int | None = None
) -> dict[str, int]:
    """ "Please confirm" messages to everyone still applied, registered through `organization`
    or below it (`selectors.confirmation_request_plan`): each registering unit sends at most
    its daily limit, the rest are held for a later day. `expected` is the number of messages
    the office was shown and confirmed (web page, API); when the plan now says otherwise,
    nothing is sent. Returns counts: sent, skipped (texted recently or too often today, by
    the per-mobile limits), held (the units' daily limits).
    Raises PermissionDenied, ValidationError {"expected": …} (code "changed")."""
    require(actor, organization, permissions.REGISTERING)
    counts = {"sent": 0, "skipped": 0, "held": 0}
    with transaction.atomic():
        # Bulk sends are rare: one at a time, so that the second of two over one unit sees the
        # first's messages in the unit's count of today.
        locks.hold("volunteers.confirmation_requests")
        plan = selectors.confirmation_request_plan(actor, organization)
        to_send = sum(unit.to_send for unit in plan)
        if expected is not None and expected != to_send:
            raise ValidationError(
                {
                    "expected": ValidationError(
                        _(
                            "%(now)s messages would go out now, not %(shown)s as shown. Look at "
                            "the list again."
                        ),
                        code="changed",
                        params={"now": to_send, "shown": expected},
                    )
                }
            )
        pending = selectors.awaiting_confirmation(actor, organization).order_by("pk")
        for unit in plan:
            counts["held"] += unit.held
            for volunteer in pending.filter(organization=unit.organization)[: unit.to_send]:
                try:
                    send_confirmation_request(volunteer, actor=actor)
                except ValidationError:
                    counts["skipped"] += 1
                else:
                    counts["sent"] += 1
    return counts


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
    audit(actor, "volunteer.registration.closed", volunteer, reason=reason)


def confirm_registration(
    volunteer_id: int, *, method: str, actor: Any, reason: str = ""
) -> Volunteer:
    """The one transition applied → active: the first confirmed registration of a person wins;
    it gets the next registration number, and the person's other pending applications are
    closed with a notice. The caller has established the person's confirmation by `method`
    (`ConfirmationMethod`: a checked code or link, or a registrar's record with `reason`);
    `confirm_with_code`, `confirm_with_link` and `confirm_in_person` are the checked ways in
    (中国注册志愿者管理办法: registration is the person's own act).
    When another registration holds the ID number, a registrar (`actor`) is told which body
    holds it; the person (`actor` None) is told what to do but not where, and the holder's
    phone on file is told of the attempt (`tell_holder_of_attempt`).
    An `actor` must hold a registering role over the registration, like every service's.
    Raises PermissionDenied, ValidationError "not_applied" / "already_registered"."""
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
        if actor is not None:
            require_registration(actor, volunteer, permissions.REGISTERING)
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
            raise _lost_error(lost_to, volunteer, actor)
        if volunteer.status != RegistrationStatus.APPLIED:
            raise ValidationError(
                _("This registration is not awaiting confirmation."), code="not_applied"
            )
        if lost_to is not None:
            _close_application(volunteer, actor=actor, reason=SystemReason.REGISTERED_ELSEWHERE)
            if actor is None:
                tell_holder_of_attempt(lost_to, volunteer)
        else:
            if method != ConfirmationMethod.IN_PERSON and hooks.requires_in_person(volunteer):
                raise ValidationError(
                    _(
                        "%(body)s confirms new registrations in person only for now: bring "
                        "your ID document to it."
                    )
                    % {"body": volunteer.body.organization.name},
                    code="in_person_required",
                )
            _activate(volunteer, method=method, actor=actor, reason=reason)
    if lost_to is not None:
        raise _lost_error(lost_to, volunteer, actor)
    return volunteer


def _lost_error(holder: Volunteer, volunteer: Volunteer, actor: Any) -> ValidationError:
    return holder_error(holder, volunteer.body) if actor else public_holder_error(volunteer)


def _activate(volunteer: Volunteer, *, method: str, actor: Any, reason: str) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    policy = selectors.policy_for(volunteer.organization)
    volunteer.registration_number = _next_number(volunteer.body, policy, today.year)
    volunteer.status = RegistrationStatus.ACTIVE
    volunteer.confirmed_at = volunteer.status_changed_at = now
    volunteer.registered_on = today
    volunteer.confirmation_method = method
    volunteer.confirmed_by = acting_user(actor) if method == ConfirmationMethod.IN_PERSON else None
    volunteer.confirmation_reason = reason[:200]
    volunteer.save()
    audit(
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
        _close_application(other, actor=actor, reason=SystemReason.REGISTERED_ELSEWHERE)
        transaction.on_commit(
            # The holder's body is not named: whoever typed this mobile may not be the person.
            partial(
                send_sms,
                other.mobile,
                "registration_closed",
                {"body": other.body.organization.name},
            )
        )
    transaction.on_commit(
        partial(
            send_sms,
            volunteer.mobile,
            "registration_confirmed",
            {
                "number": volunteer.registration_number,
                "body": volunteer.body.organization.name,
                "report": report_link(volunteer.pk),
            },
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
    A code locked by too many wrong tries answers "invalid_code" like a mobile nobody used,
    so that wrong codes tell nobody whether an application awaits one.
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
            if error.code not in ("invalid_code", "too_many_attempts"):
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
    require_registration(actor, volunteer, permissions.REGISTERING)
    reason = clean_note(reason, field="reason")
    if len(reason) < 4:
        raise ValidationError(
            {"reason": _("Say how the person confirmed, e.g. “signed the form at the centre”.")}
        )
    return confirm_registration(
        volunteer.pk, method=ConfirmationMethod.IN_PERSON, actor=actor, reason=reason
    )
