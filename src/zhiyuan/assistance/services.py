"""Writes of priority help (MISSION §4; plan §三(二)3: a registered volunteer who needs help
gets volunteer service with priority): ask, take, record the outcome, withdraw, escalate.

Rules:
- a request names one registration (applied, active or suspended); it has priority when that
  registration is a registered volunteer's when asked (`volunteers.selectors.
  registered_volunteers`, the one definition): applicants and suspended volunteers may ask,
  and queue behind; a relative may ask on the volunteer's behalf (their name and relation kept);
- it goes to the stations and teams covering its place (`routing`), all of which see it;
- one taker: taking is a conditional UPDATE (`status = open`) whose row count is checked, so of
  two leaders taking at once one succeeds and the other is told who took it;
- the outcome is recorded once, with the helpers' hours as pending records of the ledger
  (`hours.services.record_hours`: the organiser confirms them as any other), all or nothing;
- the volunteer is texted when the request is taken and when it is done (`common.outbox`);
- a request nobody took within ASSISTANCE_ESCALATE_HOURS goes to the office above its
  station too (`escalate_untaken_requests`, a periodic job), whose administrators are texted.
Every change is audited; no address, ID number or phone goes into an entry.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.accounts.models import Role
from zhiyuan.activities.models import Activity
from zhiyuan.activities.selectors import team_members
from zhiyuan.assistance import permissions, routing, selectors
from zhiyuan.assistance.enums import HelpChannel, HelpKind, HelpStatus, Urgency
from zhiyuan.assistance.models import HelpHours, HelpRequest, HelpRoute
from zhiyuan.common.audit import log_action
from zhiyuan.common.outbox import send_sms
from zhiyuan.common.text import clean_note, has_control_characters
from zhiyuan.divisions.enums import DivisionLevel
from zhiyuan.divisions.models import Division
from zhiyuan.hours import services as hours_services
from zhiyuan.hours.services import RECORDABLE
from zhiyuan.organizations.access import scope
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import RegistrationStatus
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.selectors import registered_volunteers

#: Registrations that may ask (an ended one may not).
ASKING_STATUSES = (
    RegistrationStatus.APPLIED,
    RegistrationStatus.ACTIVE,
    RegistrationStatus.SUSPENDED,
)
DESCRIPTION_LIMIT = 500
ADDRESS_LIMIT = 200
#: How far ahead help may be asked for, and how far in the past a time may lie (a form kept open).
AHEAD = timedelta(days=90)
PAST_TOLERANCE = timedelta(hours=1)
#: A request's row only, locked to record its outcome (not the volunteer's or the station's).
LOCKED: dict[str, Any] = {"of": ("self",)}


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _field(field: str, message: str, code: str, **params: Any) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code, params=params or None)})


# --- asking ---------------------------------------------------------------------------------


def _clean_place(address: Any, division: Any, errors: dict[str, Any]) -> str:
    text = " ".join(str(address or "").split())
    if not text:
        errors["address"] = ValidationError(
            _("Say where help is needed: street, building, flat."), code="required"
        )
    elif has_control_characters(text) or len(text) > ADDRESS_LIMIT:
        errors["address"] = ValidationError(
            _("At most %(limit)s characters, on one line."),
            code="invalid",
            params={"limit": ADDRESS_LIMIT},
        )
    if not isinstance(division, Division):
        errors["division"] = ValidationError(
            _("Choose the community or street where help is needed."), code="required"
        )
    elif division.abolished or division.level < DivisionLevel.TOWNSHIP:
        errors["division"] = ValidationError(
            _("Choose a community or a street that exists today, not a district or a city."),
            code="level",
        )
    return text


def _clean_when(needed_at: Any, errors: dict[str, Any]) -> datetime | None:
    if needed_at in (None, ""):
        return None
    if not isinstance(needed_at, datetime) or timezone.is_naive(needed_at):
        errors["needed_at"] = ValidationError(_("Give a date and time."), code="invalid")
        return None
    now = timezone.now()
    if needed_at < now - PAST_TOLERANCE:
        errors["needed_at"] = ValidationError(
            _("This time has passed: leave it empty for as soon as possible."), code="past"
        )
    elif needed_at > now + AHEAD:
        errors["needed_at"] = ValidationError(
            _("Ask at most 90 days ahead."), code="too_far", params={"days": AHEAD.days}
        )
    return needed_at


def _clean_relative(name: Any, relation: Any, errors: dict[str, Any]) -> tuple[str, str]:
    cleaned: dict[str, str] = {}
    for field, value, limit in (("asked_by_name", name, 50), ("asked_by_relation", relation, 20)):
        try:
            cleaned[field] = clean_note(value, limit=limit)
        except ValidationError as error:
            errors[field] = error
            cleaned[field] = ""
    if bool(cleaned["asked_by_name"]) != bool(cleaned["asked_by_relation"]):
        missing = "asked_by_relation" if cleaned["asked_by_name"] else "asked_by_name"
        errors.setdefault(
            missing,
            ValidationError(
                _("A relative asking gives both their name and their relation."), code="relative"
            ),
        )
    return cleaned["asked_by_name"], cleaned["asked_by_relation"]


def _clean_request(details: dict[str, Any]) -> dict[str, Any]:
    """The request's fields checked all at once. Raises ValidationError keyed by field."""
    errors: dict[str, Any] = {}
    kind = details.get("kind")
    if kind not in HelpKind.values:
        errors["kind"] = ValidationError(_("Choose the help needed."), code="invalid_choice")
    urgency = details.get("urgency")
    if urgency not in Urgency.values:
        errors["urgency"] = ValidationError(_("Choose how urgent it is."), code="invalid_choice")
    try:
        description = clean_note(details.get("description"), limit=DESCRIPTION_LIMIT)
    except ValidationError as error:
        errors["description"] = error
        description = ""
    address = _clean_place(details.get("address"), details.get("division"), errors)
    needed_at = _clean_when(details.get("needed_at"), errors)
    name, relation = _clean_relative(
        details.get("asked_by_name"), details.get("asked_by_relation"), errors
    )
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "urgency": urgency,
        "description": description,
        "address": address,
        "division": details["division"],
        "needed_at": needed_at,
        "asked_by_name": name,
        "asked_by_relation": relation,
    }


#: The fields of a request `ask_for_help` takes.
DETAIL_FIELDS = (
    "kind",
    "urgency",
    "description",
    "address",
    "division",
    "needed_at",
    "asked_by_name",
    "asked_by_relation",
)


def ask_for_help(
    volunteer: Volunteer, *, actor: Any, channel: str, details: dict[str, Any]
) -> HelpRequest:
    """A request for help for `volunteer` (a registration), made by the volunteer or a relative
    on the portal or the app (`actor` None), or by an office taking the call (`channel`
    "phone", `actor` a registrar, team leader or administrator whose ledger holds the
    volunteer). `details`: DETAIL_FIELDS (`division` a Division of street or community level;
    `needed_at` aware or None for as soon as possible; `urgency` an `Urgency` value).
    It has priority when the registration is a registered volunteer's now (plan §三(二)3).
    Raises PermissionDenied (an office outside the volunteer's subtree), ValidationError
    (keyed by field; "registration" when the registration has ended, "duplicate" when the
    same help is already asked for and open, "uncovered" when no station covers the place).
    Audit: assistance.request.created."""
    if channel not in HelpChannel.values:
        raise ValueError(f"Unknown channel {channel!r}.")
    if channel == HelpChannel.PHONE:
        _require_enters_for(actor, volunteer)
    if volunteer.status not in ASKING_STATUSES:
        raise _field(
            "volunteer",
            _("This registration has ended: help is asked for under a live registration."),
            "registration",
        )
    cleaned = _clean_request(details)
    stations = routing.route(cleaned["division"])
    with transaction.atomic():
        Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
        same = HelpRequest.objects.filter(
            volunteer=volunteer, kind=cleaned["kind"], status=HelpStatus.OPEN
        ).first()
        if same is not None:
            raise ValidationError(
                _("This help was already asked for (request %(number)s) and is waiting."),
                code="duplicate",
                params={"number": same.number},
            )
        priority = registered_volunteers(Volunteer.objects.filter(pk=volunteer.pk)).exists()
        request = HelpRequest.objects.create(
            volunteer=volunteer,
            priority=priority,
            channel=channel,
            entered_by=_user(actor) if channel == HelpChannel.PHONE else None,
            organization=stations[0],
            **cleaned,
        )
        HelpRoute.objects.bulk_create(
            [HelpRoute(request=request, organization=o) for o in stations]
        )
        log_action(
            actor if channel == HelpChannel.PHONE else None,
            "assistance.request.created",
            request,
            organization=request.organization,
            data={
                "help_channel": channel,
                "priority": priority,
                "urgency": request.urgency,
                "help_kind": request.kind,
                "routes": [o.code for o in stations],
            },
        )
    return request


def _require_enters_for(actor: Any, volunteer: Volunteer) -> None:
    if actor is None:
        return
    reachable = scope(actor, Volunteer.objects.filter(pk=volunteer.pk), permissions.ENTERING)
    if not reachable.exists():
        raise PermissionDenied(
            _("You can only enter requests for volunteers of the ledger you keep.")
        )


# --- taking ---------------------------------------------------------------------------------


def take_request(
    request: HelpRequest, *, actor: Any, organization: Organization | None = None
) -> HelpRequest:
    """`actor` (a team leader or administrator of one of the request's routes, or above) takes
    the open `request` for `organization` (one of those routes; default the deepest the actor
    covers, a team before its station). One taker: a conditional UPDATE of the open row, so of
    two taking at once the second is refused. The volunteer is texted (`help_taken`).
    Raises PermissionDenied, ValidationError ("not_open": taken already, by whom and when, or
    withdrawn). Audit: assistance.request.taken."""
    choices = selectors.takers_routes(actor, request, permissions.TAKING)
    if organization is None and choices:
        organization = choices[0]
    if organization is None or organization.pk not in {o.pk for o in choices}:
        raise PermissionDenied(
            _("Take the request for one of the teams or stations it went to that you lead.")
        )
    now = timezone.now()
    with transaction.atomic():
        taken = HelpRequest.objects.filter(pk=request.pk, status=HelpStatus.OPEN).update(
            status=HelpStatus.TAKEN, taken_at=now, taken_by=_user(actor), taken_for=organization
        )
        if not taken:
            raise _not_open(HelpRequest.objects.select_related("taken_for").get(pk=request.pk))
        request.refresh_from_db()
        log_action(
            actor,
            "assistance.request.taken",
            request,
            organization=request.organization,
            data={"organization": organization.code},
        )
        _text(request, "help_taken")
    return request


def _not_open(request: HelpRequest) -> ValidationError:
    if request.taken_at is not None and request.taken_for is not None:
        when = timezone.localtime(request.taken_at)
        return ValidationError(
            _("%(organization)s already took this request at %(time)s."),
            code="not_open",
            params={"organization": request.taken_for.name, "time": f"{when:%Y-%m-%d %H:%M}"},
        )
    return ValidationError(
        _("This request is %(status)s: it cannot be taken."),
        code="not_open",
        params={"status": request.get_status_display()},
    )


def _text(request: HelpRequest, template: str) -> None:
    volunteer = request.volunteer
    who = request.taken_for or request.organization
    send_sms(volunteer.mobile, template, {"number": request.number, "organization": who.name})


# --- the outcome ----------------------------------------------------------------------------


def record_outcome(
    request: HelpRequest,
    *,
    actor: Any,
    outcome: str,
    helpers: Iterable[Volunteer] = (),
    activity: Activity | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> HelpRequest:
    """What was done for the taken `request`, by a leader or administrator of the organisation
    that took it: `outcome` (one line, at most 500 characters, no ID or phone numbers) and,
    when volunteers helped, `helpers` (approved members of that team or station), the
    `activity` their service counts under (published or finished, organised by that
    organisation or below it: its standing priority-help project) and the aware `start` and
    `end` of the help. Each helper's time becomes a pending record of the ledger through
    `hours.services.record_hours` (the organiser confirms it: 谁组织谁记录，谁记录谁证明).
    All or nothing. The volunteer is texted (`help_done`).
    Raises PermissionDenied, ValidationError ("outcome", "helpers", "activity", "start",
    "end", or the ledger's own refusals, e.g. an overlap; "not_taken").
    Audit: assistance.request.done (and hours.record.created per helper)."""
    if request.taken_for is None:
        raise _not_taken(request)
    permissions.require_takes_for(actor, request.taken_for)
    text = clean_note(outcome, field="outcome", limit=DESCRIPTION_LIMIT)
    if not text:
        raise _field("outcome", _("Say what was done."), "required")
    chosen = list({v.pk: v for v in helpers}.values())
    if chosen:
        _check_helpers(request, chosen, activity, start, end)
    with transaction.atomic():
        locked = HelpRequest.objects.select_for_update(**LOCKED).get(pk=request.pk)
        if locked.status != HelpStatus.TAKEN:
            raise _not_taken(locked)
        records = [
            hours_services.record_hours(
                helper,
                activity=activity,  # type: ignore[arg-type]
                start=start,  # type: ignore[arg-type]
                end=end,  # type: ignore[arg-type]
                actor=actor,
                content=text[: hours_services.CONTENT_LIMIT],
            )
            for helper in chosen
        ]
        HelpHours.objects.bulk_create([HelpHours(request=locked, record=r) for r in records])
        locked.status = HelpStatus.DONE
        locked.outcome = text
        locked.done_at = timezone.now()
        locked.done_by = _user(actor)
        locked.save(update_fields=["status", "outcome", "done_at", "done_by"])
        log_action(
            actor,
            "assistance.request.done",
            locked,
            organization=locked.organization,
            data={"helpers": len(records), "minutes": sum(r.minutes for r in records)},
        )
        _text(locked, "help_done")
    return locked


def _not_taken(request: HelpRequest) -> ValidationError:
    return ValidationError(
        _("Only a taken request gets its outcome; this one is %(status)s."),
        code="not_taken",
        params={"status": request.get_status_display()},
    )


def _check_helpers(
    request: HelpRequest,
    helpers: list[Volunteer],
    activity: Activity | None,
    start: datetime | None,
    end: datetime | None,
) -> None:
    """Raises ValidationError (every problem at once) unless the helpers are approved members
    of the taking organisation, not the volunteer helped, and the activity and times are
    given and fit."""
    team = request.taken_for
    assert team is not None  # noqa: S101 (checked by the caller)
    errors: dict[str, Any] = {}
    members = set(team_members(team).values_list("pk", flat=True))
    strangers = [v.name for v in helpers if v.pk not in members]
    if strangers:
        errors["helpers"] = ValidationError(
            _("Not approved members of %(team)s: %(names)s."),
            code="not_member",
            params={"team": team.name, "names": ", ".join(strangers)},
        )
    elif any(v.pk == request.volunteer_id for v in helpers):
        errors["helpers"] = ValidationError(
            _("The volunteer who asked for help is not one of the helpers."), code="helped"
        )
    if activity is None:
        errors["activity"] = ValidationError(
            _("Choose the activity the helpers' hours count under."), code="required"
        )
    elif activity.status not in RECORDABLE or not activity.organizer.path.startswith(team.path):
        errors["activity"] = ValidationError(
            _("Choose a published or finished activity of %(team)s."),
            code="activity",
            params={"team": team.name},
        )
    for name, value in (("start", start), ("end", end)):
        if value is None:
            errors[name] = ValidationError(
                _("Give when the help began and ended."), code="required"
            )
    if errors:
        raise ValidationError(errors)


def outcome_activities(request: HelpRequest) -> Any:
    """The activities a taken request's helpers' hours may count under: published or finished,
    organised by the organisation that took it or below it, newest first."""
    if request.taken_for is None:
        return Activity.objects.none()
    return Activity.objects.filter(
        status__in=RECORDABLE, organizer__path__startswith=request.taken_for.path
    ).order_by("-created_at", "-pk")


# --- withdrawing and escalating ------------------------------------------------------------


def withdraw_request(request: HelpRequest) -> HelpRequest:
    """The volunteer withdraws an open request (no longer needed). Raises ValidationError
    ("not_open"). Audit: assistance.request.withdrawn."""
    with transaction.atomic():
        count = HelpRequest.objects.filter(pk=request.pk, status=HelpStatus.OPEN).update(
            status=HelpStatus.WITHDRAWN, withdrawn_at=timezone.now()
        )
        if not count:
            raise _not_open(HelpRequest.objects.select_related("taken_for").get(pk=request.pk))
        request.refresh_from_db()
        log_action(None, "assistance.request.withdrawn", request, organization=request.organization)
    return request


def escalate_untaken_requests(*, now: datetime | None = None) -> int:
    """Escalate every open request made more than ASSISTANCE_ESCALATE_HOURS before `now` and
    not escalated yet: it is routed to the office above its station too (the station's
    parent organisation joins its routes, flagged), whose administrators with a mobile number
    are texted (`help_escalated`). Returns how many; each in its own transaction, by a
    conditional UPDATE (a second run, or two at once, escalate nothing twice).
    Audit: assistance.request.escalated."""
    now = now or timezone.now()
    hours = settings.ASSISTANCE_ESCALATE_HOURS
    due = HelpRequest.objects.filter(
        status=HelpStatus.OPEN,
        escalated_at__isnull=True,
        created_at__lt=now - timedelta(hours=hours),
    ).values_list("pk", flat=True)
    escalated = 0
    for pk in list(due):
        with transaction.atomic():
            if not HelpRequest.objects.filter(
                pk=pk, status=HelpStatus.OPEN, escalated_at__isnull=True
            ).update(escalated_at=now):
                continue
            request = HelpRequest.objects.select_related("organization").get(pk=pk)
            office = Organization.objects.get_parent(request.organization)
            if office is not None:
                HelpRoute.objects.get_or_create(
                    request=request, organization=office, defaults={"escalated": True}
                )
                _text_office(office, request, hours)
            log_action(
                None,
                "assistance.request.escalated",
                request,
                organization=request.organization,
                data={"organization": office.code if office is not None else ""},
            )
            escalated += 1
    return escalated


def _text_office(office: Organization, request: HelpRequest, hours: int) -> None:
    admins = Role.objects.filter(
        organization=office, kind=RoleKind.ADMINISTRATOR, user__is_active=True
    ).select_related("user")
    for role in admins:
        if role.user.mobile:
            send_sms(
                role.user.mobile,
                "help_escalated",
                {
                    "number": request.number,
                    "station": request.organization.name,
                    "hours": str(hours),
                },
            )


def reveal_phone(request: HelpRequest, *, actor: Any) -> str:
    """The full mobile number of the volunteer of a taken `request`, for the call of a leader
    or administrator of the organisation that took it (the page shows it masked). Every
    viewing is audited (PIPL: who saw whose number, when). Raises PermissionDenied,
    ValidationError ("not_taken"). Audit: assistance.request.phone_viewed."""
    if request.taken_for is None or request.status != HelpStatus.TAKEN:
        raise _not_taken(request)
    if actor is None:
        raise PermissionDenied
    permissions.require_takes_for(actor, request.taken_for)
    log_action(actor, "assistance.request.phone_viewed", request, organization=request.organization)
    return str(request.volunteer.mobile)
