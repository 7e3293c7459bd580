"""Writes of spot checks and their cases (plan §三(二)3: 电话抽查、走访; MISSION §4; 民政部令第67号
on checking records; 志愿服务条例 第三条, 第二十五条: volunteering is voluntary, so a registration
the person never made is cancelled).

- `open_campaign` draws the sample with a recorded seed (`sampling`) and writes its items;
  `draw_sample` redraws it from the population as it stands, for anyone to reproduce it.
- `assign_items`, `reveal_phone`, `record_attempt`, `record_outcome`: the checker's work. An
  outcome that needs a note is refused without one; "unreachable" needs
  CHECKS_UNREACHABLE_ATTEMPTS attempts that did not reach the person.
- A denial or a wrong detail opens a `Case` for the registration body (a registration) or the
  organiser (hours); so does the volunteer's own report (`report_not_me`,
  `report_hours_not_served`; through an SMS's link once: `report_through_link`). `decide_case`
  ends it with a decision and who took it: the registration cancelled through
  `volunteers.services.cancel_registration` (status history kept, the number never reused), the
  hours voided through the ledger's correction path
  (`hours.services.request_correction`, confirmed by a second person) or rejected while pending,
  the details corrected (`volunteers.services.update_person`), or the finding disputed with
  evidence. Falsified hours confirmed by a case bar the volunteer from awards
  (`recognition.services.bar_from_awards`).
- `require_in_person` / `lift_in_person`: a body's new registrations confirmed in person only
  (`volunteers.hooks.in_person_rules`).
Each write is one transaction and audited; no ID number or phone goes into an entry.
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.checks import permissions, sampling, selectors
from zhiyuan.checks.enums import (
    CASE_OUTCOMES,
    DECISIONS_FOR,
    NOTE_REQUIRED,
    AttemptMethod,
    CampaignStatus,
    CaseKind,
    CaseSource,
    CaseStatus,
    CheckedDetail,
    Decision,
    ItemKind,
    Outcome,
    Subject,
)
from zhiyuan.checks.models import (
    Attempt,
    Campaign,
    Case,
    CheckItem,
    InPersonRequirement,
    ReportLinkUse,
)
from zhiyuan.common import locks
from zhiyuan.common.audit import Change, log_action, log_actions
from zhiyuan.common.outbox import send_sms
from zhiyuan.common.text import clean_note
from zhiyuan.common.uploads import check_file, read_upload
from zhiyuan.hours import selectors as hours_selectors
from zhiyuan.hours import services as hours_services
from zhiyuan.hours.enums import HourStatus
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.access import in_subtree
from zhiyuan.organizations.models import Organization
from zhiyuan.recognition.services import bar_from_awards
from zhiyuan.volunteers import selectors as volunteer_selectors
from zhiyuan.volunteers import services as volunteer_services
from zhiyuan.volunteers.enums import HOLDING_STATUSES, CancellationKind
from zhiyuan.volunteers.models import RegistrationBody, Volunteer

#: The seeds drawn when none is given: 31 bits, short enough to read out and type again.
SEED_BITS = 31
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- the sample -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    """One sampled object: its kind, its stratum's key and its id (a registration's or an hour
    record's)."""

    kind: str
    stratum: str
    object_id: int


@dataclass(frozen=True)
class Sample:
    """A drawn sample: per kind, the strata drawn from (population and allocation), the
    population's digest, and the objects drawn in order."""

    strata: list[dict[str, Any]]
    population_size: int
    population_digest: str
    drawn: list[Drawn]


def _kinds(subject: str) -> list[str]:
    if subject == Subject.BOTH:
        return [ItemKind.REGISTRATION, ItemKind.HOURS]
    return [ItemKind.REGISTRATION if subject == Subject.REGISTRATIONS else ItemKind.HOURS]


def _instants(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    first = datetime.combine(start, time.min).replace(tzinfo=zone)
    after = datetime.combine(end + timedelta(days=1), time.min).replace(tzinfo=zone)
    return first, after


def population(
    organization: Organization, kind: str, start: date, end: date
) -> list[sampling.Stratum]:
    """The population of a spot check of `kind` over `organization`'s subtree, in strata:

    - registrations: the registered volunteers (`volunteers.selectors.registered_volunteers`,
      the one definition) registered through or by a body in the subtree, with a registration
      date from `start` to `end`; stratum = registration body code | channel (registrar,
      import, self);
    - hour records: the records that count (`hours.selectors.counted`) of activities organised
      in the subtree, starting from `start` to `end` (Asia/Shanghai days); stratum = organiser
      code | source (check-in, leader, back-fill).
    One query; ids ascending in each stratum."""
    ids: dict[str, list[int]] = defaultdict(list)
    if kind == ItemKind.REGISTRATION:
        rows = (
            in_subtree(volunteer_selectors.registered_volunteers(), organization)
            .filter(registered_on__gte=start, registered_on__lte=end)
            .values_list("pk", "body__code", "channel")
        )
    else:
        first, after = _instants(start, end)
        rows = (
            in_subtree(hours_selectors.counted(), organization)
            .filter(start__gte=first, start__lt=after)
            .values_list("pk", "organizer__code", "source")
        )
    for pk, code, channel in rows:
        ids[f"{code}|{channel}"].append(pk)
    return [sampling.Stratum(key, tuple(sorted(pks))) for key, pks in sorted(ids.items())]


def _draw(
    organization: Organization,
    *,
    subject: str,
    start: date,
    end: date,
    size: int | None,
    rate: Decimal | None,
    seed: int,
) -> Sample:
    strata: list[dict[str, Any]] = []
    drawn: list[Drawn] = []
    everyone: list[sampling.Stratum] = []
    total = 0
    for kind in _kinds(subject):
        found = population(organization, kind, start, end)
        people = sum(len(stratum.ids) for stratum in found)
        n = sampling.sample_size(people, size=size, rate=rate)
        for stratum, chosen in sampling.draw(found, n, seed):
            strata.append(
                {
                    "kind": kind,
                    "key": stratum.key,
                    "population": len(stratum.ids),
                    "allocated": stratum.allocated,
                }
            )
            drawn.extend(Drawn(kind, stratum.key, pk) for pk in chosen)
        everyone.extend(sampling.Stratum(f"{kind}:{s.key}", s.ids) for s in found)
        total += people
    return Sample(strata, total, sampling.population_digest(everyone), drawn)


def draw_sample(campaign: Campaign) -> Sample:
    """Draw `campaign`'s sample again from its population as it stands now, with its seed,
    size or rate: over the same population (same `population_digest`) it is the campaign's
    sample, object for object, in the same order. Writes nothing.
    Raises ValidationError ("sample_too_large") if the population shrank below the sample."""
    return _draw(
        campaign.organization,
        subject=campaign.subject,
        start=campaign.period_start,
        end=campaign.period_end,
        size=campaign.sample_size,
        rate=campaign.sample_rate,
        seed=campaign.seed,
    )


def _check_terms(
    *, title: str, subject: str, start: Any, end: Any, size: Any, rate: Any
) -> tuple[str, int | None, Decimal | None]:
    errors: dict[str, str] = {}
    title = clean_note(title, field="title", limit=100)
    if not title:
        errors["title"] = _("Give the spot check a title.")
    if subject not in Subject.values:
        errors["subject"] = _("Choose what is checked.")
    if not isinstance(start, date) or not isinstance(end, date):
        errors["period_end"] = _("Give the period's first and last day.")
    elif end < start:
        errors["period_end"] = _("The period ends before it starts.")
    elif end > timezone.localdate():
        errors["period_end"] = _("The period cannot end in the future.")
    if (size is None) == (rate is None):
        errors["sample_size"] = _("Give a sample size or a rate, not both.")
    elif size is not None and (not isinstance(size, int) or size < 1):
        errors["sample_size"] = _("The sample size is a whole number from 1.")
    elif rate is not None and not (Decimal(0) < Decimal(rate) <= Decimal(100)):
        errors["sample_rate"] = _("The rate is a percentage above 0 and at most 100.")
    if errors:
        raise ValidationError(errors)
    return title, size, None if rate is None else Decimal(rate)


def open_campaign(
    organization: Organization,
    *,
    actor: Any,
    title: str,
    subject: str,
    period_start: date,
    period_end: date,
    sample_size: int | None = None,
    sample_rate: Decimal | None = None,
    seed: int | None = None,
) -> Campaign:
    """Open a spot check over `organization`'s subtree for registrations and/or hour records of
    the period (`population`), drawing `sample_size` (per kind checked) or `sample_rate` percent
    of each kind's population (rounded up), stratified and allocated in proportion
    (`sampling`), with `seed` (a random 31-bit one when None; recorded either way).
    Raises PermissionDenied (not an administrator of the city or a district over the area),
    ValidationError (keys title, subject, period_end, sample_size, sample_rate; code
    "sample_too_large" naming the population's size). Audit: checks.campaign.opened."""
    permissions.require_open(actor, organization)
    title, size, rate = _check_terms(
        title=title,
        subject=subject,
        start=period_start,
        end=period_end,
        size=sample_size,
        rate=sample_rate,
    )
    if seed is None:
        seed = secrets.randbits(SEED_BITS)
    elif not isinstance(seed, int) or seed < 0 or seed >= 2**63:
        raise ValidationError({"seed": _("The seed is a whole number from 0.")})
    with transaction.atomic():
        sample = _draw(
            organization,
            subject=subject,
            start=period_start,
            end=period_end,
            size=size,
            rate=rate,
            seed=seed,
        )
        campaign = Campaign.objects.create(
            organization=organization,
            title=title,
            subject=subject,
            period_start=period_start,
            period_end=period_end,
            sample_size=size,
            sample_rate=rate,
            seed=seed,
            strata=sample.strata,
            population_size=sample.population_size,
            population_digest=sample.population_digest,
            opened_by=_user(actor),
        )
        CheckItem.objects.bulk_create(_items(campaign, sample.drawn))
        log_action(
            actor,
            "checks.campaign.opened",
            campaign,
            organization=organization,
            data={
                "subject": subject,
                "seed": seed,
                "population": sample.population_size,
                "sampled": len(sample.drawn),
            },
        )
    return campaign


def _items(campaign: Campaign, drawn: list[Drawn]) -> list[CheckItem]:
    volunteer_ids = [d.object_id for d in drawn if d.kind == ItemKind.REGISTRATION]
    record_ids = [d.object_id for d in drawn if d.kind == ItemKind.HOURS]
    records = HourRecord.objects.in_bulk(record_ids)
    volunteers = Volunteer.objects.in_bulk(
        volunteer_ids + [record.volunteer_id for record in records.values()]
    )
    items = []
    for position, one in enumerate(drawn, start=1):
        record = records.get(one.object_id) if one.kind == ItemKind.HOURS else None
        volunteer = volunteers[record.volunteer_id if record else one.object_id]
        items.append(
            CheckItem(
                campaign=campaign,
                kind=one.kind,
                position=position,
                stratum=one.stratum,
                volunteer=volunteer,
                hour_record=record,
                body_id=volunteer.body_id,
                organizer_id=record.organizer_id if record else None,
                channel=volunteer.channel,
            )
        )
    return items


def close_campaign(campaign: Campaign, *, actor: Any) -> Campaign:
    """Close a campaign: no more outcomes are recorded. Raises PermissionDenied,
    ValidationError ("closed"). Audit: checks.campaign.closed."""
    permissions.require_manages(actor, campaign)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != CampaignStatus.OPEN:
            raise ValidationError(_("This spot check is closed."), code="closed")
        locked.status = CampaignStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        log_action(actor, "checks.campaign.closed", locked, organization=locked.organization)
    return locked


# --- the checker's work -----------------------------------------------------------------------


def assign_items(
    campaign: Campaign, *, checker: Any, actor: Any, items: list[CheckItem] | None = None
) -> int:
    """Assign `items` to `checker`, who must hold the checker role over each item's registration
    (default: every item without a checker or an outcome that the checker covers); items
    already checked keep theirs. Returns how many were assigned. Raises PermissionDenied, ValidationError (key
    "checker": not a checker over an item, named by its position). Audit: checks.item.assigned."""
    permissions.require_manages(actor, campaign)
    if campaign.status != CampaignStatus.OPEN:
        raise ValidationError(_("This spot check is closed."), code="closed")
    with transaction.atomic():
        queryset = CheckItem.objects.select_for_update(of=("self",)).filter(
            campaign=campaign, outcome=""
        )
        if items is None:
            queryset = queryset.filter(assigned_to__isnull=True)
        else:
            queryset = queryset.filter(pk__in=[item.pk for item in items])
        chosen = list(
            queryset.select_related("volunteer__organization", "volunteer__body__organization")
        )
        if items is None:  # the unassigned items this checker covers
            chosen = [item for item in chosen if permissions.may_check(checker, item)]
        refused = [item.position for item in chosen if not permissions.may_check(checker, item)]
        if refused:
            raise ValidationError(
                {
                    "checker": _(
                        "%(name)s is not a checker over the items at positions %(positions)s."
                    )
                    % {
                        "name": getattr(checker, "name", "") or str(checker),
                        "positions": ", ".join(str(p) for p in refused[:20]),
                    }
                }
            )
        CheckItem.objects.filter(pk__in=[item.pk for item in chosen]).update(assigned_to=checker)
        log_actions(
            actor,
            [
                Change("checks.item.assigned", item, campaign.organization, {"checker": checker.pk})
                for item in chosen
            ],
        )
    return len(chosen)


def _open_item(item: CheckItem) -> CheckItem:
    locked = (
        CheckItem.objects.select_for_update(of=("self",))
        .select_related("campaign", "volunteer__organization", "volunteer__body__organization")
        .get(pk=item.pk)
    )
    if locked.campaign.status != CampaignStatus.OPEN:
        raise ValidationError(_("This spot check is closed."), code="closed")
    if locked.outcome:
        raise ValidationError(_("This item's outcome is already recorded."), code="done")
    return locked


def reveal_phone(item: CheckItem, *, actor: Any) -> str:
    """The full mobile number of the item's volunteer, for the checker's call, through the
    volunteers' audited reveal (`reveal_personal_data`: a `volunteer.personal_data.viewed`
    entry naming the spot check as the reason). Raises PermissionDenied (not the item's checker),
    ValidationError (the item is done or its campaign closed)."""
    permissions.require_checks(actor, item)
    if actor is None:
        raise PermissionDenied(_("Only checkers record the outcome of a spot check."))
    with transaction.atomic():
        locked = _open_item(item)
        reason = f"spot check {locked.campaign_id}/{locked.position}"
        return volunteer_services.reveal_personal_data(
            locked.volunteer, "mobile", actor=actor, reason=reason
        )


def record_attempt(
    item: CheckItem, *, actor: Any, method: str, reached: bool, note: str = ""
) -> Attempt:
    """Record a call or visit of `item` and whether it reached the person. Raises
    PermissionDenied, ValidationError (method, note; the item done or closed).
    Audit: checks.attempt.recorded."""
    permissions.require_checks(actor, item)
    if method not in AttemptMethod.values:
        raise ValidationError({"method": _("Choose a call or a visit.")})
    note = clean_note(note, field="note")
    with transaction.atomic():
        locked = _open_item(item)
        attempt = Attempt.objects.create(
            item=locked, method=method, reached=bool(reached), note=note, made_by=_user(actor)
        )
        log_action(
            actor,
            "checks.attempt.recorded",
            locked,
            organization=locked.campaign.organization,
            data={"attempt": method, "reached": bool(reached)},
        )
    return attempt


def _check_outcome(item: CheckItem, outcome: str, note: str, wrong_fields: list[str]) -> None:
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    if outcome == Outcome.DENIES_HOURS and item.kind != ItemKind.HOURS:
        raise ValidationError({"outcome": _("Only an hour record's hours can be denied.")})
    if outcome in NOTE_REQUIRED and not note:
        raise ValidationError(
            {
                "note": ValidationError(
                    _("Write down what the person said: this outcome needs a note."),
                    code="note_required",
                )
            }
        )
    if outcome == Outcome.DETAILS_WRONG and not wrong_fields:
        raise ValidationError({"wrong_fields": _("Say which details are wrong.")})
    unknown = [field for field in wrong_fields if field not in CheckedDetail.values]
    if unknown:
        raise ValidationError({"wrong_fields": _("Choose details from the list.")})
    if outcome == Outcome.UNREACHABLE:
        needed = settings.CHECKS_UNREACHABLE_ATTEMPTS
        missed = item.attempts.filter(reached=False).count()
        if missed < needed:
            raise ValidationError(
                {
                    "outcome": ValidationError(
                        _(
                            "A person is unreachable after %(needed)s attempts that did not "
                            "reach them; %(missed)s are recorded."
                        ),
                        code="too_few_attempts",
                        params={"needed": needed, "missed": missed},
                    )
                }
            )


def record_outcome(
    item: CheckItem,
    *,
    actor: Any,
    outcome: str,
    note: str = "",
    wrong_fields: list[str] | tuple[str, ...] = (),
) -> CheckItem:
    """Record what the call or visit found (`Outcome`). Denials and wrong details need a note
    (what the person said; for wrong details, which: `wrong_fields` of `CheckedDetail`), and
    open a case for the registration body (a registration) or the organiser (an hour record's
    hours). "Unreachable" needs CHECKS_UNREACHABLE_ATTEMPTS recorded attempts that did not
    reach the person. Once recorded an outcome stands.
    Raises PermissionDenied (not the item's checker), ValidationError (keys outcome, note
    "note_required", wrong_fields; the item done or closed).
    Audit: checks.outcome.recorded (+ checks.case.opened)."""
    permissions.require_checks(actor, item)
    note = clean_note(note, field="note", limit=500)
    fields = list(dict.fromkeys(wrong_fields))
    with transaction.atomic():
        locked = _open_item(item)
        _check_outcome(locked, outcome, note, fields)
        locked.outcome = outcome
        locked.note = note
        locked.wrong_fields = fields if outcome == Outcome.DETAILS_WRONG else []
        locked.outcome_by = _user(actor)
        locked.outcome_at = timezone.now()
        if locked.assigned_to_id is None:
            locked.assigned_to = _user(actor)
        locked.save()
        log_action(
            actor,
            "checks.outcome.recorded",
            locked,
            organization=locked.campaign.organization,
            data={"outcome": outcome, **({"wrong_fields": fields} if fields else {})},
        )
        if outcome in CASE_OUTCOMES:
            _open_case(
                kind=_case_kind(outcome),
                source=CaseSource.CHECK,
                volunteer=locked.volunteer,
                record=locked.hour_record if outcome == Outcome.DENIES_HOURS else None,
                item=locked,
                finding=note,
                wrong_fields=locked.wrong_fields,
                actor=actor,
            )
    return locked


def _case_kind(outcome: str) -> str:
    return {
        Outcome.DENIES_REGISTRATION: CaseKind.NOT_REGISTERED,
        Outcome.DENIES_HOURS: CaseKind.HOURS_DENIED,
        Outcome.DETAILS_WRONG: CaseKind.DETAILS_WRONG,
    }[Outcome(outcome)]


# --- cases ------------------------------------------------------------------------------------


def _open_case(
    *,
    kind: str,
    source: str,
    volunteer: Volunteer,
    record: HourRecord | None,
    item: CheckItem | None,
    finding: str,
    wrong_fields: list[str],
    actor: Any,
) -> Case:
    responsible = record.organizer if record is not None else volunteer.body.organization
    case = Case.objects.create(
        kind=kind,
        source=source,
        item=item,
        volunteer=volunteer,
        hour_record=record,
        body_id=volunteer.body_id,
        organization=responsible,
        finding=finding,
        wrong_fields=wrong_fields,
    )
    log_action(
        actor,
        "checks.case.opened",
        case,
        organization=responsible,
        data={"case_kind": kind, "case_source": source},
    )
    return case


def _report(volunteer: Volunteer, *, kind: str, record: HourRecord | None, message: str) -> Case:
    message = clean_note(message, field="message", limit=500)
    with transaction.atomic():
        # One open report per subject: the unique constraint cannot see a NULL record (NULLs
        # are distinct), so reports of one person queue on a lock of their own.
        locks.hold(f"checks.report:{volunteer.pk}")
        existing = Case.objects.filter(
            volunteer=volunteer,
            kind=kind,
            hour_record=record,
            source=CaseSource.VOLUNTEER,
            status=CaseStatus.OPEN,
        ).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return _open_case(
                    kind=kind,
                    source=CaseSource.VOLUNTEER,
                    volunteer=volunteer,
                    record=record,
                    item=None,
                    finding=message,
                    wrong_fields=[],
                    actor=None,
                )
        except IntegrityError:  # the same report sent twice at once: the first stands
            return Case.objects.get(
                volunteer=volunteer,
                kind=kind,
                hour_record=record,
                source=CaseSource.VOLUNTEER,
                status=CaseStatus.OPEN,
            )


def report_not_me(volunteer: Volunteer, *, message: str = "") -> Case:
    """The person says a registration in their name is not theirs ("this is not me", from the
    portal or the link in the "registered" SMS): a case for the registration body, counted in
    its rates like a denial. A second report while one is open returns the open one.
    The caller has established that the reporter holds the registration's mobile (the portal's
    session, or the signed link texted to it). Raises ValidationError (key "message").
    Audit: checks.case.opened (no actor: the volunteer)."""
    if volunteer.status not in HOLDING_STATUSES:
        raise ValidationError(
            _("This registration is not active: there is nothing to report."), code="not_held"
        )
    return _report(volunteer, kind=CaseKind.NOT_REGISTERED, record=None, message=message)


def report_hours_not_served(record: HourRecord, *, message: str = "") -> Case:
    """The person says they did not serve `record` ("I did not serve this"): a case for the
    organiser, counted in its rates like a denial. Only a record that counts is reported.
    Raises ValidationError ("not_counted", key "message"). Audit: checks.case.opened."""
    if not hours_selectors.counted(HourRecord.objects.filter(pk=record.pk)).exists():
        raise ValidationError(
            _("Only a confirmed record that counts can be reported."), code="not_counted"
        )
    return _report(record.volunteer, kind=CaseKind.HOURS_DENIED, record=record, message=message)


def report_through_link(
    volunteer: Volunteer, record: HourRecord | None, *, token: str, message: str = ""
) -> Case:
    """The report made through the link of an SMS (`volunteers.report_links`, read by the
    caller into `volunteer` and `record`): `report_not_me`, or `report_hours_not_served` for a
    record, and the link recorded as used (`ReportLinkUse`) in the same transaction. A link
    serves once: used again, even at the same moment, it is refused ("link_used") with an answer
    that names no one; a report refused for another reason leaves it unused. Raises
    ValidationError ("link_used", and those of the report). Audit: checks.case.opened."""
    digest = selectors.link_digest(token)
    selectors.require_unused_link(token)
    try:
        with transaction.atomic():
            if record is None:
                case = report_not_me(volunteer, message=message)
            else:
                case = report_hours_not_served(record, message=message)
            ReportLinkUse.objects.create(token_digest=digest, case=case)
    except IntegrityError:  # the same link used twice at once: the first stands
        raise selectors.link_used() from None
    return case


def _check_decision(case: Case, decision: str, note: str) -> None:
    if not decision:
        raise ValidationError(
            {
                "decision": ValidationError(
                    _("Choose a decision: a case is closed with one."), code="decision_required"
                )
            }
        )
    if decision not in DECISIONS_FOR[CaseKind(case.kind)]:
        raise ValidationError({"decision": _("This decision does not fit this kind of case.")})
    if not note:
        raise ValidationError({"note": _("Say what was decided and why; it is kept.")})


def _store_evidence(case: Case, upload: Any) -> None:
    refused = _("Attach the evidence as a photo (JPEG or PNG) or a PDF of at most 10 MB.")
    checked = check_file(
        read_upload(upload, EVIDENCE_MAX_BYTES),
        limit=EVIDENCE_MAX_BYTES,
        allow_pdf=True,
        field="evidence",
        refused=refused,
    )
    name = f"{secrets.token_hex(16)}.{checked.extension}"
    case.evidence.save(name, ContentFile(checked.data), save=False)


def decide_case(
    case: Case,
    *,
    actor: Any,
    decision: str,
    note: str,
    evidence: Any = None,
    corrections: dict[str, Any] | None = None,
) -> Case:
    """End `case` with `decision` (`Decision`, one that fits its kind, `DECISIONS_FOR`) and a
    note, by an administrator of the responsible organisation or above it:

    - registration cancelled: `volunteers.services.cancel_registration` (kind "at the
      volunteer's request": the person said it was not theirs; status history kept, the number
      never reused);
    - hours rejected: a counted record is voided through the ledger's correction path
      (`hours.services.request_correction` with start equal to end, confirmed by a second
      person, `case.correction`); a pending one is rejected. The volunteer is barred from
      awards (`recognition.services.bar_from_awards`, CHECKS_AWARD_BAR_DAYS);
    - details corrected: `corrections` (field → value, `volunteers.rules.PERSON_FIELDS`), if
      given, through `volunteers.services.update_person`;
    - disputed: the finding is contested with `evidence` (a photo or PDF, required).
    A case is never closed without a decision. The volunteer who reported it is texted the
    outcome. Raises PermissionDenied, ValidationError (decision "decision_required", note,
    evidence, "closed", and the refusals of the services called). Audit: checks.case.decided."""
    permissions.require_decides(actor, case)
    note = clean_note(note, field="note", limit=500)
    _check_decision(case, decision, note)
    if decision == Decision.DISPUTED and evidence is None:
        raise ValidationError({"evidence": _("A finding is disputed with evidence: attach it.")})
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if locked.status != CaseStatus.OPEN:
            raise ValidationError(_("This case is already decided."), code="closed")
        reason = _("Case %(case)s: %(note)s") % {"case": locked.pk, "note": note}
        if decision == Decision.REGISTRATION_CANCELLED:
            volunteer_services.cancel_registration(
                locked.volunteer,
                actor=actor,
                kind=CancellationKind.VOLUNTEER_REQUEST,
                reason=reason[:200],
            )
        elif decision == Decision.HOURS_REJECTED:
            locked.correction = _void_hours(locked, actor=actor, reason=reason[:200])
            _bar(locked, actor=actor, note=note)
        elif decision == Decision.DETAILS_CORRECTED and corrections:
            volunteer_services.update_person(locked.volunteer, corrections, actor=actor)
        if evidence is not None:
            _store_evidence(locked, evidence)
        locked.status = CaseStatus.CLOSED
        locked.decision = decision
        locked.decision_note = note
        locked.decided_by = _user(actor)
        locked.decided_at = timezone.now()
        locked.save()
        log_action(
            actor,
            "checks.case.decided",
            locked,
            organization=locked.organization,
            data={"decision": decision},
        )
        if locked.source == CaseSource.VOLUNTEER:
            transaction.on_commit(
                partial(
                    send_sms,
                    locked.volunteer.mobile,
                    "check_case_decided",
                    {"case": str(locked.pk), "decision": decision},
                )
            )
    return locked


def _void_hours(case: Case, *, actor: Any, reason: str) -> HourRecord | None:
    record = case.hour_record
    if record is None:
        raise ValidationError(_("This case names no hour record."), code="no_record")
    if record.status == HourStatus.PENDING:
        hours_services.reject_record(record, actor=actor, reason=reason)
        return None
    return hours_services.request_correction(
        record, actor=actor, reason=reason, start=record.start, end=record.start
    )


def _bar(case: Case, *, actor: Any, note: str) -> None:
    """Falsified hours confirmed by a case bar the volunteer from awards
    (`recognition.services.bar_from_awards`, for CHECKS_AWARD_BAR_DAYS), by the decider where
    their role covers the volunteer; else (an organiser's administrator deciding on a volunteer
    of another area) in the platform's name, the case as its source and the decider on it."""
    options: dict[str, Any] = {
        "until": timezone.localdate() + timedelta(days=settings.CHECKS_AWARD_BAR_DAYS),
        "reason": note,
        "source": f"checks.case:{case.pk}",
    }
    try:
        bar_from_awards(case.volunteer, by=_user(actor), **options)
    except PermissionDenied:
        bar_from_awards(case.volunteer, by=None, **options)


# --- in-person confirmation -------------------------------------------------------------------


def require_in_person(body: RegistrationBody, *, actor: Any, reason: str) -> InPersonRequirement:
    """From now on `body`'s new applications are confirmed in person only (a registrar records
    that the person came with their ID document): the answer to a denial rate above
    CHECKS_DENIAL_FLAG_PERCENT. Raises PermissionDenied (not an administrator of the city or
    a district over the body), ValidationError (reason; "already" when one is in force).
    Audit: checks.in_person.required."""
    if actor is not None and not permissions.may_require_in_person(actor, body.organization):
        raise PermissionDenied(
            _("Only the administrators of the city or a district over the body decide this.")
        )
    reason = clean_note(reason, field="reason")
    if not reason:
        raise ValidationError({"reason": _("Give a reason; it is kept.")})
    with transaction.atomic():
        try:
            with transaction.atomic():
                requirement = InPersonRequirement.objects.create(
                    body=body, reason=reason, required_by=_user(actor)
                )
        except IntegrityError:
            raise ValidationError(
                _("This body already confirms in person only."), code="already"
            ) from None
        log_action(actor, "checks.in_person.required", requirement, organization=body.organization)
    return requirement


def lift_in_person(requirement: InPersonRequirement, *, actor: Any) -> InPersonRequirement:
    """End an in-person requirement. Raises PermissionDenied, ValidationError ("lifted").
    Audit: checks.in_person.lifted."""
    body = requirement.body
    if actor is not None and not permissions.may_require_in_person(actor, body.organization):
        raise PermissionDenied(
            _("Only the administrators of the city or a district over the body decide this.")
        )
    with transaction.atomic():
        locked = InPersonRequirement.objects.select_for_update().get(pk=requirement.pk)
        if locked.lifted_at is not None:
            raise ValidationError(_("This requirement was already lifted."), code="lifted")
        locked.lifted_at = timezone.now()
        locked.lifted_by = _user(actor)
        locked.save(update_fields=["lifted_at", "lifted_by"])
        log_action(actor, "checks.in_person.lifted", locked, organization=body.organization)
    return locked


def in_person_rule(volunteer: Any) -> bool:
    """`volunteers.hooks.in_person_rules`: an application to a body under an in-person
    requirement, made after it was set, is confirmed in person only."""
    return InPersonRequirement.objects.filter(
        body_id=volunteer.body_id,
        lifted_at__isnull=True,
        required_at__lte=volunteer.applied_at,
    ).exists()
