"""Writes of the work plan: a city's steps (the plan's defaults, a step added or changed, a
step retired), an organisation's report that a step is done, its superior's acceptance or
return, and the reminders before a due date. Each checks its actor (`permissions.py`), runs in
one transaction and is audited (workplan.step.*, workplan.report.*).

A report is a claim to check (plan §四; issue 14): it names who is responsible and how to
reach them, may carry a document or photo, and only counts as done once an administrator
above the organisation accepted it.
"""

import secrets
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.accounts.models import Role
from zhiyuan.common import locks
from zhiyuan.common.audit import log_action
from zhiyuan.common.outbox import send_sms
from zhiyuan.common.phones import normalize_mobile
from zhiyuan.common.text import clean_note
from zhiyuan.common.uploads import keep_evidence
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING
from zhiyuan.reports.rounds.models import ReportingRound
from zhiyuan.reports.selectors import short_name
from zhiyuan.workplan import permissions, selectors
from zhiyuan.workplan.enums import PLAN_STEPS, ReportStatus, StepLevel, StepLink, level_labels
from zhiyuan.workplan.models import StepReminder, StepReport, WorkStep, evidence_storage

#: The largest evidence file: a phone's photo or a scanned page.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
#: The most steps in use a city may have.
MAX_STEPS = 20
REMINDER_TEMPLATE = "workplan_step_reminder"


def _user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


# --- a city's steps --------------------------------------------------------------------------


def _lock_city(city: Organization) -> None:
    locks.hold(f"workplan.steps.{city.pk}")


def create_plan_steps(city: Organization, *, actor: Any, year: int) -> list[WorkStep]:
    """Add the plan's steps (`enums.PLAN_STEPS`, plan §四) that `city` does not have yet (by
    code), due on their days of `year`; returns those added (none when all are there).
    Raises PermissionDenied unless `actor` administers the city (a city-level organisation),
    ValidationError ("year") for a year outside 2000–2100. Audit: workplan.step.added each."""
    permissions.require_set_steps(actor, city)
    if isinstance(year, bool) or not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("Give a year between 2000 and 2100.")]})
    with transaction.atomic():
        _lock_city(city)
        have = set(WorkStep.objects.filter(organization=city).values_list("code", flat=True))
        last = WorkStep.objects.filter(organization=city).aggregate(m=Max("position"))["m"] or 0
        added = []
        for plan in PLAN_STEPS:
            if plan.code in have:
                continue
            last += 1
            step = WorkStep.objects.create(
                organization=city,
                code=plan.code,
                name=plan.name,
                name_en=plan.name_en,
                description=plan.description,
                due_date=date(year, *plan.due),
                levels=list(plan.levels),
                link=plan.link,
                position=last,
                created_by=_user(actor),
            )
            _log_step(actor, "workplan.step.added", step)
            added.append(step)
    return added


def _log_step(actor: Any, action: str, step: WorkStep, **data: Any) -> None:
    log_action(
        actor,
        action,
        step,
        organization=step.organization,
        data={
            "step": step.code,
            "due_date": step.due_date.isoformat(),
            "levels": list(step.levels),
            **data,
        },
    )


def clean_levels(levels: Any) -> list[str]:
    """The StepLevel values asked for, once each, in the enum's order. Raises ValidationError
    ("levels") for none or an unknown one."""
    asked = [str(level) for level in (levels or [])]
    unknown = [level for level in asked if level not in StepLevel.values]
    if unknown:
        raise ValidationError({"levels": [_("Unknown level: %(l)s.") % {"l": ", ".join(unknown)}]})
    if not asked:
        raise ValidationError({"levels": [_("Choose at least one level the step applies to.")]})
    return [level for level in StepLevel.values if level in asked]


def _step_fields(
    city: Organization,
    *,
    name: Any,
    name_en: Any,
    description: Any,
    due_date: Any,
    levels: Any,
    link: Any,
    round: ReportingRound | None,
) -> dict[str, Any]:
    """The checked fields of a step of `city`. Raises ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    for key, value, limit in (
        ("name", name, 100),
        ("name_en", name_en, 200),
        ("description", description, 500),
    ):
        try:
            fields[key] = clean_note(value, limit=limit)
        except ValidationError as exc:
            errors[key] = exc.messages
    if not errors.get("name") and not fields.get("name"):
        errors["name"] = [_("Give the step a name.")]
    if not isinstance(due_date, date):
        errors["due_date"] = [_("Give the due date.")]
    try:
        fields["levels"] = clean_levels(levels)
    except ValidationError as exc:
        errors["levels"] = exc.messages
    link = str(link or "")
    if link not in StepLink.values:
        errors["link"] = [_("Choose what the step's reports link to.")]
    if round is not None and link != StepLink.ROUND:
        errors["round"] = [_("Only a step linking to a reporting round names one.")]
    if round is not None and not round.organization.path.startswith(city.path):
        errors["round"] = [_("Choose a reporting round of this city.")]
    if errors:
        raise ValidationError(errors)
    return {**fields, "due_date": due_date, "link": link, "round": round}


def save_step(
    city: Organization,
    *,
    actor: Any,
    step: WorkStep | None = None,
    name: Any,
    name_en: Any = "",
    description: Any = "",
    due_date: Any,
    levels: Any,
    link: Any = "",
    round: ReportingRound | None = None,
) -> WorkStep:
    """Add a step to `city` (`step` None) or change `step` of it: its name, what it asks, its
    due date, the levels it applies to (StepLevel values), what its reports link to and the
    reporting round of Attachments 5–7. Reports already made stay; a changed due date may
    bring a new reminder. Raises PermissionDenied (not the city's administrator),
    ValidationError keyed by field (no name, no level, an unknown link, a round of another
    city or on a step not linking to one; "step" for a full list). Audit: workplan.step.added
    or .changed (with the fields changed)."""
    permissions.require_set_steps(actor, city)
    if step is not None and step.organization_id != city.pk:
        raise ValidationError({"step": [_("This step belongs to another city.")]})
    fields = _step_fields(
        city,
        name=name,
        name_en=name_en,
        description=description,
        due_date=due_date,
        levels=levels,
        link=link,
        round=round,
    )
    with transaction.atomic():
        _lock_city(city)
        if step is None:
            rows = WorkStep.objects.filter(organization=city)
            if rows.filter(is_active=True).count() >= MAX_STEPS:
                raise ValidationError(
                    {"step": [_("A city has at most %(n)s steps in use.") % {"n": MAX_STEPS}]}
                )
            position = (rows.aggregate(m=Max("position"))["m"] or 0) + 1
            step = WorkStep.objects.create(
                organization=city,
                code=_new_code(set(rows.values_list("code", flat=True))),
                position=position,
                created_by=_user(actor),
                **fields,
            )
            _log_step(actor, "workplan.step.added", step)
            return step
        step = WorkStep.objects.select_for_update().get(pk=step.pk)
        changed = {}
        for key, value in fields.items():
            before = getattr(step, key)
            if before != value:
                changed[key] = [_plain(before), _plain(value)]
                setattr(step, key, value)
        if changed:
            step.save(update_fields=list(fields))
            _log_step(actor, "workplan.step.changed", step, changed=changed)
    return step


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, ReportingRound):
        return value.pk
    return value


def _new_code(taken: set[str]) -> str:
    number = len(taken) + 1
    while f"step{number}" in taken:
        number += 1
    return f"step{number}"


def set_step_in_use(step: WorkStep, *, actor: Any, in_use: bool) -> WorkStep:
    """Retire `step` (its reports are kept; it leaves the board, the to-do lists and the
    reminders) or bring it back. Raises PermissionDenied. Audit: workplan.step.retired or
    .restored."""
    permissions.require_set_steps(actor, step.organization)
    with transaction.atomic():
        current = WorkStep.objects.select_for_update().get(pk=step.pk)
        if current.is_active != in_use:
            current.is_active = in_use
            current.save(update_fields=["is_active"])
            action = "workplan.step.restored" if in_use else "workplan.step.retired"
            _log_step(actor, action, current)
    return current


# --- reporting a step done ---------------------------------------------------------------


def check_in_scope(step: WorkStep, organization: Organization) -> None:
    """Raises ValidationError ("organization") unless `step` asks `organization` to report:
    a retired step, an inactive organisation, one of another city, or one at a level the step
    does not apply to (the error names the levels it does apply to)."""
    if not step.is_active:
        raise ValidationError({"step": [_("This step is no longer in use.")]})
    if not organization.is_active:
        raise ValidationError({"organization": [_("This organisation is inactive.")]})
    if not organization.path.startswith(step.organization.path):
        raise ValidationError(
            {"organization": [_("%(name)s is not in this step's city.") % {"name": organization}]}
        )
    level = selectors.level_of(organization)
    if level not in step.levels:
        applies = level_labels(step.levels)
        raise ValidationError(
            {
                "organization": [
                    _("This step is not asked of %(name)s: it applies to %(levels)s only.")
                    % {"name": organization.name, "levels": applies}
                ]
            }
        )


def _claimed_stations(
    step: WorkStep, organization: Organization, stations: Any
) -> list[Organization]:
    """The stations a report of a stations step claims: those named (each an active service
    station of `organization`'s subtree), else all of them. Raises ValidationError
    ("stations")."""
    if step.link != StepLink.STATIONS:
        if stations:
            raise ValidationError({"stations": [_("This step does not claim stations.")]})
        return []
    below = selectors.stations_below(organization)
    if not stations:
        found = list(below)
        if not found:
            raise ValidationError(
                {
                    "stations": [
                        _("%(name)s has no service station to claim built to standard.")
                        % {"name": organization.name}
                    ]
                }
            )
        return found
    ids = {getattr(station, "pk", station) for station in stations}
    found = list(below.filter(pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError(
            {
                "stations": [
                    _("Choose service stations in %(name)s's area.") % {"name": organization}
                ]
            }
        )
    return found


def report_step(
    step: WorkStep,
    organization: Organization,
    *,
    actor: Any,
    responsible_person: Any,
    contact_phone: Any,
    responsible_department: Any = "",
    note: Any = "",
    evidence: Any = None,
    stations: Any = None,
) -> StepReport:
    """Report `step` done for `organization`, naming the responsible person (and department)
    and a contact mobile (kept encrypted, shown masked), with a note, an optional document or
    photo (a JPEG or PNG photo or a PDF of at most EVIDENCE_MAX_BYTES, told by its bytes) and,
    for a step linking to stations, the stations claimed built to the six haves (default: all
    of its subtree's). After the due date the report is accepted and marked late. Raises
    PermissionDenied (not the organisation's administrator), ValidationError keyed by field:
    "organization" for one the step does not ask (`check_in_scope`), "step" when a report is
    already awaiting review or accepted, a missing person or bad phone, a bad file or note.
    Audit: workplan.report.made."""
    permissions.require_report(actor, organization)
    check_in_scope(step, organization)
    fields = _report_fields(responsible_person, contact_phone, responsible_department, note)
    claimed = _claimed_stations(step, organization, stations)
    row = StepReport(step=step, organization=organization, reported_by=_user(actor), **fields)
    content = keep_evidence(row, evidence, limit=EVIDENCE_MAX_BYTES) if evidence else None
    stored = ""
    try:
        with transaction.atomic():
            WorkStep.objects.select_for_update().get(pk=step.pk)
            live = selectors.live_report(step, organization)
            if live is not None:
                raise ValidationError({"step": [_already(live)]})
            row.reported_at = timezone.now()
            row.late = timezone.localdate(row.reported_at) > step.due_date
            if content is not None:
                # A random stored name: no person's name goes into a path.
                name = f"{secrets.token_hex(16)}.{row.evidence_name.rsplit('.', 1)[-1]}"
                row.evidence.save(name, content, save=False)
                stored = row.evidence.name or ""
            row.save()
            row.stations.set(claimed)
            log_action(
                actor,
                "workplan.report.made",
                row,
                organization=organization,
                data={
                    "step": step.code,
                    "late": row.late,
                    "evidence": content is not None,
                    "stations": len(claimed),
                },
            )
    except IntegrityError:  # another report was made at the same moment
        _forget(stored)
        raise ValidationError({"step": [_("This step has just been reported.")]}) from None
    except Exception:
        _forget(stored)
        raise
    return row


def _forget(stored: str) -> None:
    if stored:
        evidence_storage().delete(stored)


def _already(live: StepReport) -> str:
    if live.status == ReportStatus.ACCEPTED:
        return _("This step has already been reported and accepted.")
    return _("This step has already been reported and awaits review.")


def _report_fields(person: Any, phone: Any, department: Any, note: Any) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    fields: dict[str, str] = {}
    for key, value, limit in (
        ("responsible_person", person, 50),
        ("responsible_department", department, 100),
        ("note", note, 500),
    ):
        try:
            fields[key] = clean_note(value, limit=limit)
        except ValidationError as exc:
            errors[key] = exc.messages
    if "responsible_person" not in errors and not fields["responsible_person"]:
        errors["responsible_person"] = [_("Name the person responsible.")]
    try:
        fields["contact_phone"] = normalize_mobile(str(phone or ""))
    except ValidationError:
        errors["contact_phone"] = [_("Give the responsible person's mobile number.")]
    if errors:
        raise ValidationError(errors)
    return fields


# --- the superior's decision -------------------------------------------------------------


def _decidable(report: StepReport, actor: Any) -> StepReport:
    """`report` locked for the decision. Raises PermissionDenied, ValidationError ("status":
    decided already; "actor": the person who made the report)."""
    permissions.require_decide(actor, report.organization)
    current = StepReport.objects.select_for_update().get(pk=report.pk)
    if current.status != ReportStatus.REPORTED:
        raise ValidationError({"status": [_("This report has already been decided.")]})
    if _user(actor) is not None and current.reported_by_id == actor.pk:
        raise ValidationError(
            {"actor": [_("Another administrator decides on a report you made yourself.")]}
        )
    return current


def accept_report(report: StepReport, *, actor: Any) -> StepReport:
    """Accept `report`: the step counts as done for its organisation. Raises PermissionDenied
    (no administrator role above the organisation), ValidationError (decided already; the
    actor made the report). Audit: workplan.report.accepted."""
    with transaction.atomic():
        current = _decidable(report, actor)
        current.status = ReportStatus.ACCEPTED
        current.decided_by = _user(actor)
        current.decided_at = timezone.now()
        current.save(update_fields=["status", "decided_by", "decided_at"])
        log_action(
            actor,
            "workplan.report.accepted",
            current,
            organization=current.organization,
            data={"step": current.step.code},
        )
    return current


def return_report(report: StepReport, *, actor: Any, reason: Any) -> StepReport:
    """Return `report` with `reason` (required, at most 200 characters, no personal number):
    the organisation reports again. Raises PermissionDenied, ValidationError ("reason";
    decided already; the actor made the report). Audit: workplan.report.returned."""
    reason = clean_note(reason, limit=200, field="reason")
    if not reason:
        raise ValidationError({"reason": [_("Say why the report is returned.")]})
    with transaction.atomic():
        current = _decidable(report, actor)
        current.status = ReportStatus.RETURNED
        current.decided_by = _user(actor)
        current.decided_at = timezone.now()
        current.return_reason = reason
        current.save(update_fields=["status", "decided_by", "decided_at", "return_reason"])
        log_action(
            actor,
            "workplan.report.returned",
            current,
            organization=current.organization,
            data={"step": current.step.code, "reason": reason},
        )
    return current


def reveal_contact(report: StepReport, *, actor: Any, reason: Any) -> str:
    """The responsible person's mobile in full (it is shown masked), to call them and check the
    claim, for an administrator of the organisation or above, with a reason (required, at most
    200 characters). Every viewing is audited: who, whose, when, why (PIPL 第五十一条: access
    to personal information limited and recorded). Raises PermissionDenied, ValidationError
    ("reason"). Audit: workplan.report.contact_viewed."""
    permissions.require_reveal(actor, report.organization)
    reason = clean_note(reason, limit=200, field="reason")
    if not reason:
        raise ValidationError({"reason": [_("Say why you need the number.")]})
    log_action(
        actor,
        "workplan.report.contact_viewed",
        report,
        organization=report.organization,
        data={"step": report.step.code, "reason": reason},
    )
    return str(report.contact_phone)


# --- reminders ---------------------------------------------------------------------------


def reminder_link(step: WorkStep, organization: Organization) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("workplan:cell", args=[step.pk, organization.pk])


def _administrator_mobiles(organization: Organization) -> list[str]:
    roles = Role.objects.filter(
        organization=organization, kind__in=ADMINISTERING, user__is_active=True
    ).select_related("user")
    return sorted({role.user.mobile for role in roles if role.user.mobile})


def send_reminders(*, today: date | None = None, days: int | None = None) -> int:
    """Text the administrators of every organisation a step in use asks that has reported
    nothing awaiting review or accepted, from `days` (default WORKPLAN_REMIND_DAYS) days before
    the step's due date to the due date itself, once per step, organisation and due date: the
    `StepReminder` row is claimed first (unique), so a second run, or two at once, send
    nothing more; a due date moved later brings one more. Returns how many organisations were
    reminded (those without an administrator's mobile are recorded with 0 messages)."""
    today = today or selectors.local_today()
    days = settings.WORKPLAN_REMIND_DAYS if days is None else days
    reminded = 0
    steps = WorkStep.objects.filter(
        is_active=True, due_date__gte=today, due_date__lte=today + timedelta(days=days)
    ).select_related("organization")
    for step in steps.order_by("due_date", "pk"):
        live = StepReport.objects.filter(
            step=step, status__in=[ReportStatus.REPORTED, ReportStatus.ACCEPTED]
        ).values("organization_id")
        sent = StepReminder.objects.filter(step=step, due_date=step.due_date).values(
            "organization_id"
        )
        waiting = (
            selectors.reporting_organizations(step.organization, step.levels)
            .exclude(pk__in=live)
            .exclude(pk__in=sent)
        )
        for organization in waiting:
            reminded += _remind(step, organization, today)
    return reminded


def _remind(step: WorkStep, organization: Organization, today: date) -> int:
    try:
        with transaction.atomic():
            reminder = StepReminder.objects.create(
                step=step, organization=organization, due_date=step.due_date, day=today
            )
            mobiles = _administrator_mobiles(organization)
            params = {
                "step": step.name[:30],
                "due": step.due_date.isoformat(),
                "organization": short_name(organization)[:30],
                "link": reminder_link(step, organization),
            }
            for mobile in mobiles:  # recorded in this transaction, queued when it commits
                send_sms(mobile, REMINDER_TEMPLATE, params)
            reminder.messages = len(mobiles)
            reminder.save(update_fields=["messages"])
            log_action(
                None,
                "workplan.step.reminded",
                step,
                organization=organization,
                data={
                    "step": step.code,
                    "due_date": step.due_date.isoformat(),
                    "messages": len(mobiles),
                },
            )
    except IntegrityError:  # claimed by another run
        return 0
    return 1
