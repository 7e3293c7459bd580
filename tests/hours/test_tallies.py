"""The roll-ups of the hours that count (`hours.tallies`): kept exact by every confirmation
(corrections and void corrections included), read by `selectors.office_totals` for whole months
and years with the ledger for the partial months, and checked by `zhiyuan verify_hours`.

The ledger below is hand-checked: 郭亮社区's team (岳阳楼街道) in 2025 counts wang's 120 minutes
of 31 January (from 23:00 local: January, though it ends in February) and 60 of 1 February,
li's 15 February corrected from 180 to 120, li's 10 March voided (a confirmed void correction:
one record of 0 minutes), li's 240 of 30 June; zhao's 180 of 31 December 2024 are last year's;
a pending and a rejected record count nothing; 三眼桥街道's centre counts li's 300 of 20
February."""

import copy
from collections.abc import Iterator
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.conftest import kept_for_the_module
from tests.factories import ActivityFactory
from tests.hours.conftest import local
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.activities.models import Activity
from zhiyuan.hours import selectors, services, tallies
from zhiyuan.hours.models import HourRecord, HourTally, OrganizerYear, ServiceYear
from zhiyuan.organizations.models import Organization

TEAM, STREET, OTHER_STREET = "430602001001-TM", "430602001-SC", "430602002-SC"


def record(volunteer, activity, start: str, minutes: int, actor) -> HourRecord:
    begins = local(start)
    return services.record_hours(
        volunteer,
        activity=activity,
        start=begins,
        end=begins + timedelta(minutes=minutes),
        actor=actor,
    )


def make_ledger() -> Activity:
    """The hand-checked ledger; returns the team's activity its records are of."""
    registrar, team_leader, street_admin, outsider = (
        User.objects.get(username=name)
        for name in ("registrar", "team_leader", "street_admin", "outsider")
    )
    activity = ActivityFactory()
    wang, li, zhao = (people.registered(registrar) for _ in range(3))
    elsewhere = ActivityFactory(organizer=Organization.objects.get(code=OTHER_STREET))
    made = [
        record(wang, activity, "2025-01-31 23:00", 120, team_leader),
        record(wang, activity, "2025-02-01 08:00", 60, team_leader),
        record(li, activity, "2025-02-15 09:00", 180, team_leader),
        record(li, activity, "2025-03-10 09:00", 60, team_leader),
        record(zhao, activity, "2024-12-31 20:00", 180, team_leader),
        record(li, activity, "2025-06-30 18:00", 240, team_leader),
    ]
    confirmed = services.confirm_records(made, actor=team_leader)
    by_start = {r.start: r for r in confirmed}
    shortened = by_start[local("2025-02-15 09:00")]
    voided = by_start[local("2025-03-10 09:00")]
    fixes = [
        services.request_correction(
            shortened, actor=team_leader, reason="提前离开", end=local("2025-02-15 11:00")
        ),
        services.request_correction(
            voided, actor=team_leader, reason="未到场", start=voided.start, end=voided.start
        ),
    ]
    services.confirm_records(fixes, actor=street_admin)
    record(zhao, activity, "2025-04-01 09:00", 60, team_leader)  # pending
    rejected = record(wang, activity, "2025-05-01 09:00", 60, team_leader)
    services.reject_record(rejected, actor=team_leader, reason="重复")
    services.confirm_records(
        [record(li, elsewhere, "2025-02-20 09:00", 300, outsider)], actor=outsider
    )
    return activity


@pytest.fixture(scope="module")
def _ledger(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any
) -> Iterator[Activity]:
    """The ledger, written once for all the tests of this module (every one asks for it)."""
    with kept_for_the_module(request, django_db_blocker, "ledger"):
        yield make_ledger()


@pytest.fixture
def ledger(_ledger: Activity, db: None) -> None:
    """The hand-checked ledger of the module's docstring."""


@pytest.fixture
def activity(_ledger: Activity, db: None) -> Activity:
    """The ledger's activity, of 郭亮社区's team (led by `team_leader`)."""
    return copy.deepcopy(_ledger)


def rows(totals) -> list[tuple[str, int, int, int]]:
    return [(r.organizer.code, r.minutes, r.records, r.volunteers) for r in totals.by_organizer]


def test_the_tallies_hold_the_hand_checked_months_and_years(ledger) -> None:
    team = Organization.objects.get(code=TEAM)
    months = {
        (t.month, t.minutes, t.records)
        for t in HourTally.objects.filter(organizer=team).exclude(records=0, minutes=0)
    }
    assert months == {
        (date(2024, 12, 1), 180, 1),
        (date(2025, 1, 1), 120, 1),
        (date(2025, 2, 1), 60 + 120, 2),
        (date(2025, 3, 1), 0, 1),
        (date(2025, 6, 1), 240, 1),
    }
    served = {
        (s.volunteer.name, s.year, s.minutes, s.records)
        for s in ServiceYear.objects.filter(organizer=team, records__gt=0).select_related(
            "volunteer"
        )
    }
    assert len(served) == 3
    assert sorted((year, minutes, n) for _name, year, minutes, n in served) == [
        (2024, 180, 1),
        (2025, 180, 2),
        (2025, 360, 3),
    ]
    # The distinct volunteers of each organiser's year: zhao in 2024; wang and li in 2025.
    assert organizer_years() == {
        (TEAM, 2024): 1,
        (TEAM, 2025): 2,
        (OTHER_STREET, 2025): 1,
    }
    assert tallies.discrepancies() == []


def organizer_years() -> dict[tuple[str, int], int]:
    return {
        (row.organizer.code, row.year): row.volunteers
        for row in OrganizerYear.objects.select_related("organizer").exclude(volunteers=0)
    }


def test_a_correction_into_another_year_moves_the_volunteer(team_leader, street_admin, ledger):
    # zhao's only record of 2024 (31 December, 20:00) corrected to 1 January 2025: the team's
    # 2024 has no volunteer left, its 2025 has three.
    zhaos = HourRecord.objects.get(start=local("2024-12-31 20:00"))
    fix = services.request_correction(
        zhaos,
        actor=team_leader,
        reason="日期记错",
        start=local("2025-01-01 20:00"),
        end=local("2025-01-01 23:00"),
    )
    services.confirm_records([fix], actor=street_admin)
    assert organizer_years() == {(TEAM, 2025): 3, (OTHER_STREET, 2025): 1}
    assert OrganizerYear.objects.get(organizer__code=TEAM, year=2024).volunteers == 0
    totals = selectors.office_totals(street_admin, start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert rows(totals) == [(TEAM, 540 + 180, 6, 3)]
    assert (
        selectors.office_totals(
            street_admin, start=date(2024, 1, 1), end=date(2024, 12, 31)
        ).by_organizer
        == []
    )
    assert tallies.discrepancies() == []


def test_the_citys_year_from_the_tallies(city_admin, ledger) -> None:
    totals = selectors.office_totals(city_admin, start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert totals.minutes == 540 + 300
    assert rows(totals) == [(TEAM, 540, 5, 2), (OTHER_STREET, 300, 1, 1)]


def test_a_streets_partial_months_read_the_ledger(street_admin, ledger) -> None:
    street = Organization.objects.get(code=STREET)
    # 15 January to 20 February: wang's 31 January and 1 February, li's corrected 15 February.
    totals = selectors.office_totals(
        street_admin, organization=street, start=date(2025, 1, 15), end=date(2025, 2, 20)
    )
    assert rows(totals) == [(TEAM, 120 + 60 + 120, 3, 2)]


PERIODS = [
    (None, None),
    (date(2025, 1, 1), date(2025, 12, 31)),
    (date(2024, 1, 1), date(2025, 12, 31)),
    (date(2025, 1, 15), date(2025, 2, 20)),
    (date(2025, 2, 1), date(2025, 2, 28)),
    (date(2025, 2, 10), None),
    (None, date(2025, 1, 31)),
    (date(2025, 3, 10), date(2025, 3, 10)),
    (date(2025, 2, 2), date(2025, 2, 14)),
    (date(2024, 12, 31), date(2025, 1, 1)),
]


@pytest.mark.parametrize(("start", "end"), PERIODS)
@pytest.mark.parametrize("who", ["city_admin", "street_admin", "outsider"])
def test_the_tallies_give_what_the_ledger_gives(request, ledger, who, start, end) -> None:
    user = request.getfixturevalue(who)
    for organization in (None, Organization.objects.get(code=STREET)):
        if who == "outsider" and organization is not None:
            continue
        found = selectors.filter_records(
            selectors.records(user), organization=organization, start=start, end=end
        )
        totals = selectors.office_totals(user, organization=organization, start=start, end=end)
        assert totals.minutes == selectors.total_minutes(selectors.counted(found))
        assert rows(totals) == [
            (r.organizer.code, r.minutes, r.records, r.volunteers)
            for r in selectors.totals_by_organizer(found)
        ]


def test_an_activity_or_status_filter_reads_the_ledger(city_admin, activity, ledger) -> None:
    assert rows(selectors.office_totals(city_admin, activity=activity.pk)) == [(TEAM, 720, 6, 3)]
    assert selectors.office_totals(city_admin, status="pending").minutes == 0
    assert selectors.office_totals(city_admin, status="confirmed").minutes == 720 + 300


def test_rebuild_gives_back_what_the_confirmations_kept(ledger) -> None:
    kept = sorted(HourTally.objects.values_list("organizer", "month", "minutes", "records"))
    kept = [row for row in kept if row[2] or row[3]]
    people = organizer_years()
    HourTally.objects.all().delete()
    ServiceYear.objects.all().delete()
    OrganizerYear.objects.all().delete()
    assert len(tallies.discrepancies()) == 6 + 4 + 3
    assert tallies.rebuild() == (6, 4, 3)
    assert sorted(HourTally.objects.values_list("organizer", "month", "minutes", "records")) == kept
    assert organizer_years() == people
    assert tallies.discrepancies() == []


def test_verify_hours_names_a_wrong_tally(ledger) -> None:
    out = StringIO()
    call_command("verify_hours", stdout=out)
    HourTally.objects.filter(month=date(2025, 6, 1)).update(minutes=9999)
    errors = StringIO()
    with pytest.raises(CommandError, match="1 tally"), translation.override("en"):
        call_command("verify_hours", stdout=StringIO(), stderr=errors)
    assert "2025-06-01" in errors.getvalue()
    assert "(9999, 1)" in errors.getvalue() and "(240, 1)" in errors.getvalue()
    call_command("rebuild_hour_tallies", stdout=StringIO())
    call_command("verify_hours", stdout=StringIO())


def test_verify_hours_names_a_wrong_count_of_volunteers(ledger) -> None:
    OrganizerYear.objects.filter(organizer__code=TEAM, year=2025).update(volunteers=7)
    errors = StringIO()
    with pytest.raises(CommandError, match="1 tally"), translation.override("en"):
        call_command("verify_hours", stdout=StringIO(), stderr=errors)
    assert "volunteers" in errors.getvalue() and "(7,)" in errors.getvalue()
    assert "(2,)" in errors.getvalue()
