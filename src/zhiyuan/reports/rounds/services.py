"""Writes of reporting rounds: open a round, submit an organisation's tables, withdraw a
submission, remind those who have not submitted. Each checks its actor
(`reports.permissions`), runs in one transaction and is audited.

Side effects in order: a submission builds and renders its tables first (outside the lock: a
PDF takes a while), then, in one transaction, locks the organisation's row in the round,
checks that nothing is live, and writes the submission, its tables and files and the audit
entry. Files written by a transaction that then fails are deleted.

The tables are frozen in Simplified Chinese, the language of the documents the offices hand
in (plan §四), whatever the submitter's screen shows.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhiyuan.accounts.models import Role
from zhiyuan.common.audit import log_action
from zhiyuan.common.outbox import send_sms
from zhiyuan.common.text import clean_note
from zhiyuan.organizations.enums import OrgKind, OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING
from zhiyuan.reports import kinds, permissions, selectors
from zhiyuan.reports.enums import ReportFormat
from zhiyuan.reports.render import render_file
from zhiyuan.reports.rounds.models import (
    ReportingRound,
    RoundMember,
    RoundReminder,
    Submission,
    SubmissionStatus,
    SubmittedTable,
    SubmitterLevel,
)
from zhiyuan.reports.rounds.snapshots import table_data

#: Which organisations submit at each level: the districts' guidance committees (management
#: areas' included) and the streets' and townships' service centres.
SUBMITTING = {
    SubmitterLevel.DISTRICTS: [(OrgKind.GUIDANCE_COMMITTEE, OrgLevel.DISTRICT)],
    SubmitterLevel.STREETS: [(OrgKind.SERVICE_CENTRE, OrgLevel.STREET)],
    SubmitterLevel.BOTH: [
        (OrgKind.GUIDANCE_COMMITTEE, OrgLevel.DISTRICT),
        (OrgKind.SERVICE_CENTRE, OrgLevel.STREET),
    ],
}
MAX_REMIND_DAYS = 60
#: The language the tables are frozen in: that of the documents the offices hand in.
DOCUMENT_LANGUAGE = "zh-hans"
REMINDER_TEMPLATE = "report_round_reminder"


def submitting_organizations(root: Organization, level: str) -> list[Organization]:
    """The active organisations of `root`'s subtree (itself included) that submit at `level`,
    in tree order."""
    wanted = SUBMITTING[SubmitterLevel(level)]
    found = Organization.objects.filter(
        path__startswith=root.path,
        is_active=True,
        kind__in=[kind for kind, _level in wanted],
        level__in=[level for _kind, level in wanted],
    ).order_by("path")
    return [org for org in found if (org.kind, org.level) in wanted]


# --- opening a round -------------------------------------------------------------------------


def clean_tables(keys: Any) -> list[str]:
    """The kind keys asked for, known, once each, in the plan's order. Raises ValidationError
    ("tables") for none or an unknown one."""
    known = kinds.kind_keys()
    asked = [str(key) for key in (keys or [])]
    unknown = [key for key in asked if key not in known]
    if unknown:
        raise ValidationError(
            {"tables": [_("Unknown table: %(keys)s.") % {"keys": ", ".join(unknown)}]}
        )
    if not asked:
        raise ValidationError({"tables": [_("Choose at least one table.")]})
    return [key for key in known if key in asked]


def _check_dates(reference_date: date, due_date: date) -> None:
    today = selectors.local_today()
    errors: dict[str, list[str]] = {}
    if reference_date > today:
        errors["reference_date"] = [_("The reference date cannot be in the future.")]
    if due_date < today:
        errors["due_date"] = [_("The due date cannot be in the past.")]
    elif due_date < reference_date:
        errors["due_date"] = [_("The due date cannot be before the reference date.")]
    if errors:
        raise ValidationError(errors)


def open_round(
    root: Organization,
    *,
    actor: Any,
    title: str,
    tables: list[str],
    reference_date: date,
    due_date: date,
    submitter_level: str,
    remind_days_before: int = 3,
    note: str = "",
) -> ReportingRound:
    """Open a round asking the organisations of `root`'s subtree at `submitter_level` for
    `tables` on `reference_date`, due on `due_date`. Raises PermissionDenied (not a city's
    administrator over `root`) or ValidationError (keyed by field: no title, an unknown table,
    a future reference date, a past due date or one before the reference date, a reminder
    window beyond MAX_REMIND_DAYS, nobody to submit)."""
    permissions.require_open_round(actor, root)
    title = clean_note(title, limit=100, field="title")
    if not title:
        raise ValidationError({"title": [_("Give the round a title.")]})
    note = clean_note(note, limit=500, field="note")
    tables = clean_tables(tables)
    _check_dates(reference_date, due_date)
    if submitter_level not in SubmitterLevel.values:
        raise ValidationError({"submitter_level": [_("Choose who submits.")]})
    if isinstance(remind_days_before, bool) or not 0 <= remind_days_before <= MAX_REMIND_DAYS:
        raise ValidationError(
            {"remind_days_before": [_("Between 0 and %(n)s days.") % {"n": MAX_REMIND_DAYS}]}
        )
    submitters = submitting_organizations(root, submitter_level)
    if not submitters:
        raise ValidationError(
            {"submitter_level": [_("No organisation in this area submits at this level.")]}
        )
    with transaction.atomic():
        opened = ReportingRound.objects.create(
            organization=root,
            title=title,
            tables=tables,
            reference_date=reference_date,
            due_date=due_date,
            submitter_level=submitter_level,
            remind_days_before=remind_days_before,
            note=note,
            opened_by=actor if actor is not None else None,
        )
        RoundMember.objects.bulk_create(
            [RoundMember(round=opened, organization=org) for org in submitters]
        )
        log_action(
            actor,
            "reports.round.opened",
            opened,
            organization=root,
            data={
                "tables": tables,
                "reference_date": reference_date.isoformat(),
                "due_date": due_date.isoformat(),
                "submitter_level": submitter_level,
                "members": len(submitters),
            },
        )
    return opened


# --- submitting --------------------------------------------------------------------------


@dataclass(frozen=True)
class Frozen:
    """A table built and rendered for a submission."""

    kind: kinds.TableKind
    data: dict[str, Any]
    xlsx: bytes
    pdf: bytes


def freeze_tables(
    opened: ReportingRound, organization: Organization, preparer: str
) -> list[Frozen]:
    """Each table of `opened` for `organization`'s subtree on the round's reference date, built
    and rendered in Simplified Chinese. Raises ValidationError for a table this build does not
    have, common.pdf.FontUnavailable when no font can draw the PDF."""
    found = []
    with translation.override(DOCUMENT_LANGUAGE):
        for key in opened.tables:
            kind = kinds.get_kind(key)
            if kind is None:
                raise ValidationError(
                    _("This round asks for a table the platform no longer has: %(key)s.")
                    % {"key": key}
                )
            table = kind.build(organization, opened.reference_date, preparer=preparer)
            found.append(
                Frozen(
                    kind,
                    table_data(table),
                    render_file(table, ReportFormat.XLSX),
                    render_file(table, ReportFormat.PDF),
                )
            )
    return found


def is_late(opened: ReportingRound, moment: Any) -> bool:
    """Whether `moment` falls after the due date (its whole day, Asia/Shanghai)."""
    return timezone.localdate(moment) > opened.due_date


def member_of(opened: ReportingRound, organization: Organization) -> RoundMember:
    """Raises ValidationError when `organization` is not asked to submit in `opened`."""
    member = RoundMember.objects.filter(round=opened, organization=organization).first()
    if member is None:
        raise ValidationError(
            _("%(name)s is not asked to submit in this round.") % {"name": organization.name}
        )
    return member


def submit_tables(opened: ReportingRound, organization: Organization, *, actor: Any) -> Submission:
    """Freeze `organization`'s tables for `opened`: the figures, the xlsx and the PDF with
    their SHA-256, as submitted by `actor`. After the due date it is accepted and marked late.
    Raises PermissionDenied (not the organisation's administrator), ValidationError (not asked
    in this round; already submitted: withdraw first), common.pdf.FontUnavailable."""
    permissions.require_submit(actor, organization)
    member = member_of(opened, organization)
    frozen = freeze_tables(opened, organization, getattr(actor, "name", "") or "")
    stored: list[SubmittedTable] = []
    try:
        with transaction.atomic():
            RoundMember.objects.select_for_update().get(pk=member.pk)
            live = Submission.objects.filter(
                round=opened, organization=organization, status=SubmissionStatus.SUBMITTED
            )
            if live.exists():
                raise ValidationError(
                    _(
                        "%(name)s has already submitted in this round. Withdraw the submission "
                        "to submit again."
                    )
                    % {"name": organization.name}
                )
            done = Submission.objects.filter(round=opened, organization=organization)
            sequence = (done.aggregate(last=Max("sequence"))["last"] or 0) + 1
            now = timezone.now()
            submission = Submission.objects.create(
                round=opened,
                organization=organization,
                sequence=sequence,
                late=is_late(opened, now),
                submitted_by=actor,
                submitted_at=now,
            )
            for table in frozen:
                stored.append(_store(submission, table))
            log_action(
                actor,
                "reports.submission.submitted",
                submission,
                organization=organization,
                data={
                    "round": opened.pk,
                    "tables": [table.kind.key for table in frozen],
                    "sequence": sequence,
                    "late": submission.late,
                },
            )
    except Exception:
        for row in stored:
            for field in (row.xlsx, row.pdf):
                if field.name:
                    field.storage.delete(field.name)
        raise
    return submission


def _store(submission: Submission, table: Frozen) -> SubmittedTable:
    row = SubmittedTable(
        submission=submission,
        kind=table.kind.key,
        number=table.kind.number,
        title=table.data["title"][:100],
        data=table.data,
        xlsx_sha256=hashlib.sha256(table.xlsx).hexdigest(),
        pdf_sha256=hashlib.sha256(table.pdf).hexdigest(),
    )
    stem = uuid.uuid4().hex
    row.xlsx.save(f"{stem}.xlsx", ContentFile(table.xlsx), save=False)
    row.pdf.save(f"{stem}.pdf", ContentFile(table.pdf), save=False)
    row.save()
    return row


def withdraw_submission(submission: Submission, *, actor: Any, reason: str = "") -> Submission:
    """Withdraw a live submission (kept, marked withdrawn, with who, when and why) so that the
    organisation may submit again, on or before the due date. Raises PermissionDenied (not the
    organisation's administrator), ValidationError (already withdrawn; the due date passed: a
    submission then stays on record; a reason with a personal number or too long)."""
    permissions.require_submit(actor, submission.organization)
    reason = clean_note(reason, limit=200, field="reason")
    opened = submission.round
    with transaction.atomic():
        RoundMember.objects.select_for_update().filter(
            round=opened, organization=submission.organization
        ).first()
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        if current.status != SubmissionStatus.SUBMITTED:
            raise ValidationError(_("This submission has already been withdrawn."))
        if selectors.local_today() > opened.due_date:
            raise ValidationError(
                _(
                    "The due date has passed: the submission stays on record. Ask the office "
                    "that opened the round if a figure must be corrected."
                )
            )
        current.status = SubmissionStatus.WITHDRAWN
        current.withdrawn_by = actor
        current.withdrawn_at = timezone.now()
        current.withdrawal_reason = reason
        current.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawal_reason"])
        log_action(
            actor,
            "reports.submission.withdrawn",
            current,
            organization=current.organization,
            data={"round": opened.pk, "sequence": current.sequence, "reason": reason},
        )
    return current


# --- reminders ---------------------------------------------------------------------------


def reminder_link(opened: ReportingRound) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("reports:round", args=[opened.pk])


def _administrator_mobiles(organization: Organization) -> list[str]:
    roles = Role.objects.filter(
        organization=organization, kind__in=ADMINISTERING, user__is_active=True
    ).select_related("user")
    return sorted({role.user.mobile for role in roles if role.user.mobile})


def send_reminders(*, today: date | None = None) -> int:
    """Text the administrators of every organisation that has not submitted in a round due
    within its reminder window (from `remind_days_before` days before the due date to the due
    date itself), once a day: the day's `RoundReminder` row is claimed first (unique), so a
    second run, or two at once, send nothing more. Returns how many organisations were
    reminded. Organisations without an administrator's mobile are recorded with 0 messages."""
    today = today or selectors.local_today()
    reminded = 0
    for opened in ReportingRound.objects.filter(due_date__gte=today).order_by("pk"):
        if (opened.due_date - today).days > opened.remind_days_before:
            continue
        live = Submission.objects.filter(round=opened, status=SubmissionStatus.SUBMITTED)
        waiting = (
            RoundMember.objects.filter(round=opened)
            .exclude(organization_id__in=live.values("organization_id"))
            .select_related("organization")
            .order_by("organization__path")
        )
        for member in waiting:
            reminded += _remind(opened, member.organization, today)
    return reminded


def _remind(opened: ReportingRound, organization: Organization, today: date) -> int:
    try:
        with transaction.atomic():
            reminder = RoundReminder.objects.create(
                round=opened, organization=organization, day=today
            )
            mobiles = _administrator_mobiles(organization)
            params = {
                "round": opened.title[:30],
                "due": opened.due_date.isoformat(),
                "organization": selectors.short_name(organization)[:30],
                "link": reminder_link(opened),
            }
            for mobile in mobiles:  # recorded in this transaction, queued when it commits
                send_sms(mobile, REMINDER_TEMPLATE, params)
            reminder.messages = len(mobiles)
            reminder.save(update_fields=["messages"])
            log_action(
                None,
                "reports.round.reminded",
                opened,
                organization=organization,
                data={"day": today.isoformat(), "messages": len(mobiles)},
            )
    except IntegrityError:  # the day's reminder was claimed by another run
        return 0
    return 1
