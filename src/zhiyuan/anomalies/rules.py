"""The anomaly rules (issue 14, item 4): each one set-based query over the ledgers (GROUP BY,
window functions, EXISTS, through the ORM: the same SQL shape on SQLite and PostgreSQL), then
the few rows it returns grouped into findings. Thresholds are settings (ANOMALY_*).

A `Finding` is a rule's evidence (service records and/or registrations) and its facts; the
people responsible and the organisation are read for all findings at once by the service
(`services.detect_anomalies`). Days are local days in Asia/Shanghai (TIME_ZONE).

What counts as a live record here: pending or confirmed, not replaced by a confirmed
correction, and not itself a pending correction (which stands beside the record it corrects
until confirmed): `hours.selectors.live` without the corrections waiting.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.expressions import RowRange
from django.db.models.functions import (
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    Lag,
    TruncDate,
    TruncHour,
    TruncWeek,
)
from django.utils import timezone

from zhiyuan.accounts.models import User
from zhiyuan.anomalies.enums import Rule
from zhiyuan.anomalies.models import AddressMark
from zhiyuan.common.crypto import digester
from zhiyuan.hours.enums import HourFlag, HourSource, HourStatus
from zhiyuan.hours.models import Attendance, HourRecord
from zhiyuan.volunteers.enums import HOLDING_STATUSES, RegistrationChannel, RegistrationStatus
from zhiyuan.volunteers.models import Volunteer

ADDRESS_PURPOSE = "anomalies-home-address"
#: Registrations marked per query when address marks are filled in.
MARK_BATCH = 2000


@dataclass
class Finding:
    """What a rule found: its evidence (ids) and facts (JSON values shown with the flag)."""

    rule: str
    records: set[int] = field(default_factory=set)
    volunteers: set[int] = field(default_factory=set)
    facts: dict[str, Any] = field(default_factory=dict)
    #: People named by the rule itself (user id, Responsibility), beside those the evidence
    #: names (recorders, confirmers, registrars).
    people: set[tuple[int, str]] = field(default_factory=set)


def zone() -> Any:
    return timezone.get_default_timezone()


def live_records() -> QuerySet[HourRecord]:
    """Records that stand or may come to (see the module's docstring)."""
    replaced = HourRecord.objects.filter(
        corrects=OuterRef("pk"), corrects__isnull=False, status=HourStatus.CONFIRMED
    )
    return (
        HourRecord.objects.filter(
            Q(status=HourStatus.CONFIRMED) | Q(status=HourStatus.PENDING, corrects__isnull=True)
        )
        .exclude(Exists(replaced))
        .order_by()
    )


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min), zone())
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone())
    return start, end


def _as_day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# --- service records -------------------------------------------------------------------------


class _Pass:
    """What the one window pass over the ledger found (`ledger_pass`), kept for one detection
    run: the overlapping and the long-day rules read it (`forget` ends the run)."""

    rows: list[tuple[Any, ...]] | None = None


def forget() -> None:
    """Forget the window pass of the last run (`services.detect_anomalies` calls it)."""
    _Pass.rows = None


def ledger_pass() -> list[tuple[Any, ...]]:
    """One window pass over each volunteer's live records in time order (one sort of the
    ledger, or its (volunteer, start) index): the records that start before an earlier record
    ended (the running maximum of the earlier ends), that start on the local day of the one
    before, or that alone last more than ANOMALY_LONG_DAY_MINUTES. Rows of (id, volunteer,
    start, end, local day, earlier end, minutes, previous day); read once per run."""
    if _Pass.rows is None:
        day = TruncDate("start", tzinfo=zone())
        by_volunteer: dict[str, Any] = {
            "partition_by": [F("volunteer_id")],
            "order_by": [F("start").asc()],
        }
        earlier_end = Window(Max("end"), frame=RowRange(start=None, end=-1), **by_volunteer)
        _Pass.rows = list(
            live_records()
            .annotate(
                day=day, earlier_end=earlier_end, previous_day=Window(Lag(day), **by_volunteer)
            )
            .filter(
                Q(earlier_end__gt=F("start"))
                | Q(previous_day=F("day"))
                | Q(actual_minutes__gt=settings.ANOMALY_LONG_DAY_MINUTES)
            )
            .values_list(
                "pk",
                "volunteer_id",
                "start",
                "end",
                "day",
                "earlier_end",
                "actual_minutes",
                "previous_day",
            )
        )
    return _Pass.rows


def overlapping_hours() -> list[Finding]:
    """Live records of one volunteer that overlap in time: each record that starts before an
    earlier-starting record of the same volunteer ended (`ledger_pass`), with the records it
    overlaps. The hours services refuse overlaps; these came in around them (a direct write,
    an import)."""
    findings = []
    for pk, volunteer, start, end, _day, earlier_end, _minutes, _previous in ledger_pass():
        if earlier_end is None or not earlier_end > start:
            continue
        partners = (
            live_records()
            .filter(volunteer_id=volunteer, start__lt=end, end__gt=start, start__lte=start)
            .exclude(pk=pk)
            .values_list("pk", flat=True)
        )
        findings.append(
            Finding(
                Rule.OVERLAPPING_HOURS,
                records={pk, *partners},
                volunteers={volunteer},
                facts={"day": timezone.localtime(start, zone()).date().isoformat()},
            )
        )
    return findings


def long_days() -> list[Finding]:
    """Volunteers with more than ANOMALY_LONG_DAY_MINUTES (720: 12 hours) of live records
    starting on one local day. Only a day with two records or one that long can be one
    (`ledger_pass`); those days' records are summed."""
    candidates = {
        (volunteer, _as_day(day))
        for _pk, volunteer, _s, _e, day, _earlier, minutes, previous in ledger_pass()
        if previous == day or minutes > settings.ANOMALY_LONG_DAY_MINUTES
    }
    findings = []
    for volunteer, day in sorted(candidates):
        start, end = _day_bounds(day)
        records = list(
            live_records()
            .filter(volunteer_id=volunteer, start__gte=start, start__lt=end)
            .values_list("pk", "actual_minutes")
        )
        total = sum(minutes for _pk, minutes in records)
        if total > settings.ANOMALY_LONG_DAY_MINUTES:
            findings.append(
                Finding(
                    Rule.LONG_DAY,
                    records={pk for pk, _m in records},
                    volunteers={volunteer},
                    facts={"day": day.isoformat(), "minutes": total},
                )
            )
    return findings


def bulk_identical() -> list[Finding]:
    """ANOMALY_BULK_IDENTICAL or more records entered by hand or from a sheet (not by
    check-in) by one recorder for one activity with the same start and end: one GROUP BY."""
    entered = live_records().filter(
        source__in=[HourSource.LEADER, HourSource.BACKFILL], recorded_by__isnull=False
    )
    groups = list(
        entered.values("recorded_by_id", "activity_id", "start", "end")
        .annotate(n=Count("id"))
        .filter(n__gte=settings.ANOMALY_BULK_IDENTICAL)
        .values_list("recorded_by_id", "activity_id", "start", "end", "n")
    )
    findings = []
    for recorder, activity, start, end, n in groups:
        same = entered.filter(
            recorded_by_id=recorder, activity_id=activity, start=start, end=end
        ).values_list("pk", "volunteer_id")
        findings.append(
            Finding(
                Rule.BULK_IDENTICAL,
                records={pk for pk, _v in same},
                volunteers={v for _pk, v in same},
                facts={"count": n, "start": start.isoformat(), "end": end.isoformat()},
            )
        )
    return findings


def self_confirmed() -> list[Finding]:
    """Confirmed records whose confirmer is the volunteer they belong to: an account with the
    registration's mobile number (its digest, as `hours.permissions.is_own` tells a leader's
    own hours; a number a family shares counts too). The ledger refuses such a confirmation
    (`hours.services.confirmation_refusal`: a leader's own hours need a second person), so a
    record here was confirmed around the services or before the account took the number.
    A leader confirming the records they entered for the other volunteers of an activity they
    organise is the ordinary path (民政部令第67号 第十八条: 谁记录谁证明, the organisation that
    records the hours certifies them) and is not flagged. One query: the accounts' digests
    reach the registrations by the digest index and their records by the volunteer index;
    grouped by person, organiser and the local day of the confirmation."""
    accounts = User.objects.exclude(mobile_digest="").values("mobile_digest")
    rows = (
        HourRecord.objects.filter(
            status=HourStatus.CONFIRMED,
            volunteer__mobile_digest__in=accounts,
            decided_by__mobile_digest=F("volunteer__mobile_digest"),
        )
        .order_by()
        .values_list("pk", "volunteer_id", "decided_by_id", "organizer_id", "decided_at")
    )
    found: dict[tuple[int, int, date], Finding] = {}
    for pk, volunteer, person, organizer, decided in rows:
        day = timezone.localtime(decided, zone()).date()
        finding = found.setdefault(
            (person, organizer, day),
            Finding(Rule.SELF_CONFIRMED, facts={"day": day.isoformat()}),
        )
        finding.records.add(pk)
        finding.volunteers.add(volunteer)
    return list(found.values())


def outside_geofence() -> list[Finding]:
    """Check-ins made outside the activity's radius (the hours app measures and flags each one:
    `Attendance.flags` holds "outside_geofence") that made a record: one filter, grouped by
    slot, naming who checked them in."""
    rows = (
        Attendance.objects.filter(
            flags__contains=f",{HourFlag.OUTSIDE_GEOFENCE},", record__isnull=False
        )
        .order_by()
        .values_list("slot_id", "record_id", "volunteer_id", "in_by_id", "distance_m")
    )
    found: dict[int, Finding] = {}
    for slot, record, volunteer, by, distance in rows:
        finding = found.setdefault(
            slot, Finding(Rule.OUTSIDE_GEOFENCE, facts={"slot": slot, "farthest_m": 0})
        )
        finding.records.add(record)
        finding.volunteers.add(volunteer)
        finding.facts["farthest_m"] = max(finding.facts["farthest_m"], distance or 0)
        if by is not None:
            finding.people.add((by, "checker_in"))
    return list(found.values())


def under_age() -> list[Finding]:
    """Live records of people younger than ANOMALY_MINIMUM_AGE (14) on the record's local day
    (中国注册志愿者管理办法 第八条: under 14 is not registrable). Age is compared as
    YYYYMMDD numbers (day − birth < age × 10000), on people born late enough to be that young
    on the earliest record's day (the birth-date index), in one query."""
    # The earliest live record's start, from the (status, start) index of each live status.
    firsts = [
        HourRecord.objects.filter(status=status)
        .order_by("start")
        .values_list("start", flat=True)[:1]
        for status in (HourStatus.CONFIRMED, HourStatus.PENDING)
    ]
    starts = [start for found in firsts for start in found]
    if not starts:
        return []
    first = min(starts)
    years = settings.ANOMALY_MINIMUM_AGE
    earliest = timezone.localtime(first, zone()).date()
    born_after = earliest.replace(year=earliest.year - years) - timedelta(days=1)
    day = TruncDate("start", tzinfo=zone())
    rows = (
        live_records()
        .filter(volunteer__birth_date__gt=born_after)
        .annotate(
            day_n=ExtractYear(day) * 10000 + ExtractMonth(day) * 100 + ExtractDay(day),
            birth_n=ExtractYear("volunteer__birth_date") * 10000
            + ExtractMonth("volunteer__birth_date") * 100
            + ExtractDay("volunteer__birth_date"),
        )
        .filter(day_n__lt=F("birth_n") + years * 10000)
        .values_list("pk", "volunteer_id", "volunteer__birth_date")
    )
    found: dict[int, Finding] = {}
    for pk, volunteer, birth in rows:
        finding = found.setdefault(
            volunteer, Finding(Rule.UNDER_AGE, facts={"birth_year": birth.year})
        )
        finding.records.add(pk)
        finding.volunteers.add(volunteer)
    return list(found.values())


def before_registration() -> list[Finding]:
    """Live records of a local day before the person's registration date (or of a person
    never registered). The registrations whose first live record (one probe of the
    (volunteer, start) index each) falls before their registration date, then those people's
    early records: two queries, never a join of the whole ledger."""
    first = live_records().filter(volunteer=OuterRef("pk")).order_by("start").values("start")[:1]
    early = dict(
        Volunteer.objects.annotate(first=Subquery(first))
        .filter(first__isnull=False)
        .annotate(first_day=TruncDate("first", tzinfo=zone()))
        .filter(Q(registered_on__isnull=True) | Q(first_day__lt=F("registered_on")))
        .order_by()
        .values_list("pk", "registered_on")
    )
    rows = (
        live_records()
        .filter(volunteer_id__in=list(early))
        .annotate(day=TruncDate("start", tzinfo=zone()))
        .filter(Q(volunteer__registered_on__isnull=True) | Q(day__lt=F("volunteer__registered_on")))
        .values_list("pk", "volunteer_id")
    )
    found: dict[int, Finding] = {}
    for pk, volunteer in rows:
        registered = early[volunteer]
        finding = found.setdefault(
            volunteer,
            Finding(
                Rule.BEFORE_REGISTRATION,
                facts={"registered_on": registered.isoformat() if registered else None},
            ),
        )
        finding.records.add(pk)
        finding.volunteers.add(volunteer)
    return list(found.values())


# --- registrations ---------------------------------------------------------------------------


def registrar_bursts() -> list[Finding]:
    """ANOMALY_BURST_REGISTRATIONS or more registrations typed in by one registrar (channel
    "registrar") within one local clock hour, through whatever organisations: one GROUP BY."""
    typed = Volunteer.objects.filter(
        channel=RegistrationChannel.REGISTRAR, registered_by__isnull=False
    ).annotate(hour=TruncHour("applied_at", tzinfo=zone()))
    groups = list(
        typed.values("registered_by_id", "hour")
        .annotate(n=Count("id"))
        .filter(n__gte=settings.ANOMALY_BURST_REGISTRATIONS)
        .order_by()
        .values_list("registered_by_id", "hour", "n")
    )
    findings = []
    for registrar, hour, n in groups:
        people = typed.filter(
            registered_by_id=registrar,
            applied_at__gte=hour,
            applied_at__lt=hour + timedelta(hours=1),
        ).values_list("pk", flat=True)
        findings.append(
            Finding(
                Rule.REGISTRAR_BURST,
                volunteers=set(people),
                facts={"count": n, "hour": timezone.localtime(hour, zone()).isoformat()},
            )
        )
    return findings


def address_text(division: Any, address: str) -> str:
    """What a home address's digest is taken of: its division and its text in NFKC with no
    whitespace (全角 and half-width, spaced or not, are one address)."""
    return f"{division or ''}\x00" + "".join(unicodedata.normalize("NFKC", address).split())


def address_digest(division: Any, address: str) -> str:
    """The keyed digest of a home address (`address_text`)."""
    return digester(purpose=ADDRESS_PURPOSE)(address_text(division, address))


def mark_addresses() -> int:
    """Fill in the address marks of registrations (not the generator's) with an address and no
    mark, or changed since marked (each address decrypted once, in batches); returns how many were marked."""
    digest = digester(purpose=ADDRESS_PURPOSE)
    stale = AddressMark.objects.filter(
        volunteer=OuterRef("pk"), marked_at__gte=OuterRef("updated_at")
    )
    todo = (
        Volunteer.objects.exclude(channel=RegistrationChannel.SYNTHETIC)
        .exclude(address_detail="")
        .exclude(Exists(stale))
        .order_by("pk")
    )
    marked = 0
    last = 0
    while True:
        batch = list(
            todo.filter(pk__gt=last).values_list(
                "pk", "home_division_id", "address_detail", "updated_at"
            )[:MARK_BATCH]
        )
        if not batch:
            return marked
        AddressMark.objects.filter(volunteer_id__in=[row[0] for row in batch]).delete()
        AddressMark.objects.bulk_create(
            [
                AddressMark(
                    volunteer_id=pk,
                    digest=digest(address_text(division, address)),
                    marked_at=updated,
                )
                for pk, division, address, updated in batch
            ]
        )
        marked += len(batch)
        last = batch[-1][0]


def address_bursts() -> list[Finding]:
    """ANOMALY_BURST_REGISTRATIONS or more registrations (any channel but the generator's)
    giving one home address within one week (by the address marks): one GROUP BY."""
    mark_addresses()
    marked = Volunteer.objects.exclude(channel=RegistrationChannel.SYNTHETIC).annotate(
        address=F("address_mark__digest"), week=TruncWeek("applied_at", tzinfo=zone())
    )
    groups = list(
        marked.filter(address__isnull=False)
        .values("address", "week")
        .annotate(n=Count("id"))
        .filter(n__gte=settings.ANOMALY_BURST_REGISTRATIONS)
        .order_by()
        .values_list("address", "week", "n")
    )
    findings = []
    for address, week, n in groups:
        monday = _week_day(week)
        start, _end = _day_bounds(monday)
        end, _next = _day_bounds(monday + timedelta(days=7))
        people = marked.filter(
            address=address, applied_at__gte=start, applied_at__lt=end
        ).values_list("pk", flat=True)
        findings.append(
            Finding(
                Rule.ADDRESS_BURST,
                volunteers=set(people),
                facts={"count": n, "week": _week_day(week).isoformat()},
            )
        )
    return findings


def _week_day(week: Any) -> date:
    if isinstance(week, datetime):
        return timezone.localtime(week, zone()).date()
    return _as_day(week)


def registrar_phones() -> list[Finding]:
    """Registrations (applied or holding) whose mobile is the phone of an office user with a
    role (a registrar's number typed in for the person), other than the person's own account
    (the same name): compared by the mobile's digest, one query with a correlated subquery,
    grouped by the phone's owner."""
    owner = (
        User.objects.filter(mobile_digest=OuterRef("mobile_digest"), roles__isnull=False)
        .exclude(name=OuterRef("name"))
        .order_by("pk")
        .values("pk")[:1]
    )
    rows = (
        Volunteer.objects.exclude(
            status__in=[RegistrationStatus.CANCELLED, RegistrationStatus.CLOSED]
        )
        .exclude(mobile_digest="")
        .annotate(owner=Subquery(owner))
        .filter(owner__isnull=False)
        .order_by()
        .values_list("pk", "owner")
    )
    found: dict[int, Finding] = {}
    for pk, user in rows:
        finding = found.setdefault(
            user, Finding(Rule.REGISTRAR_PHONE, people={(user, "registrar")})
        )
        finding.volunteers.add(pk)
    for finding in found.values():
        finding.facts["count"] = len(finding.volunteers)
    return list(found.values())


def shared_mobiles() -> list[Finding]:
    """ANOMALY_SHARED_MOBILE or more holding registrations (active or suspended) with one
    mobile number (by its digest): one GROUP BY. Families share numbers: the threshold is
    above a family's."""
    holding = Volunteer.objects.filter(status__in=HOLDING_STATUSES).exclude(mobile_digest="")
    digests = list(
        holding.values("mobile_digest")
        .annotate(n=Count("id"))
        .filter(n__gte=settings.ANOMALY_SHARED_MOBILE)
        .order_by()
        .values_list("mobile_digest", flat=True)
    )
    found: dict[str, Finding] = defaultdict(lambda: Finding(Rule.SHARED_MOBILE))
    for pk, digest in holding.filter(mobile_digest__in=digests).values_list("pk", "mobile_digest"):
        found[digest].volunteers.add(pk)
    for finding in found.values():
        finding.facts["count"] = len(finding.volunteers)
    return list(found.values())


#: Every rule, in the order they run.
RULES: dict[str, Callable[[], list[Finding]]] = {
    Rule.OVERLAPPING_HOURS: overlapping_hours,
    Rule.LONG_DAY: long_days,
    Rule.BULK_IDENTICAL: bulk_identical,
    Rule.SELF_CONFIRMED: self_confirmed,
    Rule.OUTSIDE_GEOFENCE: outside_geofence,
    Rule.UNDER_AGE: under_age,
    Rule.BEFORE_REGISTRATION: before_registration,
    Rule.REGISTRAR_BURST: registrar_bursts,
    Rule.ADDRESS_BURST: address_bursts,
    Rule.REGISTRAR_PHONE: registrar_phones,
    Rule.SHARED_MOBILE: shared_mobiles,
}
