"""Writes of the award campaigns. Each checks its actor (`permissions.py`), runs in one
transaction and writes an audit entry (`awards.*`). Dates are local days; `today` (default: the
local date) is what the deadlines are compared with.

The steps, in order (计划 §三(二)3 "认证表彰"; 志愿服务条例 第三十二条):

1. `open_campaign`: a city or district opens a campaign with its categories and deadlines;
   `set_quota` gives the units (districts, streets) their nominations per category.
2. `nominate` (until nominations close): an organisation in the campaign's subtree nominates a
   registered volunteer or an organisation of its own subtree, within its units' quotas, with
   a citation and evidence; a volunteer barred from awards (`recognition`) cannot be nominated.
   `withdraw_nomination` takes one back.
3. `score_nomination` (after nominations close, until the review ends): each reviewer scores
   each nomination once, 0 to 100.
4. `publish_shortlist` (after the review): per category, the top `places` of the ranking
   (`selectors.ranked`) go on public notice for the campaign's notice period.
5. `lodge_objection` (during the notice, anyone, on the portal) and `answer_objection` (the
   office; an upheld objection disqualifies the nomination).
6. `fix_results` (after the notice, every objection answered): the shortlisted are awarded,
   numbered and dated, and the results published.
"""

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.awards import permissions, selectors
from zhiyuan.awards.enums import (
    KIND_SUBJECT,
    CampaignStatus,
    CategoryKind,
    NominationStatus,
    ObjectionStatus,
    Stage,
    Subject,
)
from zhiyuan.awards.models import (
    MIN_NOTICE_DAYS,
    Campaign,
    Category,
    Nomination,
    Objection,
    Quota,
    Score,
)
from zhiyuan.common.audit import Change, log_action, log_actions
from zhiyuan.common.text import clean_note
from zhiyuan.common.uploads import keep_evidence
from zhiyuan.organizations.models import Organization
from zhiyuan.recognition import selectors as recognition
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.selectors import registered_volunteers

#: The largest evidence file: a scanned page or a phone's photo.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
MAX_CATEGORIES = 10


def _user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def is_barred(volunteer: Volunteer, on: date) -> bool:
    """Whether a spot check barred `volunteer` from awards on `on` (issue 13 §2: falsified
    hours bar the volunteer for a configurable time): the recognition app's answer."""
    return recognition.active_bar(volunteer, on) is not None


# --- campaigns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryInput:
    """A category as a campaign is opened with it: a kind, a name (default: the kind's), who it
    honours (default: the kind's; needed for OTHER) and its number of awards."""

    kind: str
    places: int
    name: str = ""
    subject: str = ""


def _categories(raw: list[CategoryInput]) -> list[Category]:
    if not raw:
        raise ValidationError({"categories": [_("Give the campaign at least one category.")]})
    if len(raw) > MAX_CATEGORIES:
        raise ValidationError(
            {"categories": [_("A campaign has at most %(n)s categories.") % {"n": MAX_CATEGORIES}]}
        )
    rows: list[Category] = []
    for position, item in enumerate(raw, start=1):
        if item.kind not in CategoryKind.values:
            raise ValidationError({"categories": [_("Choose a kind of category.")]})
        kind = CategoryKind(item.kind)
        subject = item.subject or KIND_SUBJECT.get(kind, "")
        if subject not in Subject.values:
            raise ValidationError(
                {"categories": [_("Say whether the category honours volunteers or organisations.")]}
            )
        name = clean_note(item.name, limit=50, field="categories") or str(kind.label)
        if kind == CategoryKind.OTHER and not item.name:
            raise ValidationError({"categories": [_("Name the category.")]})
        if not isinstance(item.places, int) or not 1 <= item.places <= 1000:
            raise ValidationError({"categories": [_("A category gives 1 to 1,000 awards.")]})
        if any(row.name == name for row in rows):
            raise ValidationError({"categories": [_("Two categories have the same name.")]})
        rows.append(
            Category(kind=kind, name=name, subject=subject, places=item.places, position=position)
        )
    return rows


def open_campaign(
    organization: Organization,
    *,
    actor: Any,
    title: Any,
    year: int,
    criteria: Any,
    nominations_close: date,
    review_ends: date,
    notice_days: int = 7,
    categories: list[CategoryInput],
    today: date | None = None,
) -> Campaign:
    """Open a campaign of `organization` (a city- or district-level organisation). Dates are
    local days, each included; `notice_days` ≥ MIN_NOTICE_DAYS working days. Raises
    PermissionDenied unless `actor` administers it, ValidationError keyed by the field (title,
    year, criteria, nominations_close, review_ends, notice_days, categories). Audit:
    awards.campaign.opened."""
    permissions.require_open(actor, organization)
    today = _today(today)
    errors: dict[str, list[str]] = {}
    title = clean_note(title, limit=100, field="title")
    criteria = clean_note(criteria, limit=2000, field="criteria")
    if not title:
        errors["title"] = [_("This field is required.")]
    if not criteria:
        errors["criteria"] = [_("Write the criteria nominations are judged by.")]
    if not isinstance(year, int) or not 2000 <= year <= today.year + 1:
        errors["year"] = [_("Choose a year up to next year.")]
    if nominations_close < today:
        errors["nominations_close"] = [_("Nominations cannot close in the past.")]
    if review_ends < nominations_close:
        errors["review_ends"] = [_("The review ends on or after the day nominations close.")]
    if not isinstance(notice_days, int) or not MIN_NOTICE_DAYS <= notice_days <= 60:
        errors["notice_days"] = [
            _("The notice period is %(min)s to 60 working days.") % {"min": MIN_NOTICE_DAYS}
        ]
    if errors:
        raise ValidationError(errors)
    rows = _categories(categories)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            organization=organization,
            title=title,
            year=year,
            criteria=criteria,
            nominations_close=nominations_close,
            review_ends=review_ends,
            notice_days=notice_days,
            created_by=_user(actor),
        )
        for row in rows:
            row.campaign = campaign
        Category.objects.bulk_create(rows)
        log_action(
            actor,
            "awards.campaign.opened",
            campaign,
            organization=organization,
            data={
                "year": year,
                "nominations_close": nominations_close.isoformat(),
                "review_ends": review_ends.isoformat(),
                "notice_days": notice_days,
                "categories": [row.name for row in rows],
            },
        )
    return campaign


def set_quota(
    campaign: Campaign,
    *,
    actor: Any,
    category: Category,
    unit: Organization,
    places: int,
    today: date | None = None,
) -> Quota:
    """Let the organisations in `unit`'s subtree (inside the campaign's) make `places`
    nominations of `category` together, while nominations are open. A quota lowered below the
    nominations already made under it is refused. Raises PermissionDenied, ValidationError
    (unit, category, places, campaign). Audit: awards.quota.set."""
    permissions.require_manage(actor, campaign)
    if campaign.stage(_today(today)) != Stage.NOMINATING:
        raise ValidationError({"campaign": [_("Quotas are set while nominations are open.")]})
    if category.campaign_id != campaign.pk:
        raise ValidationError({"category": [_("Choose a category of this campaign.")]})
    if not unit.path.startswith(campaign.organization.path) or not unit.is_active:
        raise ValidationError(
            {
                "unit": [
                    _("Choose an active organisation inside %(name)s.")
                    % {"name": campaign.organization}
                ]
            }
        )
    if not isinstance(places, int) or not 0 <= places <= 1000:
        raise ValidationError({"places": [_("A quota is 0 to 1,000 nominations.")]})
    with transaction.atomic():
        Campaign.objects.select_for_update().get(pk=campaign.pk)
        made = sum(
            count
            for quota, count in selectors.quotas(campaign)
            if quota.category_id == category.pk and quota.unit_id == unit.pk
        )
        if places < made:
            raise ValidationError(
                {
                    "places": [
                        _("%(unit)s has already made %(made)s nominations in this category.")
                        % {"unit": unit, "made": made}
                    ]
                }
            )
        quota, _created = Quota.objects.update_or_create(
            campaign=campaign, category=category, unit=unit, defaults={"places": places}
        )
        log_action(
            actor,
            "awards.quota.set",
            campaign,
            organization=campaign.organization,
            data={"category": category.name, "unit": unit.code, "places": places},
        )
    return quota


# --- nominations -------------------------------------------------------------------------------


def _subject_path_ok(
    nominator: Organization, volunteer: Volunteer | None, organization: Organization | None
) -> bool:
    if volunteer is not None:
        return volunteer.organization_path.startswith(nominator.path) or (
            volunteer.body_organization_path.startswith(nominator.path)
        )
    return organization is not None and organization.path.startswith(nominator.path)


def _check_subject(
    campaign: Campaign,
    category: Category,
    nominator: Organization,
    volunteer: Volunteer | None,
    organization: Organization | None,
    project_title: str,
    today: date,
) -> None:
    if category.subject == Subject.VOLUNTEER:
        if volunteer is None or organization is not None:
            raise ValidationError(
                {"volunteer": [_("This category honours a volunteer: choose one.")]}
            )
    elif organization is None or volunteer is not None:
        raise ValidationError(
            {"organization": [_("This category honours an organisation: choose one.")]}
        )
    if category.kind == CategoryKind.OUTSTANDING_PROJECT and not project_title:
        raise ValidationError({"project_title": [_("Name the project.")]})
    field = "volunteer" if volunteer is not None else "organization"
    name = volunteer.name if volunteer is not None else str(organization)
    if not _subject_path_ok(nominator, volunteer, organization):
        raise ValidationError(
            {
                field: [
                    _(
                        "%(name)s is outside %(nominator)s: an organisation nominates only "
                        "volunteers and organisations of its own subtree."
                    )
                    % {"name": name, "nominator": nominator}
                ]
            }
        )
    if volunteer is not None:
        if not registered_volunteers(Volunteer.objects.filter(pk=volunteer.pk)).exists():
            raise ValidationError(
                {"volunteer": [_("Only registered volunteers can be nominated.")]}
            )
        if is_barred(volunteer, today):
            raise ValidationError(
                {
                    "volunteer": [
                        _("%(name)s is barred from awards and cannot be nominated.")
                        % {"name": volunteer.name}
                    ]
                }
            )
    elif organization is not None and not organization.is_active:
        raise ValidationError({"organization": [_("This organisation is inactive.")]})


def _take_quota(campaign: Campaign, category: Category, nominator: Organization) -> None:
    """Refuse the nomination unless every quota of `category` over `nominator` (its units: the
    district, the street) has room; the quotas' rows are locked first, so that two
    nominations at once cannot both take the last place."""
    step = Organization.steplen
    paths = [nominator.path[:end] for end in range(step, len(nominator.path) + 1, step)]
    over = list(
        Quota.objects.select_for_update()
        .filter(category=category, unit__path__in=paths)
        .select_related("unit")
        .order_by("unit__path")
    )
    if not over:
        raise ValidationError(
            {
                "category": [
                    _("%(nominator)s has no quota in %(category)s.")
                    % {"nominator": nominator, "category": category}
                ]
            }
        )
    for quota in over:
        made = Nomination.objects.filter(
            category=category,
            status__in=selectors.LIVE,
            nominator__path__startswith=quota.unit.path,
        ).count()
        if made >= quota.places:
            raise ValidationError(
                {
                    "category": [
                        _(
                            "The quota of %(unit)s in %(category)s is used: %(made)s of "
                            "%(places)s nominations."
                        )
                        % {
                            "unit": quota.unit,
                            "category": category,
                            "made": made,
                            "places": quota.places,
                        }
                    ]
                }
            )


def nominate(
    campaign: Campaign,
    *,
    actor: Any,
    nominator: Organization,
    category: Category,
    volunteer: Volunteer | None = None,
    organization: Organization | None = None,
    project_title: Any = "",
    citation: Any,
    evidence: Any = None,
    today: date | None = None,
) -> Nomination:
    """`nominator` (inside the campaign's subtree) nominates a registered volunteer or an
    organisation of its own subtree in `category`, while nominations are open, within every
    quota over it, with a citation (at most 1,000 characters) and optional evidence (a JPEG or
    PNG photo or a PDF of at most 10 MB, told by its bytes). The volunteer's counted hours are
    kept as the reference. Raises PermissionDenied unless `actor` administers `nominator`,
    ValidationError keyed by the field (campaign, nominator, category, volunteer,
    organization, project_title, citation, evidence). Audit: awards.nomination.made."""
    permissions.require_nominate_as(actor, nominator)
    today = _today(today)
    if campaign.stage(today) != Stage.NOMINATING:
        raise ValidationError(
            {
                "campaign": [
                    _("Nominations closed on %(day)s.")
                    % {"day": campaign.nominations_close.isoformat()}
                ]
            }
        )
    if not nominator.path.startswith(campaign.organization.path) or not nominator.is_active:
        raise ValidationError(
            {
                "nominator": [
                    _("Only organisations inside %(name)s nominate in this campaign.")
                    % {"name": campaign.organization}
                ]
            }
        )
    if category.campaign_id != campaign.pk:
        raise ValidationError({"category": [_("Choose a category of this campaign.")]})
    project_title = clean_note(project_title, limit=100, field="project_title")
    citation = clean_note(citation, limit=1000, field="citation")
    if not citation:
        raise ValidationError({"citation": [_("Write the citation: what the nominee did.")]})
    _check_subject(campaign, category, nominator, volunteer, organization, project_title, today)
    row = Nomination(
        campaign=campaign,
        category=category,
        nominator=nominator,
        volunteer=volunteer,
        organization=organization,
        project_title=project_title,
        citation=citation,
        created_by=_user(actor),
        hours_minutes=selectors.counted_minutes(volunteer) if volunteer is not None else 0,
    )
    content = (
        keep_evidence(row, evidence, limit=EVIDENCE_MAX_BYTES) if evidence is not None else None
    )
    with transaction.atomic():
        _take_quota(campaign, category, nominator)
        twice = Nomination.objects.filter(
            category=category,
            status__in=selectors.LIVE,
            volunteer=volunteer,
            organization=organization,
            project_title=project_title,
        )
        if twice.exists():
            raise ValidationError(
                {"category": [_("This nominee is already nominated in this category.")]}
            )
        if content is not None:
            # A random stored name: no person's name goes into a path.
            name = f"{secrets.token_hex(16)}.{row.evidence_name.rsplit('.', 1)[-1]}"
            row.evidence.save(name, content, save=False)
        row.save()
        log_action(
            actor,
            "awards.nomination.made",
            row,
            organization=nominator,
            data={
                "campaign": campaign.pk,
                "category": category.name,
                "hours_minutes": row.hours_minutes,
                "evidence": content is not None,
            },
        )
    return row


def withdraw_nomination(
    nomination: Nomination, *, actor: Any, reason: Any, today: date | None = None
) -> Nomination:
    """Take a nomination back while nominations are open (its place in the quota is freed).
    Raises PermissionDenied unless `actor` administers the nominator, ValidationError (reason,
    status). Audit: awards.nomination.withdrawn."""
    permissions.require_nominate_as(actor, nominator=nomination.nominator)
    reason = clean_note(reason, limit=200, field="reason")
    if not reason:
        raise ValidationError({"reason": [_("Say why the nomination is withdrawn.")]})
    with transaction.atomic():
        row = Nomination.objects.select_for_update().get(pk=nomination.pk)
        if row.status != NominationStatus.NOMINATED or (
            nomination.campaign.stage(_today(today)) != Stage.NOMINATING
        ):
            raise ValidationError(
                {"status": [_("Only a nomination not yet reviewed is withdrawn.")]}
            )
        row.status = NominationStatus.WITHDRAWN
        row.status_reason = reason
        row.save(update_fields=["status", "status_reason"])
        log_action(
            actor,
            "awards.nomination.withdrawn",
            row,
            organization=row.nominator,
            data={"reason": reason},
        )
    return row


# --- review ------------------------------------------------------------------------------------


def _score_value(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        value = Decimal("NaN")
    if not value.is_finite() or not 0 <= value <= 100 or value != value.quantize(Decimal("0.1")):
        raise ValidationError(
            {"score": [_("A score is a number from 0 to 100, with at most one decimal.")]}
        )
    return value


def score_nomination(
    nomination: Nomination, *, actor: Any, score: Any, comment: Any = "", today: date | None = None
) -> Score:
    """`actor` (a reviewer of the campaign) scores `nomination` once, 0 to 100 (one decimal),
    after nominations close and until the review ends. Raises PermissionDenied,
    ValidationError (score, comment, status: withdrawn, scored already, not reviewing).
    Audit: awards.score.given."""
    campaign = nomination.campaign
    permissions.require_review(actor, campaign)
    value = _score_value(score)
    comment = clean_note(comment, limit=200, field="comment")
    stage = campaign.stage(_today(today))
    if stage != Stage.REVIEWING:
        raise ValidationError(
            {
                "status": [
                    _("Nominations are scored from the day after %(close)s to %(end)s.")
                    % {
                        "close": campaign.nominations_close.isoformat(),
                        "end": campaign.review_ends.isoformat(),
                    }
                ]
            }
        )
    if nomination.status != NominationStatus.NOMINATED:
        raise ValidationError({"status": [_("This nomination is not under review.")]})
    try:
        with transaction.atomic():
            row = Score.objects.create(
                nomination=nomination, reviewer=actor, score=value, comment=comment
            )
            log_action(
                actor,
                "awards.score.given",
                nomination,
                organization=campaign.organization,
                data={"score": str(value)},
            )
    except IntegrityError:
        raise ValidationError(
            {"score": [_("You have scored this nomination already: one score per reviewer.")]}
        ) from None
    return row


def publish_shortlist(campaign: Campaign, *, actor: Any, today: date | None = None) -> Campaign:
    """After the review ends, rank each category (`selectors.ranked`) and put its top
    `places` scored nominations on public notice from `today` for the campaign's notice
    period: `notice_days` working days, weekends and the configured holidays skipped
    (`recognition.selectors.notice_period`, as a star level's notice), its last day kept as
    `notice_ends`; the others are not shortlisted. Raises PermissionDenied, ValidationError
    (status, "no_working_days"). Audit: awards.shortlist.published."""
    permissions.require_manage(actor, campaign)
    today = _today(today)
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update().select_related("organization").get(pk=campaign.pk)
        )
        if campaign.stage(today) != Stage.REVIEWED:
            raise ValidationError(
                {
                    "status": [
                        _("The shortlist is published once the review has ended (%(day)s).")
                        % {"day": campaign.review_ends.isoformat()}
                    ]
                }
            )
        shortlisted: dict[str, int] = {}
        for category in campaign.categories.all():
            chosen = 0
            for standing in selectors.ranked(category):
                row = standing.nomination
                row.average = standing.average
                row.score_count = standing.score_count
                row.rank = standing.rank
                keep = standing.rank is not None and standing.rank <= category.places
                row.status = (
                    NominationStatus.SHORTLISTED if keep else NominationStatus.NOT_SHORTLISTED
                )
                chosen += keep
                row.save(update_fields=["average", "score_count", "rank", "status"])
            shortlisted[category.name] = chosen
        campaign.status = CampaignStatus.NOTICE
        campaign.notice_starts, campaign.notice_ends = recognition.notice_period(
            today, campaign.notice_days
        )
        campaign.save(update_fields=["status", "notice_starts", "notice_ends"])
        log_action(
            actor,
            "awards.shortlist.published",
            campaign,
            organization=campaign.organization,
            data={
                "shortlisted": shortlisted,
                "notice_starts": today.isoformat(),
                "notice_ends": str(campaign.notice_ends),
            },
        )
    return campaign


# --- notice and objections ---------------------------------------------------------------------


def lodge_objection(nomination: Nomination, *, text: Any, today: date | None = None) -> Objection:
    """Anyone objects to a shortlisted nomination during the notice period (the portal; no
    name is asked). Returns the objection, whose `reference` the person keeps to read the
    answer. Raises ValidationError (text, nomination). Audit: awards.objection.lodged."""
    campaign = nomination.campaign
    text = clean_note(text, limit=1000, field="text")
    if len(text) < 10:
        raise ValidationError({"text": [_("Say what is wrong, in ten characters at least.")]})
    if campaign.stage(_today(today)) != Stage.NOTICE or (
        nomination.status != NominationStatus.SHORTLISTED
    ):
        raise ValidationError(
            {"nomination": [_("Objections are lodged during the notice period.")]}
        )
    with transaction.atomic():
        row = Objection.objects.create(
            campaign=campaign,
            nomination=nomination,
            reference=secrets.token_hex(6).upper(),
            text=text,
        )
        log_action(
            None,
            "awards.objection.lodged",
            row,
            organization=campaign.organization,
            data={"nomination": nomination.pk},
        )
    return row


def answer_objection(objection: Objection, *, actor: Any, upheld: bool, answer: Any) -> Objection:
    """The campaign's office answers an objection before the results are fixed; an upheld one
    disqualifies the nomination (it leaves the shortlist; no one moves up). Raises
    PermissionDenied, ValidationError (answer, status). Audit: awards.objection.answered."""
    campaign = objection.campaign
    permissions.require_manage(actor, campaign)
    answer = clean_note(answer, limit=1000, field="answer")
    if not answer:
        raise ValidationError({"answer": [_("Write the answer.")]})
    with transaction.atomic():
        row = Objection.objects.select_for_update().get(pk=objection.pk)
        if row.status != ObjectionStatus.OPEN or campaign.status != CampaignStatus.NOTICE:
            raise ValidationError({"status": [_("This objection has been answered already.")]})
        row.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        row.answer = answer
        row.answered_by = _user(actor)
        row.answered_at = timezone.now()
        row.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        if upheld:
            Nomination.objects.filter(pk=row.nomination_id).update(
                status=NominationStatus.DISQUALIFIED, status_reason=answer[:200]
            )
        log_action(
            actor,
            "awards.objection.answered",
            row,
            organization=campaign.organization,
            data={"nomination": row.nomination_id, "upheld": bool(upheld)},
        )
    return row


def fix_results(campaign: Campaign, *, actor: Any, today: date | None = None) -> Campaign:
    """After the notice period, with every objection answered, award the shortlisted: each is
    numbered `<year>-<campaign id>-<nnn>` in ranking order and dated `today`, and the results
    are published (they stand on the volunteers' records). A volunteer barred from awards by
    then is not awarded (disqualified). Raises PermissionDenied, ValidationError (status).
    Audit: awards.results.fixed, and awards.nomination.awarded for each award."""
    permissions.require_manage(actor, campaign)
    today = _today(today)
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update().select_related("organization").get(pk=campaign.pk)
        )
        stage = campaign.stage(today)
        if stage != Stage.NOTICE_ENDED:
            ends = campaign.notice_ends
            message = (
                _("The notice period ends on %(day)s: fix the results after it.")
                % {"day": ends.isoformat()}
                if stage == Stage.NOTICE and ends is not None
                else _("Only a campaign whose notice period has ended is fixed.")
            )
            raise ValidationError({"status": [message]})
        waiting = campaign.objections.filter(status=ObjectionStatus.OPEN).count()
        if waiting:
            raise ValidationError(
                {"status": [_("%(n)s objections await an answer.") % {"n": waiting}]}
            )
        rows = list(
            campaign.nominations.filter(status=NominationStatus.SHORTLISTED)
            .select_related("category", "volunteer", "nominator")
            .order_by("category__position", "category_id", "rank", "pk")
        )
        changes: list[Change] = []
        number = 0
        for row in rows:
            if row.volunteer is not None and is_barred(row.volunteer, today):
                row.status = NominationStatus.DISQUALIFIED
                row.status_reason = "barred"
                row.save(update_fields=["status", "status_reason"])
                changes.append(
                    Change(
                        "awards.nomination.disqualified", row, row.nominator, {"reason": "barred"}
                    )
                )
                continue
            number += 1
            row.status = NominationStatus.AWARDED
            row.award_number = f"{campaign.year}-{campaign.pk:04d}-{number:03d}"
            row.awarded_on = today
            row.save(update_fields=["status", "award_number", "awarded_on"])
            changes.append(
                Change(
                    "awards.nomination.awarded",
                    row,
                    row.nominator,
                    {"award_number": row.award_number, "category": row.category.name},
                )
            )
        campaign.status = CampaignStatus.FIXED
        campaign.fixed_on = today
        campaign.save(update_fields=["status", "fixed_on"])
        log_actions(actor, changes)
        log_action(
            actor,
            "awards.results.fixed",
            campaign,
            organization=campaign.organization,
            data={"awarded": number, "fixed_on": today.isoformat()},
        )
    return campaign
