"""Writes of the recognition app (issue 13 §1–2): the policy, the yearly-hours reminder and its
opt-out, star awards from the request to the award, objections, flags after corrections, and
bars from awards.

Rules:
- the yearly hours expected (plan §三(二)3: 20 h) and the reminder dates are the city's policy;
  a reminder goes once per volunteer and date (a unique row, written in bulk) to the registered
  volunteers still below the line who did not opt out, through the SMS outbox;
- a star level is an audited award (志愿服务条例 第三十二条): asked for by the volunteer or
  proposed by the office → reviewed with the cumulative hours kept as evidence → a public notice
  of at least 5 working days, objections lodged and answered → awarded with a number and a date.
  Levels are taken in order; a request without the hours is refused with the hours still
  needed; a barred volunteer (a spot check found falsified hours) is refused until the date;
- a confirmed correction that takes a volunteer below an award's threshold flags the award for
  the office (`hours.hooks.corrections_confirmed`); it is never changed silently.
Every change is audited; no ID number or phone goes into an entry.
"""

from collections.abc import Iterable
from datetime import date
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.common import locks
from zhiyuan.common.audit import log_action
from zhiyuan.common.bulk import TableWriter
from zhiyuan.common.crypto import decryptor
from zhiyuan.common.outbox import send_sms_many
from zhiyuan.common.text import clean_note
from zhiyuan.hours import rules
from zhiyuan.organizations.access import after_subtree, covers
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.recognition import permissions, selectors
from zhiyuan.recognition.enums import LIVE, STANDING, WAITING, AwardStatus
from zhiyuan.recognition.models import (
    MIN_NOTICE_WORKING_DAYS,
    AwardBar,
    AwardNumberSequence,
    HourReminder,
    Objection,
    RecognitionPolicy,
    ReminderOptOut,
    StarAward,
)
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.selectors import registered_volunteers

REMINDER_TEMPLATE = "hour_reminder"
#: Who may bar a volunteer from awards: the office and its checkers (a spot check's decision).
BARRING = (RoleKind.ADMINISTRATOR, RoleKind.CHECKER)
STARS = 5


def acting_user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _audit(actor: Any, action: str, obj: Any, organization: Any, **data: Any) -> None:
    log_action(acting_user(actor), action, obj, organization=organization, data=data)


# --- the policy ----------------------------------------------------------------------------


def _month_days(values: Any) -> list[str]:
    if not isinstance(values, list | tuple) or len(values) > 12:
        raise ValidationError({"reminder_dates": _("Give at most 12 dates as MM-DD, e.g. 07-01.")})
    days = set()
    for value in values:
        try:
            # 2001 is not a leap year: 02-29 would skip three years in four.
            day = date.fromisoformat(f"2001-{str(value).strip()}")
        except ValueError:
            raise ValidationError(
                {"reminder_dates": _("%(value)s is not a date as MM-DD.") % {"value": value}}
            ) from None
        days.add(f"{day:%m-%d}")
    return sorted(days)


def _star_hours(values: Any) -> list[int]:
    message = _(
        "Give the hours of one to five stars: five whole numbers, each above the one before."
    )
    if not isinstance(values, list | tuple) or len(values) != STARS:
        raise ValidationError({"star_hours": message})
    try:
        hours = [int(value) for value in values]
    except (TypeError, ValueError):
        raise ValidationError({"star_hours": message}) from None
    if hours[0] < 1 or any(b <= a for a, b in pairwise(hours)) or hours[-1] > 100_000:
        raise ValidationError({"star_hours": message})
    return hours


def set_policy(
    organization: Organization,
    *,
    actor: Any,
    yearly_hours: int,
    reminder_dates: Any,
    star_hours: Any,
    notice_working_days: int = MIN_NOTICE_WORKING_DAYS,
    bar_months: int = 12,
) -> RecognitionPolicy:
    """Set recognition under `organization` (its subtree, where no nearer policy exists):
    the yearly hours (1–1,000), the reminder dates (MM-DD, at most 12), the hours of one to
    five stars (increasing), the notice in working days (5–60) and a bar's default months
    (1–120). Administrators covering it only. Raises PermissionDenied, ValidationError (per
    field). Audit: recognition.policy.changed."""
    permissions.require_sets_policy(actor, organization)
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for name, check in (("reminder_dates", _month_days), ("star_hours", _star_hours)):
        try:
            values[name] = check(reminder_dates if name == "reminder_dates" else star_hours)
        except ValidationError as error:
            errors.update(error.message_dict)
    for name, value, low, high in (
        ("yearly_hours", yearly_hours, 1, 1000),
        ("notice_working_days", notice_working_days, MIN_NOTICE_WORKING_DAYS, 60),
        ("bar_months", bar_months, 1, 120),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = [
                _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
            ]
        values[name] = value
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy, _created = RecognitionPolicy.objects.select_for_update().get_or_create(
            organization=organization, defaults=values
        )
        for name, value in values.items():
            setattr(policy, name, value)
        policy.save()
        _audit(actor, "recognition.policy.changed", policy, organization, **values)
    return policy


# --- the yearly hours: opt-out and reminders ----------------------------------------------


def set_reminder_opt_out(volunteers: Iterable[Volunteer], *, opted_out: bool) -> int:
    """The volunteer's own choice (the portal: every registration of their mobile number):
    `opted_out` stops the yearly-hours reminder, False asks for it again. Returns how many
    registrations changed. Audit: recognition.reminders.opted_out / opted_in (actor: the
    volunteer, none)."""
    changed = 0
    with transaction.atomic():
        for volunteer in volunteers:
            if opted_out:
                _made, created = ReminderOptOut.objects.get_or_create(volunteer=volunteer)
                changed += created
            else:
                changed += ReminderOptOut.objects.filter(volunteer=volunteer).delete()[0]
            action = "opted_out" if opted_out else "opted_in"
            _audit(None, f"recognition.reminders.{action}", volunteer, volunteer.organization)
    return changed


def _groups_reminded(found: selectors.Policies, day: date) -> list[tuple[str, RecognitionPolicy]]:
    """(path prefix, policy) of the policies whose reminder dates hold `day`; "" is the
    defaults' (everyone outside a saved policy)."""
    month_day = f"{day:%m-%d}"
    everyone = [*found.by_path, ("", found.default)]
    return [(prefix, p) for prefix, p in everyone if month_day in (p.reminder_dates or [])]


def _in_group(queryset: Any, prefix: str, found: selectors.Policies) -> Any:
    """`queryset` of volunteers narrowed to those the policy at `prefix` governs: inside its
    subtree and outside every deeper policy's."""
    if prefix:
        queryset = queryset.filter(
            organization_path__gte=prefix, organization_path__lt=after_subtree(prefix)
        )
    for other, _policy in found.by_path:
        if other != prefix and other.startswith(prefix):
            queryset = queryset.exclude(
                organization_path__gte=other, organization_path__lt=after_subtree(other)
            )
    return queryset


def reminder_link() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("public:me-hours")


def send_hour_reminders(*, day: date | None = None) -> int:
    """Text every registered volunteer still below the yearly hours on a reminder date of
    their policy (`day`, default today), once: each gets a `HourReminder` row (unique per
    volunteer and day) and an SMS ("hour_reminder": ${hours} of ${target} this year, ${link})
    through the outbox, written in bulk. Those who opted out, who reached the line, and who
    were reminded on `day` already are left out; two runs at once queue behind a lock, so the
    second sends nothing. Returns how many were reminded. Audit: one
    recognition.reminders.sent per policy reminded (the day, the count), the rows themselves
    being the record per volunteer."""
    day = day or selectors.local_today()
    found = selectors.policies()
    groups = _groups_reminded(found, day)
    if not groups:
        return 0
    sent = 0
    with transaction.atomic():
        locks.hold("recognition.hour_reminders")
        minutes = selectors.year_minutes_by_volunteer(day.year)
        for prefix, policy in groups:
            sent += _remind_group(prefix, policy, found, day, minutes)
    return sent


#: The reminder writes its rows and messages this many volunteers at a time (bounded memory).
REMINDER_CHUNK = 20000


def _remind_group(
    prefix: str,
    policy: RecognitionPolicy,
    found: selectors.Policies,
    day: date,
    minutes: dict[int, int],
) -> int:
    target = selectors.yearly_target_minutes(policy)
    candidates = _in_group(
        registered_volunteers(Volunteer.objects.all(), year=day.year), prefix, found
    )
    candidates = candidates.exclude(
        Exists(ReminderOptOut.objects.filter(volunteer=OuterRef("pk")))
    ).exclude(Exists(HourReminder.objects.filter(volunteer=OuterRef("pk"), day=day)))
    rows = candidates.order_by().values_list("pk", Cast("mobile", TextField()))
    open_mobile = decryptor(context="volunteers.Volunteer.mobile")
    writer = TableWriter(
        HourReminder,
        same={"day": day, "target_minutes": target, "created_at": timezone.now()},
        varying=["volunteer", "minutes"],
    )
    fixed = {"target": f"{rules.hours(target).normalize():f}", "link": reminder_link()}
    reminders: list[list[Any]] = []
    messages: list[tuple[str, dict[str, str]]] = []
    reminded = 0

    def flush() -> None:
        writer.insert_values(reminders)
        send_sms_many(REMINDER_TEMPLATE, messages)
        reminders.clear()
        messages.clear()

    for pk, sealed in rows.iterator(chunk_size=REMINDER_CHUNK):
        served = minutes.get(pk, 0)
        if served >= target:
            continue
        reminders.append([pk, served])
        hours = f"{rules.hours(served).normalize():f}"
        messages.append((open_mobile(sealed), {"hours": hours, **fixed}))
        reminded += 1
        if len(reminders) >= REMINDER_CHUNK:
            flush()
    if reminders:
        flush()
    if reminded:
        owner = policy.organization if policy.pk else None
        log_action(
            None,
            "recognition.reminders.sent",
            policy if policy.pk else _first_reminder(day),
            organization=owner,
            data={"reminder_day": day.isoformat(), "messages": reminded},
        )
    return reminded


def _first_reminder(day: date) -> HourReminder:
    return HourReminder.objects.filter(day=day).order_by("pk").first()  # type: ignore[return-value]


# --- star levels ---------------------------------------------------------------------------


def _refuse_barred(volunteer: Volunteer, today: date) -> None:
    bar = selectors.active_bar(volunteer, today)
    if bar is not None:
        raise ValidationError(
            _("This volunteer is barred from awards until %(date)s.")
            % {"date": f"{bar.until:%Y-%m-%d}"},
            code="barred",
        )


def _refuse_unregistered(volunteer: Volunteer) -> None:
    if not registered_volunteers(Volunteer.objects.filter(pk=volunteer.pk)).exists():
        raise ValidationError(
            _("Only registered volunteers are awarded star levels."), code="not_registered"
        )


def hours_short_error(level: int, threshold: int, total: int) -> ValidationError:
    """The refusal of a level without its hours, with the hours still needed."""
    return ValidationError(
        _(
            "%(level)s stars need %(threshold)s confirmed hours; %(hours)s are confirmed, "
            "%(missing)s hours still needed."
        ),
        code="hours_short",
        params={
            "level": level,
            "threshold": f"{rules.hours(threshold).normalize():f}",
            "hours": rules.hours(total),
            "missing": rules.hours(threshold - total),
        },
    )


def next_level_for(volunteer: Volunteer, level: int | None) -> tuple[int, int]:
    """The level `volunteer` may ask for next and its threshold in minutes. Raises
    ValidationError: "all_levels" (five stars held), "out_of_order" (a level not the next),
    "under_way" (an award already asked for and not decided)."""
    held = selectors.held_level(volunteer)
    if held >= STARS:
        raise ValidationError(_("All five star levels are awarded."), code="all_levels")
    wanted = held + 1
    if level is not None and level != wanted:
        raise ValidationError(
            _("Levels are taken in order: the next level is %(next)s stars.") % {"next": wanted},
            code="out_of_order",
        )
    under_way = StarAward.objects.filter(
        volunteer=volunteer, status__in=[s for s in LIVE if s != AwardStatus.AWARDED]
    ).exists()
    if under_way:
        raise ValidationError(
            _("A star level is already asked for and waits for its decision."), code="under_way"
        )
    thresholds = selectors.star_minutes(selectors.policy_for(volunteer.organization))
    return wanted, thresholds[wanted - 1]


def _ask(volunteer: Volunteer, *, level: int | None, actor: Any, status: str) -> StarAward:
    today = selectors.local_today()
    with transaction.atomic():
        locks.hold(f"recognition.volunteer:{volunteer.pk}")
        volunteer = Volunteer.objects.select_related("organization").get(pk=volunteer.pk)
        _refuse_unregistered(volunteer)
        _refuse_barred(volunteer, today)
        wanted, threshold = next_level_for(volunteer, level)
        total = selectors.total_minutes(volunteer)
        if total < threshold:
            raise hours_short_error(wanted, threshold, total)
        try:
            with transaction.atomic():
                award = StarAward.objects.create(
                    volunteer=volunteer,
                    organization=volunteer.organization,
                    level=wanted,
                    threshold_minutes=threshold,
                    status=status,
                    proposed_by=acting_user(actor),
                )
        except IntegrityError:
            raise ValidationError(
                _("This level was already asked for or awarded."), code="under_way"
            ) from None
        action = "applied" if status == AwardStatus.APPLIED else "proposed"
        _audit(actor, f"recognition.award.{action}", award, award.organization, stars=wanted)
    return award


def apply_for_level(volunteer: Volunteer, *, level: int | None = None) -> StarAward:
    """The volunteer asks for their next star level (the portal, the volunteer's API): `level`
    if given must be the next. Raises ValidationError: "not_registered", "barred",
    "all_levels", "out_of_order", "under_way", "hours_short" (with the hours still needed).
    Audit: recognition.award.applied."""
    return _ask(volunteer, level=level, actor=None, status=AwardStatus.APPLIED)


def propose_level(volunteer: Volunteer, *, actor: Any, level: int | None = None) -> StarAward:
    """The office puts a volunteer forward for their next star level. Raises PermissionDenied
    and what `apply_for_level` raises. Audit: recognition.award.proposed."""
    permissions.require_reviews(actor, volunteer.organization)
    return _ask(volunteer, level=level, actor=actor, status=AwardStatus.PROPOSED)


def _locked(award: StarAward) -> StarAward:
    return (
        StarAward.objects.select_for_update(of=("self",))
        .select_related("volunteer", "organization")
        .get(pk=award.pk)
    )


def review_award(
    award: StarAward,
    *,
    actor: Any,
    approve: bool,
    reason: str = "",
    today: date | None = None,
) -> StarAward:
    """The office's review of an award asked for or proposed. Approved: the volunteer's
    cumulative counted minutes are kept as the evidence (`minutes`) and must still reach the
    threshold, and the award goes on public notice from `today` (default: today) for the
    policy's working days (`selectors.notice_period`). Refused: with `reason`.
    Raises PermissionDenied, ValidationError ("not_waiting", "hours_short", "barred",
    "no_working_days", reason missing). Audit: recognition.award.published / refused."""
    permissions.require_reviews(actor, award.organization)
    today = today or selectors.local_today()
    reason = clean_note(reason, field="reason", limit=200)
    with transaction.atomic():
        locked = _locked(award)
        if locked.status not in WAITING:
            raise ValidationError(_("This award is not waiting for review."), code="not_waiting")
        locked.reviewed_by = acting_user(actor)
        locked.reviewed_at = timezone.now()
        if not approve:
            if not reason:
                raise ValidationError({"reason": _("Say why the award is refused.")})
            locked.status, locked.reason = AwardStatus.REFUSED, reason
            locked.save()
            _audit(actor, "recognition.award.refused", locked, locked.organization, reason=reason)
            return locked
        _refuse_barred(locked.volunteer, today)
        total = selectors.total_minutes(locked.volunteer)
        if total < locked.threshold_minutes:
            raise hours_short_error(locked.level, locked.threshold_minutes, total)
        policy = selectors.policy_for(locked.organization)
        locked.notice_from, locked.notice_until = selectors.notice_period(
            today, policy.notice_working_days
        )
        locked.minutes, locked.status = total, AwardStatus.NOTICE
        locked.save()
        _audit(
            actor,
            "recognition.award.published",
            locked,
            locked.organization,
            minutes=total,
            notice_from=locked.notice_from.isoformat(),
            notice_until=locked.notice_until.isoformat(),
        )
    return locked


def lodge_objection(
    award: StarAward, *, text: str, name: str = "", contact: str = "", today: date | None = None
) -> Objection:
    """Anyone objects to an award on public notice (the portal's notice page, no log-in): the
    objection's text (1–1,000 characters), and a name and contact if they give them (the
    contact kept encrypted, shown to the office only). Raises ValidationError ("not_on_notice"
    for an award not on notice today, or the fields). Audit: recognition.objection.lodged."""
    today = today or selectors.local_today()
    text = " ".join(str(text or "").split())
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = _("Say what the objection is.")
    elif len(text) > 1000:
        errors["text"] = _("At most %(limit)s characters.") % {"limit": 1000}
    name = " ".join(str(name or "").split())[:50]
    contact = " ".join(str(contact or "").split())
    if len(contact) > 100:
        errors["contact"] = _("At most %(limit)s characters.") % {"limit": 100}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(award)
        if not _on_notice(locked, today):
            raise ValidationError(_("This award is not on public notice."), code="not_on_notice")
        objection = Objection.objects.create(award=locked, text=text, name=name, contact=contact)
        _audit(
            None, "recognition.objection.lodged", objection, locked.organization, award=locked.pk
        )
    return objection


def _on_notice(award: StarAward, today: date) -> bool:
    return (
        award.status == AwardStatus.NOTICE
        and award.notice_from is not None
        and award.notice_until is not None
        and award.notice_from <= today <= award.notice_until
    )


def answer_objection(objection: Objection, *, actor: Any, answer: str, upheld: bool) -> Objection:
    """The office answers an objection; `upheld` refuses the award (on notice) with the answer
    as the reason. Raises PermissionDenied, ValidationError ("answered", the answer missing).
    Audit: recognition.objection.answered (and recognition.award.refused)."""
    permissions.require_reviews(actor, objection.award.organization)
    answer = " ".join(str(answer or "").split())
    if not answer or len(answer) > 1000:
        raise ValidationError({"answer": _("Give an answer of at most 1,000 characters.")})
    with transaction.atomic():
        award = _locked(objection.award)
        locked = Objection.objects.select_for_update().get(pk=objection.pk)
        if locked.answered_at is not None:
            raise ValidationError(_("This objection is already answered."), code="answered")
        locked.answer, locked.upheld = answer, upheld
        locked.answered_by, locked.answered_at = acting_user(actor), timezone.now()
        locked.save()
        _audit(actor, "recognition.objection.answered", locked, award.organization, upheld=upheld)
        if upheld and award.status == AwardStatus.NOTICE:
            award.status, award.reason = AwardStatus.REFUSED, answer[:200]
            award.save(update_fields=["status", "reason"])
            _audit(
                actor, "recognition.award.refused", award, award.organization, objection=locked.pk
            )
    return locked


def _next_number(year: int) -> str:
    sequence, _created = AwardNumberSequence.objects.get_or_create(year=year)
    sequence = AwardNumberSequence.objects.select_for_update().get(pk=sequence.pk)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return f"XJ{year}{sequence.last_value:06d}"


def grant_award(award: StarAward, *, actor: Any, today: date | None = None) -> StarAward:
    """Award the level once its notice is over (`today` after `notice_until`) with every
    objection answered: the next number of the year (XJ + year + 6 digits, gap-free under the
    sequence's lock) and the date. Raises PermissionDenied, ValidationError ("not_on_notice",
    "notice_running" with the last day, "objections_open", "flagged": a correction took the
    hours below the threshold and the flag is not decided, "barred").
    Audit: recognition.award.granted."""
    permissions.require_reviews(actor, award.organization)
    today = today or selectors.local_today()
    with transaction.atomic():
        locked = _locked(award)
        if locked.status != AwardStatus.NOTICE or locked.notice_until is None:
            raise ValidationError(_("This award is not on public notice."), code="not_on_notice")
        if today <= locked.notice_until:
            raise ValidationError(
                _("The public notice runs until %(date)s; award it after that day.")
                % {"date": f"{locked.notice_until:%Y-%m-%d}"},
                code="notice_running",
            )
        if locked.objections.filter(answered_at__isnull=True).exists():
            raise ValidationError(
                _("Answer every objection before the award."), code="objections_open"
            )
        if locked.flagged_at is not None:
            raise ValidationError(
                _(
                    "A correction took the hours below this level's threshold: decide the flag "
                    "before the award."
                ),
                code="flagged",
            )
        _refuse_barred(locked.volunteer, today)
        locked.number = _next_number(today.year)
        locked.awarded_on, locked.awarded_by = today, acting_user(actor)
        locked.status = AwardStatus.AWARDED
        locked.save()
        _audit(
            actor,
            "recognition.award.granted",
            locked,
            locked.organization,
            award_number=locked.number,
        )
    return locked


def withdraw_award(award: StarAward) -> StarAward:
    """The volunteer withdraws an award they asked for, before the review. Raises
    ValidationError ("not_waiting"). Audit: recognition.award.withdrawn."""
    with transaction.atomic():
        locked = _locked(award)
        if locked.status not in WAITING:
            raise ValidationError(_("This award is not waiting for review."), code="not_waiting")
        locked.status = AwardStatus.WITHDRAWN
        locked.save(update_fields=["status"])
        _audit(None, "recognition.award.withdrawn", locked, locked.organization)
    return locked


# --- corrections and bars -----------------------------------------------------------------


def flag_awards_after_correction(volunteers: Iterable[Volunteer]) -> int:
    """Flag every award on notice or awarded of `volunteers` whose threshold their cumulative
    counted minutes no longer reach (a confirmed correction took hours away): the award stays
    as it is, marked for the office's decision with the minutes now. Returns how many were
    flagged. Audit: recognition.award.flagged."""
    flagged = 0
    for volunteer in volunteers:
        standing = StarAward.objects.select_for_update(of=("self",)).filter(
            volunteer=volunteer, status__in=STANDING, flagged_at__isnull=True
        )
        awards = list(standing.select_related("organization"))
        if not awards:
            continue
        total = selectors.total_minutes(volunteer)
        for award in awards:
            if total >= award.threshold_minutes:
                continue
            award.flagged_at, award.flag_minutes = timezone.now(), total
            award.save(update_fields=["flagged_at", "flag_minutes"])
            _audit(None, "recognition.award.flagged", award, award.organization, minutes=total)
            flagged += 1
    return flagged


def decide_flag(award: StarAward, *, actor: Any, keep: bool, reason: str) -> StarAward:
    """The office's decision on a flagged award: kept (the flag cleared) or revoked, with a
    reason either way. Raises PermissionDenied, ValidationError ("not_flagged", the reason).
    Audit: recognition.award.kept / revoked."""
    permissions.require_reviews(actor, award.organization)
    reason = clean_note(reason, field="reason", limit=200)
    if not reason:
        raise ValidationError({"reason": _("Say why.")})
    with transaction.atomic():
        locked = _locked(award)
        if locked.flagged_at is None:
            raise ValidationError(_("This award is not flagged."), code="not_flagged")
        locked.flagged_at, locked.reason = None, reason
        if not keep:
            locked.status = AwardStatus.REVOKED
        locked.save()
        action = "kept" if keep else "revoked"
        _audit(actor, f"recognition.award.{action}", locked, locked.organization, reason=reason)
    return locked


def bar_from_awards(
    volunteer: Volunteer, *, until: date, reason: str, source: str, by: Any
) -> AwardBar:
    """Bar `volunteer` from applying for or being proposed for any award until `until`
    (included): what a spot check that found falsified hours decides (issue 13 §2; the checks
    app calls this with its decision as `source`, e.g. "checks.spotcheck:12"). `by` is the
    deciding user (an administrator or checker covering the volunteer's organisation; None: the
    operator). Awards under way are not granted while the bar holds. Raises PermissionDenied,
    ValidationError ("until" not after today, the reason missing). Audit:
    recognition.bar.created."""
    if by is not None and not covers(by, volunteer.organization, BARRING):
        raise PermissionDenied(
            _("Only the administrators and checkers of the volunteer's organisation bar them.")
        )
    reason = clean_note(reason, field="reason", limit=200)
    if not reason:
        raise ValidationError({"reason": _("Say why the volunteer is barred.")})
    if not isinstance(until, date) or until <= selectors.local_today():
        raise ValidationError({"until": _("Give a date after today.")})
    source = str(source or "")[:100]
    with transaction.atomic():
        bar = AwardBar.objects.create(
            volunteer=volunteer,
            until=until,
            reason=reason,
            source=source,
            created_by=acting_user(by),
        )
        _audit(
            by,
            "recognition.bar.created",
            bar,
            volunteer.organization,
            barred_until=until.isoformat(),
            source=source,
        )
    return bar
