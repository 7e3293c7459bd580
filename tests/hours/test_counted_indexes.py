"""The office's totals read through the indexes of the hours that count (migration 0004:
hour_record_counted_scope, hour_record_counted_start, hour_record_replacing) give what the
records say, whichever plan the database takes: a subtree's year, the whole tree's year, per
organiser, with records of other years, pending and rejected ones, a confirmed correction that
replaces its record and a pending one that does not yet (benchmarks/bench_hours.py measures
their speed)."""

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Sum

from tests.factories import ActivityFactory
from tests.hours.conftest import days_ago
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.hours import selectors, services
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.models import Organization

STREET, OTHER_STREET = "430602001-SC", "430602002-SC"


def record(volunteer, activity, day: int, hours: int, actor: User) -> HourRecord:
    return services.record_hours(
        volunteer,
        activity=activity,
        start=days_ago(day, 8),
        end=days_ago(day, 8 + hours),
        actor=actor,
    )


@pytest.fixture
def ledger(registrar, team_leader, street_admin, outsider, activity) -> dict[str, int]:
    """Records of this year and last of 郭亮社区's team (岳阳楼街道) and of 三眼桥街道's
    centre; returns the minutes that count: this year's of the street, of the city."""
    wang, li = people.registered(registrar), people.registered(registrar)
    elsewhere = ActivityFactory(organizer=Organization.objects.get(code=OTHER_STREET))
    this_year = (timezone_today() - date(timezone_today().year, 1, 1)).days
    days = [day for day in (1, 2, 3, 4, 5) if day <= this_year] or [0]
    last_year = this_year + 10
    kept = [
        services.confirm_records([made], actor=team_leader)[0]
        for made in (
            record(wang, activity, days[0], 2, team_leader),  # 120, replaced below by 60
            record(wang, activity, last_year, 3, team_leader),  # last year: not counted
            record(li, activity, days[-1], 1, team_leader),  # 60, a pending correction
        )
    ]
    replacing = services.request_correction(
        kept[0], actor=team_leader, reason="提前离开", end=days_ago(days[0], 9)
    )
    services.confirm_records([replacing], actor=street_admin)
    services.request_correction(
        kept[2], actor=team_leader, reason="待核", end=days_ago(days[-1], 8) + timedelta(minutes=30)
    )
    pending = record(li, activity, last_year + 1, 4, team_leader)  # pending: not counted
    rejected = record(wang, activity, last_year + 2, 1, team_leader)
    services.reject_record(rejected, actor=team_leader, reason="重复")
    theirs = services.confirm_records([record(li, elsewhere, days[0], 5, outsider)], actor=outsider)
    assert pending.status == "pending" and theirs
    return {"street": 60 + 60, "city": 60 + 60 + 300}


def timezone_today() -> date:
    from django.utils import timezone

    return timezone.localdate()


@pytest.fixture(params=["as planned", "through the indexes"])
def plan(request) -> Iterator[str]:
    """Each total is read twice: as the planner likes, and (PostgreSQL) with table scans
    made the last resort, so that the partial indexes are what answers."""
    if request.param == "through the indexes":
        if connection.vendor != "postgresql":
            pytest.skip("the planner's switches are PostgreSQL's")
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_bitmapscan = off")
    yield request.param
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_bitmapscan")


def office_year(user: User, organization: Organization | None) -> tuple[int, list[tuple]]:
    year = timezone_today().year
    found = selectors.filter_records(
        selectors.records(user),
        organization=organization,
        start=date(year, 1, 1),
        end=date(year, 12, 31),
    )
    by_organizer = [
        (row.organizer.code, row.minutes, row.records, row.volunteers)
        for row in selectors.totals_by_organizer(found)
    ]
    return selectors.total_minutes(selectors.counted(found)), by_organizer


def test_a_streets_year_counts_what_the_records_say(street_admin, ledger, plan) -> None:
    street = Organization.objects.get(code=STREET)
    total, by_organizer = office_year(street_admin, street)
    assert total == ledger["street"]
    assert by_organizer == [("430602001001-TM", 120, 2, 2)]


def test_the_citys_year_counts_what_the_records_say(city_admin, ledger, plan) -> None:
    total, by_organizer = office_year(city_admin, None)
    assert total == ledger["city"]
    assert by_organizer == [("430602001001-TM", 120, 2, 2), (OTHER_STREET, 300, 1, 1)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index-only scans are PostgreSQL's")
def test_the_replacing_corrections_are_read_from_their_index(street_admin, ledger) -> None:
    street = Organization.objects.get(code=STREET)
    year = timezone_today().year
    found = selectors.counted(
        selectors.filter_records(
            selectors.records(street_admin),
            organization=street,
            start=date(year, 1, 1),
            end=date(year, 12, 31),
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE hours_hourrecord")
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        try:
            plan = found.order_by().values("organizer").annotate(n=Sum("minutes")).explain()
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_bitmapscan")
    # Which index reads the records depends on the table's size (bench_hours.py: at 5 million,
    # hour_record_counted_scope); the corrections come from theirs at any size.
    assert "Index Only Scan using hour_record_replacing" in plan, plan


def test_last_year_is_not_this_year(street_admin, ledger) -> None:
    street = Organization.objects.get(code=STREET)
    year = timezone_today().year - 1
    found = selectors.filter_records(
        selectors.records(street_admin),
        organization=street,
        start=date(year, 1, 1),
        end=date(year, 12, 31),
    )
    assert selectors.total_minutes(selectors.counted(found)) == 180
    assert found.count() == 3
