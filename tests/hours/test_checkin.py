"""Check-in and check-out (issue 12, item 3): rotating signed tokens, idempotent retries,
scanning twice, leaving and coming back, the geofence, the periodic close of missed
check-outs, and the records check-outs make."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from tests.factories import SignUpFactory, SlotFactory
from tests.hours.conftest import days_ago
from tests.volunteers import people
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.periodic import run_jobs
from zhiyuan.hours import checkin, services
from zhiyuan.hours.enums import HourFlag, HourSource, HourStatus
from zhiyuan.hours.models import Attendance, HourRecord

T0 = (
    1_800_000_000.0  # a moment at the start of a 30-second window (1,800,000,000 = 30 × 60,000,000)
)


@pytest.fixture
def slot(activity):
    """A slot of `activity` that started an hour ago and ends in two hours."""
    now = timezone.now().replace(microsecond=0)
    return SlotFactory(
        activity=activity, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2)
    )


@pytest.fixture
def signed_up(slot, volunteer):
    SignUpFactory(slot=slot, volunteer=volunteer)
    return volunteer


@pytest.fixture
def past(activity, volunteer):
    """A slot 3 days ago, 09:00–12:00, the volunteer signed up."""
    made = SlotFactory(activity=activity, starts_at=days_ago(3, 9), ends_at=days_ago(3, 12))
    SignUpFactory(slot=made, volunteer=volunteer)
    return made


# --- tokens --------------------------------------------------------------------------------


def test_a_token_names_its_slot_for_its_window_and_the_next(slot) -> None:
    token = checkin.slot_token(slot, at=T0)
    assert checkin.token_slot_id(token, at=T0) == slot.pk
    assert checkin.token_slot_id(token, at=T0 + 29.9) == slot.pk
    assert checkin.token_slot_id(token, at=T0 + 59.9) == slot.pk  # the previous window


@pytest.mark.parametrize("later", [60.0, 3600.0])
def test_an_old_token_has_expired(slot, later: float) -> None:
    token = checkin.slot_token(slot, at=T0)
    with pytest.raises(ValidationError) as refused:
        checkin.token_slot_id(token, at=T0 + later)
    assert refused.value.code == "expired_token"


@override_settings(HOURS_QR_SECONDS=60)
def test_the_rotation_period_is_a_setting(slot) -> None:
    token = checkin.slot_token(slot, at=T0)
    assert checkin.token_slot_id(token, at=T0 + 119) == slot.pk
    assert checkin.seconds_left(at=T0 + 15) == 45


@pytest.mark.parametrize(
    "change", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "1.1:x:y", lambda t: ""]
)
def test_an_altered_token_is_invalid(slot, change) -> None:
    with pytest.raises(ValidationError) as refused:
        checkin.token_slot_id(change(checkin.slot_token(slot, at=T0)), at=T0)
    assert refused.value.code == "invalid_token"


def test_a_token_of_another_slot_is_refused(slot, activity) -> None:
    other = SlotFactory(activity=activity)
    with pytest.raises(ValidationError) as refused:
        checkin.check_token(checkin.slot_token(other), slot)
    assert refused.value.code == "other_slot"
    checkin.check_token(checkin.slot_token(slot), slot)


# --- checking in and out -------------------------------------------------------------------


def test_a_volunteer_checks_in_and_out_and_a_pending_record_is_made(slot, signed_up) -> None:
    checked = checkin.check_in(slot, signed_up, actor=None)
    assert checked.created and checked.attendance.is_open
    Attendance.objects.filter(pk=checked.attendance.pk).update(
        checked_in_at=timezone.now().replace(microsecond=0) - timedelta(minutes=45)
    )
    out = checkin.check_out(slot, signed_up, actor=None)
    record = out.attendance.record
    assert (record.status, record.source, record.recorded_by) == (
        HourStatus.PENDING,
        HourSource.CHECK_IN,
        None,
    )
    assert record.actual_minutes == 45
    entries = AuditEntry.objects.filter(action__startswith="hours.").order_by("pk")
    actions = list(entries.values_list("action", flat=True))
    assert actions == [
        "hours.attendance.checked_in",
        "hours.record.created",
        "hours.attendance.checked_out",
    ]


def test_scanning_twice_is_harmless(slot, signed_up) -> None:
    first = checkin.check_in(slot, signed_up, actor=None)
    second = checkin.check_in(slot, signed_up, actor=None)
    assert (second.created, second.attendance.pk) == (False, first.attendance.pk)
    assert Attendance.objects.count() == 1


def test_a_retry_with_the_same_key_never_counts_twice(past, volunteer, team_leader) -> None:
    at = days_ago(3, 9)
    first = checkin.check_in(past, volunteer, actor=team_leader, key="phone-1:7", at=at)
    retry = checkin.check_in(past, volunteer, actor=team_leader, key="phone-1:7", at=at)
    assert (retry.created, retry.attendance.pk) == (False, first.attendance.pk)
    out = checkin.check_out(past, volunteer, actor=team_leader, key="phone-1:8", at=days_ago(3, 11))
    again = checkin.check_out(
        past, volunteer, actor=team_leader, key="phone-1:8", at=days_ago(3, 11)
    )
    # the check-in's retry after the check-out still answers with the first interval
    late = checkin.check_in(past, volunteer, actor=team_leader, key="phone-1:7", at=at)
    assert (again.created, again.attendance.pk, late.attendance.pk) == (
        False,
        out.attendance.pk,
        first.attendance.pk,
    )
    assert (Attendance.objects.count(), HourRecord.objects.count()) == (1, 1)
    assert HourRecord.objects.get().minutes == 120


def test_a_key_reused_for_another_volunteer_is_refused(
    past, volunteer, team_leader, registrar
) -> None:
    other = people.registered(registrar)
    SignUpFactory(slot=past, volunteer=other)
    checkin.check_in(past, volunteer, actor=team_leader, key="k1", at=days_ago(3, 9))
    with pytest.raises(ValidationError) as refused:
        checkin.check_in(past, other, actor=team_leader, key="k1", at=days_ago(3, 9))
    assert refused.value.code == "key_reused"
    assert Attendance.objects.count() == 1


@pytest.mark.parametrize("key", ["a b", "x" * 65, "签到", "a/b"])
def test_a_malformed_key_is_refused(past, volunteer, team_leader, key: str) -> None:
    with pytest.raises(ValidationError) as refused:
        checkin.check_in(past, volunteer, actor=team_leader, key=key, at=days_ago(3, 9))
    assert list(refused.value.error_dict) == ["key"]


def test_leaving_and_coming_back_is_two_intervals(past, volunteer, team_leader) -> None:
    for start, end in ((9, 10), (10.5, 11)):
        checkin.check_in(
            past, volunteer, actor=team_leader, at=days_ago(3, 0) + timedelta(hours=start)
        )
        checkin.check_out(
            past, volunteer, actor=team_leader, at=days_ago(3, 0) + timedelta(hours=end)
        )
    assert list(HourRecord.objects.order_by("start").values_list("minutes", flat=True)) == [60, 30]
    assert Attendance.objects.filter(checked_out_at__isnull=True).count() == 0


def test_a_second_check_out_is_harmless(past, volunteer, team_leader) -> None:
    checkin.check_in(past, volunteer, actor=team_leader, at=days_ago(3, 9))
    first = checkin.check_out(past, volunteer, actor=team_leader, at=days_ago(3, 10))
    second = checkin.check_out(past, volunteer, actor=team_leader, at=days_ago(3, 11))
    assert (second.created, second.attendance.pk) == (False, first.attendance.pk)
    assert HourRecord.objects.get().minutes == 60


def test_a_record_counts_the_slots_time_only(past, volunteer, team_leader) -> None:
    checkin.check_in(past, volunteer, actor=team_leader, at=days_ago(3, 8) + timedelta(minutes=30))
    checked = checkin.check_out(past, volunteer, actor=team_leader, at=days_ago(3, 13))
    record = checked.attendance.record
    assert (record.start, record.end, record.minutes) == (past.starts_at, past.ends_at, 180)


def test_checking_out_without_checking_in_is_refused(past, volunteer, team_leader) -> None:
    with pytest.raises(ValidationError) as refused:
        checkin.check_out(past, volunteer, actor=team_leader, at=days_ago(3, 10))
    assert refused.value.code == "not_checked_in"


def test_a_check_out_before_its_check_in_is_refused(past, volunteer, team_leader) -> None:
    checkin.check_in(past, volunteer, actor=team_leader, at=days_ago(3, 10))
    with pytest.raises(ValidationError) as refused:
        checkin.check_out(past, volunteer, actor=team_leader, at=days_ago(3, 9))
    assert refused.value.error_dict["at"][0].code == "before_check_in"
    assert Attendance.objects.get().is_open


def test_only_volunteers_signed_up_check_in(slot, volunteer) -> None:
    with pytest.raises(ValidationError) as refused:
        checkin.check_in(slot, volunteer, actor=None)
    assert refused.value.code == "not_signed_up"


def test_check_in_opens_an_hour_before_the_slot_and_closes_at_its_end(activity, volunteer) -> None:
    now = timezone.now()
    later = SlotFactory(
        activity=activity, starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=4)
    )
    SignUpFactory(slot=later, volunteer=volunteer)
    with pytest.raises(ValidationError) as refused:
        checkin.check_in(later, volunteer, actor=None)
    assert refused.value.code == "too_early"
    over = SlotFactory(activity=activity, starts_at=days_ago(1, 9), ends_at=days_ago(1, 10))
    SignUpFactory(slot=over, volunteer=volunteer)
    with pytest.raises(ValidationError) as refused:
        checkin.check_in(over, volunteer, actor=None)
    assert refused.value.code == "slot_over"


@pytest.mark.parametrize("who", ["outsider", "registrar", "viewer"])
def test_only_the_organisers_leaders_check_people_in(
    past, volunteer, who, django_user_model
) -> None:
    with pytest.raises(PermissionDenied):
        checkin.check_in(
            past, volunteer, actor=django_user_model.objects.get(username=who), at=days_ago(3, 9)
        )
    assert not Attendance.objects.exists()


def test_a_future_time_from_a_leader_is_refused(slot, signed_up, team_leader) -> None:
    with pytest.raises(ValidationError) as refused:
        checkin.check_in(slot, signed_up, actor=team_leader, at=timezone.now() + timedelta(hours=1))
    assert list(refused.value.error_dict) == ["at"]


# --- the geofence ---------------------------------------------------------------------------


@pytest.fixture
def fenced(slot, signed_up):
    activity = slot.activity
    activity.latitude, activity.longitude, activity.geofence_radius = (
        Decimal("29.371000"),
        Decimal("113.128000"),
        200,
    )
    activity.save()
    return slot


def test_a_check_in_outside_the_radius_is_recorded_and_flagged(fenced, signed_up) -> None:
    checked = checkin.check_in(fenced, signed_up, actor=None, latitude=29.380, longitude=113.128)
    assert (checked.attendance.distance_m, checked.attendance.flags) == (
        1001,
        [HourFlag.OUTSIDE_GEOFENCE],
    )
    assert AuditEntry.objects.get(action="hours.attendance.checked_in").data == {
        "distance": 1001,
        "flags": ["outside_geofence"],
    }


def test_a_check_in_inside_the_radius_records_the_distance(fenced, signed_up) -> None:
    checked = checkin.check_in(fenced, signed_up, actor=None, latitude=29.3715, longitude=113.128)
    assert (checked.attendance.distance_m, checked.attendance.flags) == (56, [])


def test_a_volunteer_without_a_location_is_flagged_a_leader_is_not(
    fenced, signed_up, team_leader, registrar
) -> None:
    own = checkin.check_in(fenced, signed_up, actor=None)
    assert own.attendance.flags == [HourFlag.NO_LOCATION]
    other = people.registered(registrar)
    SignUpFactory(slot=fenced, volunteer=other)
    by_leader = checkin.check_in(fenced, other, actor=team_leader)
    assert by_leader.attendance.flags == []


@pytest.mark.parametrize(("lat", "lon"), [(91, 0), ("north", 0), (0, 181)])
def test_a_location_that_is_none_is_refused(fenced, signed_up, lat, lon) -> None:
    with pytest.raises(ValidationError):
        checkin.check_in(fenced, signed_up, actor=None, latitude=lat, longitude=lon)
    assert not Attendance.objects.exists()


def test_the_flags_pass_to_the_record(fenced, signed_up) -> None:
    checked = checkin.check_in(fenced, signed_up, actor=None, latitude=29.380, longitude=113.128)
    Attendance.objects.filter(pk=checked.attendance.pk).update(
        checked_in_at=timezone.now().replace(microsecond=0) - timedelta(minutes=30)
    )
    out = checkin.check_out(fenced, signed_up, actor=None, latitude=29.371, longitude=113.128)
    assert out.attendance.out_distance_m == 0
    assert out.attendance.record.flags == [HourFlag.OUTSIDE_GEOFENCE]


# --- missed check-outs -----------------------------------------------------------------------


def test_a_missed_check_out_is_closed_at_the_slot_end_and_flagged(
    past, volunteer, team_leader
) -> None:
    checkin.check_in(past, volunteer, actor=team_leader, at=days_ago(3, 9) + timedelta(minutes=10))
    assert run_jobs(["close_missed_checkouts"]) == {"close_missed_checkouts": "ok"}
    attendance = Attendance.objects.get()
    assert (attendance.checked_out_at, attendance.flags) == (past.ends_at, [HourFlag.AUTO_CLOSED])
    assert (attendance.record.minutes, attendance.record.flags) == (170, [HourFlag.AUTO_CLOSED])
    assert AuditEntry.objects.filter(action="hours.attendance.closed_automatically").count() == 1
    assert checkin.close_missed_checkouts() == 0


def test_an_open_interval_waits_for_the_grace_period(activity, volunteer, team_leader) -> None:
    ended = timezone.now().replace(microsecond=0) - timedelta(minutes=30)
    recent = SlotFactory(activity=activity, starts_at=ended - timedelta(hours=2), ends_at=ended)
    SignUpFactory(slot=recent, volunteer=volunteer)
    checkin.check_in(recent, volunteer, actor=team_leader, at=ended - timedelta(hours=1))
    assert checkin.close_missed_checkouts() == 0
    assert checkin.close_missed_checkouts(now=ended + timedelta(minutes=61)) == 1


def test_an_overlap_at_check_out_is_flagged_not_lost(past, volunteer, team_leader) -> None:
    services.record_hours(
        volunteer,
        activity=past.activity,
        start=days_ago(3, 10),
        end=days_ago(3, 11),
        actor=team_leader,
    )
    checkin.check_in(past, volunteer, actor=team_leader, at=days_ago(3, 9))
    checked = checkin.check_out(past, volunteer, actor=team_leader, at=days_ago(3, 12))
    assert (checked.attendance.record, checked.attendance.flags) == (None, [HourFlag.OVERLAP])
    assert HourRecord.objects.count() == 1


def test_tokens_change_with_the_clock(slot) -> None:
    now = time.time()
    assert checkin.slot_token(slot, at=now) != checkin.slot_token(slot, at=now + 30)
