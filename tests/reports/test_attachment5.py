"""Attachment 5's figures from the hand-checked fixture (tests/reports/statistics.py): every
column of a street's table, the city's nesting and subtotals, ages on the reference date,
pending applications never counted, a fixed number of queries."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.reports.conftest import CITY, STREET_CENTRE, targets_for_each_test
from tests.reports.statistics import Statistics
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.organizations.enums import OrgKind, OrgLevel, StationType
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import attachment5
from zhiyuan.reports.attachment5 import years_before
from zhiyuan.volunteers.models import Volunteer

targets = targets_for_each_test()


HEADER = [
    "Organisation",
    "Registered volunteers counted",
    "Awaiting confirmation (not counted)",
    "New this year",
    "Male",
    "Female",
    "Under 18",
    "18–35",
    "36–59",
    "60 and over",
    "Party members",
    "League members",
    "The public",
    "Other political status",
    "Postgraduate",
    "Undergraduate",
    "Junior college",
    "Senior secondary or vocational",
    "Junior secondary or below",
    "Education not given",
    "Retired",
    "Students",
    "Officials of party and government organs",
    "Staff of enterprises and institutions",
    "Farmers",
    "Other or not given",
    "Resident population",
    "Share of the population",
]
# name, counted, pending, new | men, women, <18, 18–35, 36–59, 60+ | party, league, public,
# other | postgraduate, undergraduate, college, senior, junior or below, none | retired, student,
# official, staff, farmer, other | population, share
STREET = [
    [
        *("岳阳楼街道志愿服务中心", "2", "0", "1"),
        *("1", "1", "0", "1", "1", "0"),
        *("0", "0", "1", "1"),
        *("0", "1", "1", "0", "0", "0"),
        *("0", "0", "0", "1", "0", "1"),
        *("—", "—"),
    ],
    [
        *("郭亮社区", "6", "1", "5"),
        *("4", "2", "1", "2", "2", "1"),
        *("2", "1", "2", "1"),
        *("1", "2", "0", "1", "2", "0"),
        *("1", "1", "1", "0", "1", "2"),
        *("1000", "0.6%"),
    ],
    ["汴河社区", *["0"] * 25, "99", "0.0%"],
    [
        *("Total", "8", "1", "6"),
        *("5", "3", "1", "3", "3", "1"),
        *("2", "1", "3", "2"),
        *("1", "3", "1", "1", "2", "0"),
        *("1", "1", "1", "1", "1", "3"),
        *("5000", "0.2%"),
    ],
]


def texts(root: str, day: date) -> tuple[list[str], list[list[str]], list[int]]:
    with translation.override("en"):
        table = attachment5.build(Organization.objects.get(code=root), day)
    return table.header, [row.texts for row in table.rows], [row.level for row in table.rows]


def test_a_street_table_has_the_hand_checked_figures_in_every_column(
    statistics: Statistics,
) -> None:
    header, rows, levels = texts(STREET_CENTRE, statistics.today)
    assert header == HEADER
    assert rows == STREET
    assert levels == [0, 0, 0, 0]


def test_every_row_adds_up_across_each_breakdown(statistics: Statistics) -> None:
    """Gender, age, political status, education and occupation each split the counted."""
    _header, rows, _levels = texts(STREET_CENTRE, statistics.today)
    for row in rows:
        counted = int(row[1])
        numbers = [int(text) for text in row[4:26]]
        splits = [numbers[0:2], numbers[2:6], numbers[6:10], numbers[10:16], numbers[16:22]]
        assert [sum(split) for split in splits] == [counted] * 5, row[0]


def test_the_city_table_nests_streets_in_districts_with_subtotals(
    statistics: Statistics,
) -> None:
    _header, rows, levels = texts(CITY, statistics.today)
    names = [row[0] for row in rows]
    assert names[:5] == [
        "岳阳楼街道志愿服务中心",
        "郭亮社区",
        "汴河社区",
        "岳阳楼街道 subtotal",
        "三眼桥街道志愿服务中心",
    ]
    assert levels[:4] == [2, 2, 2, 2]
    street = rows[3]
    assert street[1:4] == ["8", "1", "6"] and street[-2:] == ["5000", "0.2%"]
    district = rows[names.index("岳阳楼区 subtotal")]
    assert district[1:4] == ["9", "1", "7"]  # and v6 of 三眼桥街道, registered today
    assert district[-2:] == ["200000", "0.0%"]
    assert levels[names.index("岳阳楼区 subtotal")] == 1
    assert rows[-1][:4] == ["Total", "9", "1", "7"]
    assert rows[-1][-2:] == ["—", "—"]  # the city's own population is not recorded


def test_ages_are_those_on_the_reference_date(statistics: Statistics) -> None:
    """Yesterday p1 was 17 and p3 59; those registered today did not count yet."""
    found = statistics.people
    last_year = date(statistics.today.year - 1, 3, 1)
    Volunteer.objects.filter(pk__in=[found[k].pk for k in ("p1", "p2", "p3")]).update(
        registered_on=last_year
    )
    _header, rows, _levels = texts(STREET_CENTRE, statistics.today - timedelta(days=1))
    guoliang = rows[1]
    assert guoliang[:3] == ["郭亮社区", "4", "0"]  # p1–p4; v3 applied today
    assert guoliang[6:10] == ["2", "1", "1", "0"]
    _header, rows, _levels = texts(STREET_CENTRE, statistics.today)
    assert rows[1][6:10] == ["1", "2", "2", "1"]


def test_the_year_a_person_turns_is_exact_on_29_february() -> None:
    assert years_before(date(2024, 2, 29), 18) == date(2006, 2, 28)
    assert years_before(date(2024, 3, 1), 18) == date(2006, 3, 1)
    assert years_before(date(2026, 6, 30), 60) == date(1966, 6, 30)


def test_pending_applications_stand_beside_and_are_never_counted(
    statistics: Statistics,
) -> None:
    registrar = User.objects.get(username="registrar")
    people.apply(registrar, through=people.STATION, male=False)
    _header, rows, _levels = texts(STREET_CENTRE, statistics.today)
    assert rows[1][1:6] == ["6", "2", "5", "4", "2"]


def test_a_community_with_no_volunteers_has_a_row_and_other_organisations_only_with_some(
    statistics: Statistics,
) -> None:
    centre = Organization.objects.get(code=STREET_CENTRE)
    Organization.objects.add_child(
        centre,
        instance=Organization(
            code="NEW-ST",
            name="新村社区志愿服务站",
            kind=OrgKind.SERVICE_STATION,
            level=OrgLevel.COMMUNITY,
            station_type=StationType.COMMUNITY,
        ),
    )
    Organization.objects.add_child(
        centre,
        instance=Organization(
            code="PARK-ST",
            name="南湖公园志愿服务站",
            kind=OrgKind.SERVICE_STATION,
            level=OrgLevel.COMMUNITY,
            station_type=StationType.PARK,
        ),
    )
    _header, rows, _levels = texts(STREET_CENTRE, statistics.today)
    assert [row[0] for row in rows] == [
        "岳阳楼街道志愿服务中心",
        "郭亮社区",
        "汴河社区",
        "新村社区",
        "Total",
    ]


def test_the_table_costs_the_same_queries_however_many_organisations_and_volunteers(
    statistics: Statistics, registrar: User, outsider: User
) -> None:
    city = Organization.objects.get(code=CITY)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            attachment5.build(city, statistics.today)
        return len(captured)

    before = queries()
    for _n in range(3):
        people.registered(registrar, through=people.STATION, occupation="教师")
        people.registered(outsider, people.OTHER_STREET)
    assert queries() == before
