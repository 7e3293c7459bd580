"""The service-hour ledger's rules (MISSION §4, issue 12): durations from aware instants,
rounding per record, totals as sums, overlaps refused, long days flagged, confirmed records
locked, corrections and own hours confirmed by a second person."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from tests.hours.conftest import days_ago, local
from tests.volunteers import people
from zhiyuan.accounts.models import Role, User
from zhiyuan.activities.enums import ActivityStatus
from zhiyuan.hours import rules, selectors, services
from zhiyuan.hours.enums import HourFlag, HourSource, HourStatus, Rounding
from zhiyuan.hours.models import HourRecord, LedgerLocked
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization


def record(volunteer, activity, start, end, actor, **options) -> HourRecord:
    return services.record_hours(
        volunteer, activity=activity, start=start, end=end, actor=actor, **options
    )


@pytest.mark.parametrize(
    ("actual", "exact", "half_hour"),
    [
        (0, 0, 0),
        (14, 14, 0),
        (15, 15, 30),
        (44, 44, 30),
        (45, 45, 60),
        (74, 74, 60),
        (75, 75, 90),
        (105, 105, 120),
        (119, 119, 120),
        (120, 120, 120),
    ],
)
def test_rounding_rules_count_each_record(actual: int, exact: int, half_hour: int) -> None:
    assert rules.counted_minutes(actual, Rounding.EXACT) == exact
    assert rules.counted_minutes(actual, Rounding.HALF_HOUR) == half_hour


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [(20, Decimal("0.33")), (40, Decimal("0.67")), (6000, Decimal("100.00")), (1, Decimal("0.02"))],
)
def test_hours_are_shown_with_two_decimals(minutes: int, shown: Decimal) -> None:
    assert rules.hours(minutes) == shown


def test_a_slot_across_midnight_counts_its_minutes_and_both_days(
    volunteer, activity, team_leader
) -> None:
    made = record(
        volunteer, activity, local("2026-03-01 22:00"), local("2026-03-02 02:30"), team_leader
    )
    assert (made.actual_minutes, made.minutes) == (270, 270)
    assert rules.minutes_per_day(made.start, made.end) == {
        date(2026, 3, 1): 120,
        date(2026, 3, 2): 150,
    }


def test_the_23_hour_day_of_1988_04_17_counts_from_the_instants(
    volunteer, activity, team_leader
) -> None:
    # tzdata: China's summer time began on 1988-04-17 at 02:00, which became 03:00.
    whole_day = record(
        volunteer, activity, local("1988-04-17 00:00"), local("1988-04-18 00:00"), team_leader
    )
    assert whole_day.actual_minutes == 23 * 60
    assert whole_day.flags == [HourFlag.LONG_DAY]
    night = rules.minutes_between(local("1988-04-17 01:00"), local("1988-04-17 04:00"))
    assert night == 120


def test_300_records_of_20_minutes_total_exactly_100_hours(
    volunteer, activity, team_leader, street_admin
) -> None:
    start = days_ago(400, hour=8)
    made = [
        record(
            volunteer,
            activity,
            start + timedelta(minutes=30 * n),
            start + timedelta(minutes=30 * n + 20),
            team_leader,
        )
        for n in range(300)
    ]
    services.confirm_records(made, actor=street_admin)
    minutes = selectors.total_minutes(selectors.counted(volunteer.hour_records.all()))
    assert minutes == 6000
    assert rules.hours(minutes) == Decimal("100.00")
    assert sum(rules.hours(r.minutes) for r in made) == Decimal("99.00")  # why minutes are summed


def test_overlapping_records_of_one_volunteer_are_refused(volunteer, activity, team_leader) -> None:
    record(volunteer, activity, days_ago(3, 9), days_ago(3, 12), team_leader)
    with pytest.raises(ValidationError) as refused:
        record(volunteer, activity, days_ago(3, 11), days_ago(3, 13), team_leader)
    assert refused.value.code == "overlap"
    assert volunteer.hour_records.count() == 1
    record(volunteer, activity, days_ago(3, 12), days_ago(3, 13), team_leader)  # adjacent: fine
    assert volunteer.hour_records.count() == 2


def test_a_rejected_record_leaves_its_time_free(volunteer, activity, team_leader) -> None:
    first = record(volunteer, activity, days_ago(3, 9), days_ago(3, 12), team_leader)
    services.reject_record(first, actor=team_leader, reason="未到场")
    again = record(volunteer, activity, days_ago(3, 9), days_ago(3, 11), team_leader)
    assert again.minutes == 120


def test_a_day_over_12_hours_is_flagged_not_refused(volunteer, activity, team_leader) -> None:
    morning = record(volunteer, activity, days_ago(2, 6), days_ago(2, 13), team_leader)
    evening = record(volunteer, activity, days_ago(2, 14), days_ago(2, 20), team_leader)
    assert (morning.flags, evening.flags) == ([], [HourFlag.LONG_DAY])


@pytest.mark.parametrize(
    ("start", "end", "field", "code"),
    [
        (days_ago(1, 12), days_ago(1, 9), "end", "end_before_start"),
        (days_ago(1, 12), days_ago(1, 12), "end", "end_before_start"),
        (
            days_ago(0, 0) + timedelta(days=2),
            days_ago(0, 0) + timedelta(days=2, hours=1),
            "end",
            "future",
        ),
    ],
)
def test_bad_times_are_refused_with_a_message(
    volunteer, activity, team_leader, start, end, field, code
) -> None:
    with pytest.raises(ValidationError) as refused:
        record(volunteer, activity, start, end, team_leader)
    assert refused.value.error_dict[field][0].code == code
    assert not HourRecord.objects.exists()


def test_naive_times_are_refused(volunteer, activity, team_leader) -> None:
    with pytest.raises(ValidationError) as refused:
        record(volunteer, activity, days_ago(1).replace(tzinfo=None), days_ago(1, 12), team_leader)
    assert list(refused.value.error_dict) == ["start"]


def test_only_registered_volunteers_have_hours(activity, team_leader, registrar) -> None:
    applicant = people.apply(registrar)
    with pytest.raises(ValidationError) as refused:
        record(applicant, activity, days_ago(1, 9), days_ago(1, 10), team_leader)
    assert refused.value.error_dict["volunteer"][0].code == "not_registered"


def test_a_draft_activity_has_no_hours(volunteer, activity, team_leader) -> None:
    activity.status = ActivityStatus.DRAFT
    activity.save()
    with pytest.raises(ValidationError) as refused:
        record(volunteer, activity, days_ago(1, 9), days_ago(1, 10), team_leader)
    assert refused.value.error_dict["activity"][0].code == "activity_status"


@pytest.mark.parametrize("who", ["outsider", "registrar", "checker", "viewer", "nobody"])
def test_only_the_organisers_leaders_record(volunteer, activity, who) -> None:
    with pytest.raises(PermissionDenied):
        record(volunteer, activity, days_ago(1, 9), days_ago(1, 10), User.objects.get(username=who))
    assert not HourRecord.objects.exists()


def test_a_record_is_audited(volunteer, activity, team_leader) -> None:
    made = record(volunteer, activity, days_ago(1, 9), days_ago(1, 10), team_leader, content="读书")
    from zhiyuan.common.models import AuditEntry

    entry = AuditEntry.objects.get(action="hours.record.created")
    assert (entry.object_id, entry.actor, entry.organization) == (
        str(made.pk),
        team_leader,
        activity.organizer,
    )
    assert entry.data == {"source": HourSource.LEADER, "minutes": 60}


def test_a_pending_record_is_edited_and_its_minutes_follow(
    volunteer, activity, team_leader
) -> None:
    made = record(volunteer, activity, days_ago(1, 9), days_ago(1, 10), team_leader)
    edited = services.edit_record(made, actor=team_leader, end=days_ago(1, 11), content="整理图书")
    assert (edited.actual_minutes, edited.minutes, edited.content) == (120, 120, "整理图书")


def test_a_confirmed_record_is_never_edited(volunteer, activity, team_leader, street_admin) -> None:
    made = record(volunteer, activity, days_ago(1, 9), days_ago(1, 10), team_leader)
    services.confirm_records([made], actor=team_leader)
    with pytest.raises(ValidationError) as refused:
        services.edit_record(made, actor=street_admin, end=days_ago(1, 11))
    assert refused.value.code == "not_pending"
    stored = HourRecord.objects.get(pk=made.pk)
    stored.minutes = 600
    with pytest.raises(LedgerLocked):
        stored.save()
    with pytest.raises(LedgerLocked):
        stored.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        HourRecord.objects.filter(pk=made.pk).update(minutes=600)
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            HourRecord.objects.filter(pk=made.pk).delete()
    assert HourRecord.objects.get(pk=made.pk).minutes == 60


def test_a_correction_after_confirmation_needs_a_second_person(
    volunteer, activity, team_leader, street_admin
) -> None:
    made = record(volunteer, activity, days_ago(1, 9), days_ago(1, 12), team_leader)
    services.confirm_records([made], actor=team_leader)
    correction = services.request_correction(
        made, actor=team_leader, reason="实际11点离开", end=days_ago(1, 11)
    )
    assert (correction.corrects, correction.status, correction.minutes) == (
        made,
        HourStatus.PENDING,
        120,
    )
    counted = selectors.counted(volunteer.hour_records.all())
    assert selectors.total_minutes(counted) == 180  # the record counts until it is replaced
    with pytest.raises(ValidationError) as refused:
        services.confirm_records([correction], actor=team_leader)
    assert "second person" in str(refused.value.messages) or "第二" in str(refused.value.messages)
    assert HourRecord.objects.get(pk=correction.pk).status == HourStatus.PENDING
    services.confirm_records([correction], actor=street_admin)
    counted = selectors.counted(volunteer.hour_records.all())
    assert list(counted) == [correction]
    assert selectors.total_minutes(counted) == 120
    assert HourRecord.objects.get(pk=made.pk).status == HourStatus.CONFIRMED  # never changed


def test_a_second_correction_waits_for_the_first(volunteer, activity, team_leader) -> None:
    made = record(volunteer, activity, days_ago(1, 9), days_ago(1, 12), team_leader)
    services.confirm_records([made], actor=team_leader)
    services.request_correction(made, actor=team_leader, reason="时间有误", end=days_ago(1, 11))
    with pytest.raises(ValidationError) as refused:
        services.request_correction(made, actor=team_leader, reason="再改", end=days_ago(1, 10))
    assert refused.value.code == "correction_open"


def test_a_pending_record_is_edited_not_corrected(volunteer, activity, team_leader) -> None:
    made = record(volunteer, activity, days_ago(1, 9), days_ago(1, 12), team_leader)
    with pytest.raises(ValidationError) as refused:
        services.request_correction(made, actor=team_leader, reason="时间有误")
    assert refused.value.code == "not_counted"


def test_the_volunteer_asks_for_a_correction_and_a_leader_confirms_it(
    volunteer, activity, team_leader
) -> None:
    made = record(volunteer, activity, days_ago(1, 9), days_ago(1, 11), team_leader)
    services.confirm_records([made], actor=team_leader)
    asked = services.request_correction(
        made, actor=None, by_volunteer=True, reason="我服务到12点", end=days_ago(1, 12)
    )
    assert (asked.requested_by_volunteer, asked.recorded_by) == (True, None)
    services.confirm_records([asked], actor=team_leader)  # the leader is the second person
    assert selectors.total_minutes(selectors.counted(volunteer.hour_records.all())) == 180


def test_a_correction_may_void_a_record(volunteer, activity, team_leader, street_admin) -> None:
    made = record(volunteer, activity, days_ago(1, 9), days_ago(1, 11), team_leader)
    services.confirm_records([made], actor=team_leader)
    void = services.request_correction(
        made, actor=team_leader, reason="未参加", start=made.start, end=made.start
    )
    services.confirm_records([void], actor=street_admin)
    assert selectors.total_minutes(selectors.counted(volunteer.hour_records.all())) == 0
    # the time is free again
    record(volunteer, activity, days_ago(1, 9), days_ago(1, 10), team_leader)


def test_a_leader_confirming_their_own_hours_needs_a_second_person(
    activity, registrar, team_leader, street_admin
) -> None:
    mobile = people.synthetic_mobile()
    leader = User.objects.create_user("leader2", "x", name="二队长", mobile=mobile)
    Role.objects.create(user=leader, organization=activity.organizer, kind=RoleKind.TEAM_LEADER)
    own = people.registered(registrar, mobile=mobile)
    made = record(own, activity, days_ago(1, 9), days_ago(1, 11), leader)
    with pytest.raises(ValidationError):
        services.confirm_records([made], actor=leader)
    services.confirm_records([made], actor=team_leader)
    assert HourRecord.objects.get(pk=made.pk).status == HourStatus.CONFIRMED


def test_confirming_is_all_or_nothing(activity, registrar, team_leader) -> None:
    mobile = people.synthetic_mobile()
    team_leader.mobile = mobile
    team_leader.save()
    own = people.registered(registrar, mobile=mobile)
    other = people.registered(registrar)
    first = record(other, activity, days_ago(1, 9), days_ago(1, 11), team_leader)
    second = record(own, activity, days_ago(1, 9), days_ago(1, 11), team_leader)
    with pytest.raises(ValidationError) as refused:
        services.confirm_records([first, second], actor=team_leader)
    assert len(refused.value.error_list) == 1
    assert set(HourRecord.objects.values_list("status", flat=True)) == {HourStatus.PENDING}


def test_the_rounding_rule_is_inherited_down_the_tree(
    volunteer, activity, team_leader, city_admin
) -> None:
    services.set_hours_policy(
        Organization.objects.get(code="4306-GC"), actor=city_admin, rounding=Rounding.HALF_HOUR
    )
    half = record(
        volunteer, activity, days_ago(2, 9), days_ago(2, 9) + timedelta(minutes=74), team_leader
    )
    more = record(
        volunteer, activity, days_ago(3, 9), days_ago(3, 9) + timedelta(minutes=75), team_leader
    )
    assert [(r.actual_minutes, r.minutes, r.rounding) for r in (half, more)] == [
        (74, 60, Rounding.HALF_HOUR),
        (75, 90, Rounding.HALF_HOUR),
    ]
    services.set_hours_policy(activity.organizer, actor=city_admin, rounding=Rounding.EXACT)
    exact = record(
        volunteer, activity, days_ago(4, 9), days_ago(4, 9) + timedelta(minutes=74), team_leader
    )
    assert (exact.minutes, exact.rounding) == (74, Rounding.EXACT)
    services.confirm_records([half, more, exact], actor=team_leader)
    assert selectors.total_minutes(selectors.counted(volunteer.hour_records.all())) == 224


def test_only_administrators_set_the_rounding_rule(team_leader, outsider) -> None:
    city = Organization.objects.get(code="4306-GC")
    for actor in (team_leader, outsider):
        with pytest.raises(PermissionDenied):
            services.set_hours_policy(city, actor=actor, rounding=Rounding.HALF_HOUR)
    assert selectors.policy_for(city).rounding == Rounding.EXACT


@pytest.mark.parametrize(
    ("start", "end", "field", "code"),
    [
        (local("1979-12-31 09:00"), local("1979-12-31 10:00"), "start", "too_early"),
        (local("2026-03-01 09:00"), local("2026-03-02 09:01"), "end", "too_long"),
    ],
)
def test_a_record_starts_after_1980_and_lasts_a_day_at_most(
    volunteer, activity, team_leader, start, end, field, code
) -> None:
    with pytest.raises(ValidationError) as refused:
        record(volunteer, activity, start, end, team_leader)
    assert refused.value.error_dict[field][0].code == code
