"""Star levels (issue 13 §2): thresholds from configuration, levels in order, refusals with the
hours still needed, the review's snapshot, the notice in working days with objections, the
award's number, the flag after a correction, the bar from awards, the eligibility list."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.recognition.conftest import NAMES
from tests.volunteers import people
from zhiyuan.common.models import AuditEntry
from zhiyuan.hours import services as hours
from zhiyuan.organizations.models import Organization
from zhiyuan.recognition import selectors, services
from zhiyuan.recognition.enums import AwardStatus
from zhiyuan.recognition.models import Holiday, StarAward

MONDAY = date(2026, 9, 21)


def test_default_thresholds_without_a_policy(volunteer) -> None:
    policy = selectors.policy_for(volunteer.organization)
    assert selectors.star_minutes(policy) == [h * 60 for h in (100, 300, 600, 1000, 1500)]


def test_thresholds_come_from_the_nearest_policy(volunteer, city_policy) -> None:
    city_policy(star_hours=[100, 200, 500, 800, 1000])
    assert selectors.policy_for(volunteer.organization).star_hours == [100, 200, 500, 800, 1000]
    city_policy(code="430602001-SC", star_hours=[1, 2, 3, 4, 5])
    assert selectors.star_minutes(selectors.policy_for(volunteer.organization)) == [
        60,
        120,
        180,
        240,
        300,
    ]


@pytest.mark.parametrize(
    "hours", [[100, 300, 300, 1000, 1500], [300, 100, 600, 1000, 1500], [1, 2]]
)
def test_thresholds_must_rise_in_order(city_policy, hours) -> None:
    with pytest.raises(ValidationError) as refused:
        city_policy(star_hours=hours)
    assert "star_hours" in refused.value.message_dict


def test_applying_without_the_hours_says_how_many_are_still_needed(
    volunteer, serve, city_policy
) -> None:
    city_policy(star_hours=[3, 6, 9, 12, 15])
    serve(volunteer, 1)
    with pytest.raises(ValidationError) as refused:
        services.apply_for_level(volunteer)
    assert refused.value.code == "hours_short"
    assert refused.value.messages == [
        "1星级需要3小时已确认的服务时长；已确认1.00小时，还需2.00小时。"
    ] or ("2.00" in refused.value.messages[0])
    assert not StarAward.objects.exists()


def test_levels_are_taken_in_order(volunteer, serve, city_policy, street_admin) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 5)
    with pytest.raises(ValidationError) as refused:
        services.apply_for_level(volunteer, level=2)
    assert refused.value.code == "out_of_order"
    award = services.apply_for_level(volunteer, level=1)
    assert (award.level, award.status, award.threshold_minutes) == (1, AwardStatus.APPLIED, 120)
    with pytest.raises(ValidationError) as twice:
        services.apply_for_level(volunteer)
    assert twice.value.code == "under_way"
    awarded = _through_notice(award, street_admin)
    assert awarded.status == AwardStatus.AWARDED
    second = services.propose_level(volunteer, actor=street_admin)
    assert (second.level, second.status) == (2, AwardStatus.PROPOSED)


def _through_notice(award: StarAward, actor) -> StarAward:
    published = services.review_award(award, actor=actor, approve=True, today=MONDAY)
    return services.grant_award(
        published, actor=actor, today=published.notice_until + timedelta(days=1)
    )


def test_the_review_keeps_the_hours_snapshot_and_counts_working_days(
    volunteer, serve, city_policy, street_admin
) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    award = services.apply_for_level(volunteer)
    # Thursday 24 September; the 25th configured as a holiday, Monday 28th a normal day.
    Holiday.objects.create(day=date(2026, 9, 25), name="测试假日")
    published = services.review_award(
        award, actor=street_admin, approve=True, today=date(2026, 9, 24)
    )
    assert published.minutes == 180 and published.status == AwardStatus.NOTICE
    # Thu 24, (Fri 25 holiday, weekend), Mon 28, Tue 29, Wed 30, Thu 1 October.
    assert (published.notice_from, published.notice_until) == (date(2026, 9, 24), date(2026, 10, 1))
    assert published in selectors.on_notice(date(2026, 9, 26))
    with pytest.raises(ValidationError) as early:
        services.grant_award(published, actor=street_admin, today=date(2026, 10, 1))
    assert early.value.code == "notice_running"
    granted = services.grant_award(published, actor=street_admin, today=date(2026, 10, 2))
    assert granted.number == "XJ2026000001" and granted.awarded_on == date(2026, 10, 2)
    assert (
        AuditEntry.objects.filter(
            action__in=[
                "recognition.award.applied",
                "recognition.award.published",
                "recognition.award.granted",
            ],
            object_id=str(award.pk),
        ).count()
        == 3
    )


def test_a_weekend_day_configured_as_working_counts(volunteer, serve, city_policy, street_admin):
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    Holiday.objects.create(day=date(2026, 9, 26), name="调休", working=True)  # a Saturday
    award = services.review_award(
        services.apply_for_level(volunteer), actor=street_admin, approve=True, today=MONDAY
    )
    # Mon 21, Tue 22, Wed 23, Thu 24, Fri 25: five days; the Saturday would be the sixth.
    assert award.notice_until == date(2026, 9, 25)
    longer = city_policy(notice_working_days=6)
    assert longer.notice_working_days == 6


def test_objections_are_lodged_answered_and_an_upheld_one_refuses(
    volunteer, serve, city_policy, street_admin
) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    award = services.review_award(
        services.apply_for_level(volunteer), actor=street_admin, approve=True, today=MONDAY
    )
    objection = services.lodge_objection(
        award, text="时长有疑问", name="群众", contact="信箱", today=MONDAY + timedelta(days=1)
    )
    with pytest.raises(ValidationError) as open_:
        services.grant_award(award, actor=street_admin, today=award.notice_until + timedelta(1))
    assert open_.value.code == "objections_open"
    services.answer_objection(objection, actor=street_admin, answer="经核实属实", upheld=True)
    award.refresh_from_db()
    assert award.status == AwardStatus.REFUSED
    with pytest.raises(ValidationError) as closed:
        services.lodge_objection(award, text="再提", today=MONDAY + timedelta(days=2))
    assert closed.value.code == "not_on_notice"


def test_a_correction_below_the_threshold_flags_the_award(
    volunteer, serve, city_policy, street_admin, team_leader
) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    records = serve(volunteer, 3)
    award = _through_notice(services.apply_for_level(volunteer), street_admin)
    correction = hours.request_correction(
        records[0],
        actor=team_leader,
        reason="多记了两小时",
        end=records[0].start + timedelta(hours=1),
    )
    hours.confirm_records([correction], actor=street_admin)
    award.refresh_from_db()
    assert award.status == AwardStatus.AWARDED  # never silently changed
    assert award.flagged_at is not None and award.flag_minutes == 60
    assert list(selectors.flagged(street_admin)) == [award]
    kept = services.decide_flag(award, actor=street_admin, keep=False, reason="时长不足")
    assert kept.status == AwardStatus.REVOKED and kept.flagged_at is None


def test_a_correction_still_above_the_threshold_flags_nothing(
    volunteer, serve, city_policy, street_admin, team_leader
) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    records = serve(volunteer, 5)
    award = _through_notice(services.apply_for_level(volunteer), street_admin)
    correction = hours.request_correction(
        records[0], actor=team_leader, reason="少一小时", end=records[0].end - timedelta(hours=1)
    )
    hours.confirm_records([correction], actor=street_admin)
    award.refresh_from_db()
    assert award.flagged_at is None


def test_a_barred_volunteer_cannot_apply_nor_be_proposed(
    volunteer, serve, city_policy, street_admin, checker, outsider
) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    until = timezone.localdate() + timedelta(days=200)
    with pytest.raises(PermissionDenied):
        services.bar_from_awards(volunteer, until=until, reason="抽查", source="t", by=outsider)
    bar = services.bar_from_awards(
        volunteer, until=until, reason="抽查发现虚报时长", source="checks.spotcheck:1", by=checker
    )
    assert selectors.active_bar(volunteer) == bar
    for ask in (
        lambda: services.apply_for_level(volunteer),
        lambda: services.propose_level(volunteer, actor=street_admin),
    ):
        with pytest.raises(ValidationError) as refused:
            ask()
        assert refused.value.code == "barred"
    assert selectors.eligible(street_admin) == []


def test_only_the_office_above_reviews(volunteer, serve, city_policy, outsider, viewer) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    award = services.apply_for_level(volunteer)
    for who in (outsider, viewer):
        with pytest.raises(PermissionDenied):
            services.review_award(award, actor=who, approve=True)
        with pytest.raises(PermissionDenied):
            services.propose_level(volunteer, actor=who)


def test_the_eligibility_list_is_one_query_whatever_the_volunteers(
    registrar, serve, city_policy, street_admin, city_admin
) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    first = people.registered(registrar, name="甲")
    serve(first, 5)
    with CaptureQueriesContext(connection) as one:
        found = selectors.eligible(city_admin)
    assert [(e.volunteer, e.next_level, e.total_minutes) for e in found] == [(first, 1, 300)]
    others = [people.registered(registrar, name="乙" + NAMES[n]) for n in range(4)]
    for n, other in enumerate(others):
        serve(other, 4 + n)
    _through_notice(services.apply_for_level(others[0]), street_admin)  # 1 star held
    with CaptureQueriesContext(connection) as five:
        found = selectors.eligible(city_admin)
    # The scope's roles are read once per user; the policies and the city's registration
    # policy once per call; the volunteers with their hours, levels and bars in ONE query.
    assert len(five.captured_queries) <= len(one.captured_queries)
    listing = [q for q in five.captured_queries if 'FROM "volunteers_volunteer"' in q["sql"]]
    assert len(listing) == 1
    by_name = {e.volunteer.name: (e.held, e.next_level) for e in found}
    assert by_name == {"甲": (0, 1), "乙甲": (1, 2), "乙乙": (0, 1), "乙丙": (0, 1), "乙丁": (0, 1)}
    city = Organization.objects.get(code="4306-GC")
    assert [e.volunteer for e in selectors.eligible(city_admin, city)] == [
        e.volunteer for e in found
    ]


def test_every_audit_key_of_recognition_has_a_label() -> None:
    from zhiyuan.common import audit_display

    audit_display._discover()
    written = {
        "stars",
        "notice_from",
        "notice_until",
        "objection",
        "award",
        "barred_until",
        "reminder_day",
        "messages",
        "yearly_hours",
        "reminder_dates",
        "star_hours",
        "notice_working_days",
        "bar_months",
        "award_number",
        "minutes",
        "reason",
        "upheld",
        "source",
        "year",
        "rows",
    }
    assert sorted(written - set(audit_display.KEY_LABELS)) == []


def test_an_award_flagged_on_notice_is_not_granted_before_the_flag_is_decided(
    volunteer, serve, city_policy, street_admin, team_leader
) -> None:
    """A correction during the notice takes the hours below the threshold: the award is flagged
    and cannot be granted (with a number) until the office decides the flag."""
    city_policy(star_hours=[2, 4, 6, 8, 10])
    records = serve(volunteer, 3)
    published = services.review_award(
        services.apply_for_level(volunteer), actor=street_admin, approve=True, today=MONDAY
    )
    correction = hours.request_correction(
        records[0],
        actor=team_leader,
        reason="多记了两小时",
        end=records[0].start + timedelta(hours=1),
    )
    hours.confirm_records([correction], actor=street_admin)
    published.refresh_from_db()
    assert published.status == AwardStatus.NOTICE and published.flagged_at is not None
    assert published.notice_until is not None
    after = published.notice_until + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.grant_award(published, actor=street_admin, today=after)
    assert refused.value.code == "flagged"
    published.refresh_from_db()
    assert published.status == AwardStatus.NOTICE and not published.number
    kept = services.decide_flag(published, actor=street_admin, keep=True, reason="另有记录核实")
    assert services.grant_award(kept, actor=street_admin, today=after).status == AwardStatus.AWARDED
