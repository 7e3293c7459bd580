"""The rules of award campaigns with exact values: subtree, quotas, bars, one score per
reviewer, the exact average and the ranking's tie rule, the notice period, the results, and the
audit trail."""

import importlib
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from tests.awards.conftest import (
    AFTER_NOTICE,
    NOTICE_LAST,
    REVIEWED,
    REVIEWING,
    STREET,
    TODAY,
    category,
    give_quota,
    nominate,
    open_city_campaign,
    org,
    reviewer,
    user,
    volunteer,
)
from tests.volunteers import people
from zhiyuan.awards import selectors, services
from zhiyuan.awards.enums import CampaignStatus, NominationStatus, ObjectionStatus, Stage
from zhiyuan.awards.models import Campaign, Nomination, Score
from zhiyuan.common.models import AuditEntry
from zhiyuan.recognition import selectors as recognition_selectors
from zhiyuan.recognition.models import Holiday
from zhiyuan.recognition.services import bar_from_awards

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The services word their refusals with gettext when they raise, in the active language:
    these tests read them in English (tests/awards/test_api.py reads one in Chinese)."""
    with translation.override("en"):
        yield


def refusal(error: ValidationError) -> dict[str, list[str]]:
    with translation.override("en"):
        return {key: [str(m) for m in value] for key, value in error.message_dict.items()}


def test_nominating_outside_the_subtree_is_refused(campaign):
    elsewhere = volunteer(body=people.OTHER_STREET, actor="outsider", name="赵外街")
    with pytest.raises(ValidationError) as caught:
        nominate(campaign, elsewhere)
    assert refusal(caught.value) == {
        "volunteer": [
            "赵外街 is outside 岳阳楼街道志愿服务中心: an organisation nominates only volunteers "
            "and organisations of its own subtree."
        ]
    }
    assert not Nomination.objects.exists()


def test_the_nominator_must_administer_the_nominating_organisation(campaign):
    mine = volunteer(name="钱本街")
    with pytest.raises(PermissionDenied):
        nominate(campaign, mine, actor="outsider")
    with pytest.raises(PermissionDenied):
        nominate(campaign, mine, actor="registrar")
    assert not Nomination.objects.exists()


def test_the_district_nominates_a_volunteer_of_its_streets(campaign):
    made = nominate(campaign, volunteer(hours=3), by="430602-GC", actor="district_admin")
    assert made.nominator == org("430602-GC")
    assert made.hours_minutes == 180


def test_nominations_beyond_the_quota_are_refused(campaign):
    give_quota(campaign, STREET, 1)
    nominate(campaign, volunteer(name="孙一"))
    with pytest.raises(ValidationError) as caught:
        nominate(campaign, volunteer(name="孙二"))
    assert refusal(caught.value) == {
        "category": [
            "The quota of 岳阳楼街道志愿服务中心 in 优秀志愿者 is used: 1 of 1 nominations."
        ]
    }
    assert Nomination.objects.count() == 1


def test_the_districts_quota_counts_its_streets_nominations(campaign):
    give_quota(campaign, "430602-GC", 2)
    nominate(campaign, volunteer(name="周一"))
    nominate(campaign, volunteer(name="周二"), by="430602-GC", actor="district_admin")
    with pytest.raises(ValidationError) as caught:
        nominate(campaign, volunteer(name="周三"))
    assert refusal(caught.value) == {
        "category": [
            "The quota of 岳阳楼区发展志愿服务事业指导委员会 in 优秀志愿者 is used: 2 of 2 nominations."
        ]
    }


def test_a_withdrawn_nomination_frees_its_place(campaign):
    give_quota(campaign, STREET, 1)
    first = nominate(campaign, volunteer(name="吴一"))
    services.withdraw_nomination(first, actor=user("street_admin"), reason="材料有误", today=TODAY)
    nominate(campaign, volunteer(name="吴二"))
    assert [n.status for n in Nomination.objects.order_by("pk")] == ["withdrawn", "nominated"]


def test_a_unit_without_a_quota_cannot_nominate(campaign):
    with pytest.raises(ValidationError) as caught:
        services.nominate(
            campaign,
            actor=user("street_admin"),
            nominator=org(STREET),
            category=category(campaign, "优秀团队"),
            organization=org("430602001001-TM"),
            citation="团队常年开展助老服务",
            today=TODAY,
        )
    assert refusal(caught.value) == {
        "category": ["岳阳楼街道志愿服务中心 has no quota in 优秀团队."]
    }


def test_a_barred_volunteer_cannot_be_nominated(campaign):
    barred = volunteer(name="郑禁止", hours=5)
    bar_from_awards(
        barred,
        until=TODAY + timedelta(days=90),
        reason="抽查发现虚报时长",
        source="checks.spotcheck:1",
        by=None,
    )
    with pytest.raises(ValidationError) as caught:
        nominate(campaign, barred)
    assert refusal(caught.value) == {
        "volunteer": ["郑禁止 is barred from awards and cannot be nominated."]
    }
    assert not Nomination.objects.exists()


def test_an_application_not_confirmed_cannot_be_nominated(campaign):
    applicant = people.apply(user("registrar"), people.STREET, name="冯申请")
    with pytest.raises(ValidationError) as caught:
        nominate(campaign, applicant)
    assert refusal(caught.value) == {"volunteer": ["Only registered volunteers can be nominated."]}


def test_nominations_close_on_their_day(campaign):
    with pytest.raises(ValidationError) as caught:
        nominate(campaign, volunteer(), today=campaign.nominations_close + timedelta(days=1))
    assert refusal(caught.value) == {
        "campaign": [f"Nominations closed on {campaign.nominations_close.isoformat()}."]
    }
    nominate(campaign, volunteer(), today=campaign.nominations_close)


def test_one_score_per_reviewer_from_0_to_100_by_reviewers_only(campaign):
    made = nominate(campaign, volunteer())
    services.score_nomination(made, actor=user("city_admin"), score="88.5", today=REVIEWING)
    with pytest.raises(ValidationError) as caught:
        services.score_nomination(made, actor=user("city_admin"), score="90", today=REVIEWING)
    assert refusal(caught.value) == {
        "score": ["You have scored this nomination already: one score per reviewer."]
    }
    with pytest.raises(PermissionDenied):  # a checker of a street is not the city's reviewer
        services.score_nomination(made, actor=user("checker"), score="90", today=REVIEWING)
    checker = reviewer("city_checker")
    for bad in ("100.5", "-1", "abc", "87.25", "NaN"):
        with pytest.raises(ValidationError):
            services.score_nomination(made, actor=checker, score=bad, today=REVIEWING)
    with pytest.raises(ValidationError):  # before nominations close
        services.score_nomination(made, actor=checker, score="90", today=TODAY)
    assert list(Score.objects.values_list("score", flat=True)) == [Decimal("88.5")]


def test_the_average_is_exact_and_rounded_half_up():
    assert selectors.average([Decimal(80), Decimal(85), Decimal("90.5")]) == Decimal("85.17")
    assert selectors.average([Decimal("70.1"), Decimal("70.2")]) == Decimal("70.15")
    assert selectors.average([Decimal(1), Decimal(0), Decimal(0)]) == Decimal("0.33")
    assert selectors.average([Decimal(2), Decimal(0), Decimal(0)]) == Decimal("0.67")
    assert selectors.average([]) is None


def test_the_ranking_breaks_ties_by_hours_then_the_earlier_nomination(campaign):
    early = nominate(campaign, volunteer(name="甲早", hours=2))
    late = nominate(campaign, volunteer(name="乙晚", hours=2))
    more_hours = nominate(campaign, volunteer(name="丙多", hours=6))
    best = nominate(
        campaign, volunteer(name="丁高", hours=1), by="430602-GC", actor="district_admin"
    )
    unscored = nominate(
        campaign, volunteer(name="戊无", hours=9), by="430602-GC", actor="district_admin"
    )
    reviewers = [user("city_admin"), reviewer("r1"), reviewer("r2", kind="administrator")]
    table = {
        early: ["80", "85", "90.5"],  # 85.17
        late: ["90.5", "85", "80"],  # 85.17
        more_hours: ["85.5", "85", "85"],  # 85.17 (85.1666…)
        best: ["99", "98", "97"],  # 98.00
    }
    for row, values in table.items():
        for who, value in zip(reviewers, values, strict=True):
            services.score_nomination(row, actor=who, score=value, today=REVIEWING)
    standings = selectors.ranked(category(campaign))
    assert [(s.nomination.volunteer.name, s.average, s.score_count, s.rank) for s in standings] == [
        ("丁高", Decimal("98.00"), 3, 1),
        ("丙多", Decimal("85.17"), 3, 2),
        ("甲早", Decimal("85.17"), 3, 3),
        ("乙晚", Decimal("85.17"), 3, 4),
        ("戊无", None, 0, None),
    ]
    services.publish_shortlist(campaign, actor=user("city_admin"), today=REVIEWED)
    statuses = dict(Nomination.objects.values_list("volunteer__name", "status"))
    assert statuses == {
        "丁高": "shortlisted",
        "丙多": "shortlisted",
        "甲早": "not_shortlisted",
        "乙晚": "not_shortlisted",
        "戊无": "not_shortlisted",
    }
    unscored.refresh_from_db()
    assert unscored.rank is None and unscored.average is None


def _shortlisted(campaign):
    first = nominate(campaign, volunteer(name="王优秀", hours=4))
    second = nominate(campaign, volunteer(name="李先进", hours=2))
    services.score_nomination(first, actor=user("city_admin"), score="95", today=REVIEWING)
    services.score_nomination(second, actor=user("city_admin"), score="90", today=REVIEWING)
    services.publish_shortlist(campaign, actor=user("city_admin"), today=REVIEWED)
    first.refresh_from_db()
    second.refresh_from_db()
    return first, second


NATIONAL_DAY = date(2026, 9, 14)  # a Monday: nominations to 9-19, review to 9-24


def _national_day_holidays() -> None:
    """The week of 1–7 October off, the Sunday before and the Saturday after worked (调休)."""
    Holiday.objects.bulk_create(
        [Holiday(day=date(2026, 10, d), name="国庆节") for d in range(1, 8)]
        + [
            Holiday(day=date(2026, 9, 27), name="调休", working=True),
            Holiday(day=date(2026, 10, 10), name="调休", working=True),
        ]
    )


def _shortlisted_on(day: date) -> Campaign:
    made = open_city_campaign(base=NATIONAL_DAY)
    give_quota(made, STREET, 3, base=NATIONAL_DAY)
    first = nominate(made, volunteer(name="王优秀", hours=4), today=NATIONAL_DAY)
    services.score_nomination(first, actor=user("city_admin"), score="95", today=date(2026, 9, 22))
    return services.publish_shortlist(made, actor=user("city_admin"), today=day)


def test_the_notice_counts_working_days_skipping_weekends_and_holidays() -> None:
    _national_day_holidays()
    made = _shortlisted_on(date(2026, 9, 25))  # a Friday
    # 9-25 Fri, 9-27 Sun (worked), 9-28, 9-29, 9-30, then 10-1..10-7 off, 10-8 Thu, 10-9 Fri:
    # seven working days (seven calendar days would have ended on 10-1).
    assert (made.notice_starts, made.notice_ends) == (date(2026, 9, 25), date(2026, 10, 9))
    made.refresh_from_db()
    assert made.notice_ends == date(2026, 10, 9)
    assert made.stage(date(2026, 10, 5)) == Stage.NOTICE
    assert made.stage(date(2026, 10, 9)) == Stage.NOTICE
    assert made.stage(date(2026, 10, 10)) == Stage.NOTICE_ENDED
    entry = AuditEntry.objects.get(action="awards.shortlist.published", object_id=str(made.pk))
    assert (entry.data["notice_starts"], entry.data["notice_ends"]) == ("2026-09-25", "2026-10-09")
    with pytest.raises(ValidationError) as caught:
        services.fix_results(made, actor=user("city_admin"), today=date(2026, 10, 9))
    assert refusal(caught.value) == {
        "status": ["The notice period ends on 2026-10-09: fix the results after it."]
    }
    # A holiday configured later does not move a notice already published.
    Holiday.objects.create(day=date(2026, 10, 9), name="后加")
    made.refresh_from_db()
    assert made.notice_ends == date(2026, 10, 9)
    fixed = services.fix_results(made, actor=user("city_admin"), today=date(2026, 10, 10))
    assert fixed.status == CampaignStatus.FIXED


def test_the_notice_matches_a_star_levels_notice_published_the_same_day() -> None:
    _national_day_holidays()
    made = _shortlisted_on(date(2026, 9, 30))
    assert (made.notice_starts, made.notice_ends) == recognition_selectors.notice_period(
        date(2026, 9, 30), 7
    )
    assert made.notice_ends == date(2026, 10, 14)  # 9-30, 10-8, 10-9, 10-10 (worked), 10-12..14


def test_a_calendar_without_working_days_refuses_the_shortlist() -> None:
    start = date(2026, 9, 25)
    Holiday.objects.bulk_create(Holiday(day=start + timedelta(days=n)) for n in range(400))
    with pytest.raises(ValidationError) as caught:
        _shortlisted_on(start)
    assert caught.value.code == "no_working_days"
    assert caught.value.messages == [
        "No working day is configured in the year ahead: check the holidays."
    ]
    made = Campaign.objects.get(title="最美志愿者评选", nominations_close=date(2026, 9, 19))
    assert (made.status, made.notice_starts, made.notice_ends) == (
        CampaignStatus.OPEN,
        None,
        None,
    )


def test_the_migration_keeps_the_last_day_a_notice_was_published_with(campaign):
    _shortlisted(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(notice_ends=None)
    migration = importlib.import_module("zhiyuan.awards.migrations.0002_notice_in_working_days")
    migration.keep_published_ends(apps, None)
    campaign.refresh_from_db()
    assert campaign.notice_ends == REVIEWED + timedelta(days=6)  # 7 calendar days, as published


def test_the_shortlist_waits_for_the_review_to_end(campaign):
    with pytest.raises(ValidationError) as caught:
        services.publish_shortlist(campaign, actor=user("city_admin"), today=REVIEWING)
    assert refusal(caught.value) == {
        "status": [
            "The shortlist is published once the review has ended "
            f"({campaign.review_ends.isoformat()})."
        ]
    }
    with pytest.raises(PermissionDenied):
        services.publish_shortlist(campaign, actor=user("district_admin"), today=REVIEWED)


def test_notice_period_then_the_results_are_fixed(campaign):
    first, second = _shortlisted(campaign)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.notice_starts, campaign.notice_ends) == (
        CampaignStatus.NOTICE,
        REVIEWED,
        NOTICE_LAST,
    )
    assert campaign.stage(NOTICE_LAST) == Stage.NOTICE
    with pytest.raises(ValidationError) as caught:
        services.fix_results(campaign, actor=user("city_admin"), today=NOTICE_LAST)
    assert refusal(caught.value) == {
        "status": [
            f"The notice period ends on {NOTICE_LAST.isoformat()}: fix the results after it."
        ]
    }
    objection = services.lodge_objection(
        second, text="此人服务时长有虚报嫌疑，请核查。", today=NOTICE_LAST
    )
    with pytest.raises(ValidationError):  # after the notice, no more objections
        services.lodge_objection(second, text="再次提出异议，请核查。", today=AFTER_NOTICE)
    with pytest.raises(ValidationError) as caught:
        services.fix_results(campaign, actor=user("city_admin"), today=AFTER_NOTICE)
    assert refusal(caught.value) == {"status": ["1 objections await an answer."]}
    services.answer_objection(
        objection, actor=user("city_admin"), upheld=True, answer="经核查属实，取消提名。"
    )
    fixed = services.fix_results(campaign, actor=user("city_admin"), today=AFTER_NOTICE)
    assert (fixed.status, fixed.fixed_on) == (CampaignStatus.FIXED, AFTER_NOTICE)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.award_number, first.awarded_on) == (
        NominationStatus.AWARDED,
        f"{TODAY.year}-{campaign.pk:04d}-001",
        AFTER_NOTICE,
    )
    assert (second.status, second.award_number) == (NominationStatus.DISQUALIFIED, "")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    assert list(selectors.awards_of_volunteers([first.volunteer_id, second.volunteer_id])) == [
        first
    ]


def test_every_step_is_audited(campaign):
    _shortlisted(campaign)
    services.fix_results(campaign, actor=user("city_admin"), today=AFTER_NOTICE)
    actions = list(
        AuditEntry.objects.filter(action__startswith="awards.")
        .order_by("pk")
        .values_list("action", "object_type", "actor__username")
    )
    assert actions == [
        ("awards.campaign.opened", "awards.campaign", "city_admin"),
        ("awards.quota.set", "awards.campaign", "city_admin"),
        ("awards.quota.set", "awards.campaign", "city_admin"),
        ("awards.quota.set", "awards.campaign", "city_admin"),
        ("awards.nomination.made", "awards.nomination", "street_admin"),
        ("awards.nomination.made", "awards.nomination", "street_admin"),
        ("awards.score.given", "awards.nomination", "city_admin"),
        ("awards.score.given", "awards.nomination", "city_admin"),
        ("awards.shortlist.published", "awards.campaign", "city_admin"),
        ("awards.nomination.awarded", "awards.nomination", "city_admin"),
        ("awards.nomination.awarded", "awards.nomination", "city_admin"),
        ("awards.results.fixed", "awards.campaign", "city_admin"),
    ]
    made = AuditEntry.objects.filter(action="awards.nomination.made").order_by("pk").first()
    assert made.data == {
        "campaign": campaign.pk,
        "category": "优秀志愿者",
        "hours_minutes": 240,
        "evidence": False,
    }
    assert made.organization == org(STREET)
    fixed = AuditEntry.objects.get(action="awards.results.fixed")
    assert fixed.data == {"awarded": 2, "fixed_on": AFTER_NOTICE.isoformat()}


def test_opening_a_campaign_checks_its_office_and_dates(db):
    from tests.awards.conftest import open_city_campaign

    with pytest.raises(PermissionDenied):
        services.open_campaign(
            org("4306-GC"),
            actor=user("district_admin"),
            title="x",
            year=TODAY.year,
            criteria="y",
            nominations_close=TODAY,
            review_ends=TODAY,
            categories=[services.CategoryInput(kind="outstanding_volunteer", places=1)],
        )
    with pytest.raises(PermissionDenied):  # a street does not open campaigns
        services.open_campaign(
            org(STREET),
            actor=user("street_admin"),
            title="x",
            year=TODAY.year,
            criteria="y",
            nominations_close=TODAY,
            review_ends=TODAY,
            categories=[services.CategoryInput(kind="outstanding_volunteer", places=1)],
        )
    with pytest.raises(ValidationError) as caught:
        services.open_campaign(
            org("430602-GC"),
            actor=user("district_admin"),
            title="区级评选",
            year=TODAY.year,
            criteria="服务成效",
            nominations_close=TODAY - timedelta(days=1),
            review_ends=TODAY - timedelta(days=2),
            notice_days=3,
            categories=[],
        )
    assert refusal(caught.value) == {
        "nominations_close": ["Nominations cannot close in the past."],
        "review_ends": ["The review ends on or after the day nominations close."],
        "notice_days": ["The notice period is 5 to 60 working days."],
    }
    assert open_city_campaign().categories.count() == 2


def test_the_command_exports_publishes_and_fixes(tmp_path):
    from django.core.management import CommandError, call_command

    from tests.awards.conftest import campaign_days_ago

    made, (first, _second) = campaign_days_ago(11)
    services.score_nomination(
        first, actor=user("city_admin"), score="90", today=REVIEWED - timedelta(days=13)
    )
    target = tmp_path / "nominations.xlsx"
    call_command("awards", "export", "--campaign", str(made.pk), "-o", str(target))
    assert target.read_bytes().startswith(b"PK")
    call_command("awards", "shortlist", "--campaign", str(made.pk))
    first.refresh_from_db()
    assert first.status == NominationStatus.SHORTLISTED
    with translation.override("en"):
        with pytest.raises(CommandError, match="The notice period ends on"):
            call_command("awards", "fix", "--campaign", str(made.pk))
        with pytest.raises(CommandError, match=r"No campaign has the id 0\."):
            call_command("awards", "fix", "--campaign", "0")
    assert (
        AuditEntry.objects.filter(action="awards.shortlist.published", actor__isnull=True).count()
        == 1
    )
