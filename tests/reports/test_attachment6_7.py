"""Attachments 6 (stations) and 7 (teams) from the hand-checked fixture
(tests/reports/statistics.py): the items as assessed on the reference date, counted volunteers
and members, activities and service hours of the year so far, subtotals, the city's own list of
items, and a fixed number of queries."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.factories import ActivityFactory, SlotFactory
from tests.reports.conftest import CITY, STREET_CENTRE
from tests.reports.statistics import Statistics
from zhiyuan.accounts.models import User
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import attachment6, attachment7
from zhiyuan.reports.standards import services as standards

STATIONS_HEADER = [
    *("Station", "Division", "Type", "Address"),
    *("Rules", "Place", "Team", "Ledgers", "Projects", "Signage", "Items met"),
    *("Its team", "Registered volunteers counted"),
    *("Activities this year", "Service hours this year"),
]
STATIONS = [
    [
        *("郭亮社区", "郭亮社区", "Community / village", "郭亮社区服务中心二楼"),
        *("Yes", "No", "Yes", "Yes", "Yes", "Yes", "5"),
        *("郭亮社区志愿服务队", "6", "2", "4.25"),
    ],
    [
        *("汴河社区", "汴河社区", "Community / village", "—"),
        *("Yes", "Yes", "Yes", "Yes", "Yes", "Yes", "6"),
        *("汴河社区志愿服务队", "0", "0", "0.00"),
    ],
    [
        *("Total: 2 stations", "", "", ""),
        *("2", "1", "2", "2", "2", "2", "1"),
        *("", "6", "2", "4.25"),
    ],
]
TEAMS_HEADER = [
    *("Team", "Kind", "Under", "Leader", "Contact", "Members"),
    *("Organisation", "People", "Place or recipients", "Activities", "Rules", "Items met"),
    *("Activities this year", "Service hours this year"),
]
TEAMS = [
    [
        *(
            "岳阳楼街道志愿服务队",
            "Service team",
            "岳阳楼街道志愿服务中心",
            "王队长",
            "138****8000",
        ),
        *("1", "—", "—", "—", "—", "—", "0", "0", "0.00"),
    ],
    [
        *("郭亮社区志愿服务队", "Service team", "郭亮社区志愿服务站", "刘队长", "—"),
        *("3", "Yes", "Yes", "Yes", "Yes", "No", "4", "1", "3.50"),
    ],
    [
        *("汴河社区志愿服务队", "Service team", "汴河社区志愿服务站", "—", "—"),
        *("0", "—", "—", "—", "—", "—", "0", "0", "0.00"),
    ],
    ["Total: 3 teams", "", "", "", "", "4", "1", "1", "1", "1", "0", "0", "1", "3.50"],
]


def texts(module: object, root: str, day: date) -> tuple[list[str], list[list[str]]]:
    with translation.override("en"):
        table = module.build(Organization.objects.get(code=root), day)  # type: ignore[attr-defined]
    return table.header, [row.texts for row in table.rows]


def test_the_street_stations_table_has_the_hand_checked_figures(statistics: Statistics) -> None:
    assert texts(attachment6, STREET_CENTRE, statistics.today) == (STATIONS_HEADER, STATIONS)


def test_the_street_teams_table_has_the_hand_checked_figures(statistics: Statistics) -> None:
    assert texts(attachment7, STREET_CENTRE, statistics.today) == (TEAMS_HEADER, TEAMS)


def test_a_past_date_shows_the_assessments_and_volunteers_standing_then(
    statistics: Statistics,
) -> None:
    """Five days ago 郭亮社区's place was still met (it was not from two days ago on), 汴河社区
    was not assessed yet, and only p4 (registered last year) counted."""
    _header, rows = texts(attachment6, STREET_CENTRE, statistics.today - timedelta(days=5))
    assert rows[0][4:13] == ["Yes"] * 6 + ["6", "郭亮社区志愿服务队", "1"]
    assert rows[1][4:13] == ["—"] * 6 + ["0", "汴河社区志愿服务队", "0"]
    assert rows[2][4:11] == ["1", "1", "1", "1", "1", "1", "1"]


def test_activities_and_hours_count_this_year_up_to_the_reference_date(
    statistics: Statistics,
) -> None:
    """A published activity of the team whose only slot is tomorrow does not count yet; the
    last-year activity, the draft, the cancelled one and the pending record never do."""
    SlotFactory(activity=ActivityFactory())  # tomorrow 09:00
    rows = texts(attachment6, STREET_CENTRE, statistics.today)[1]
    assert rows[0][-2:] == ["2", "4.25"]
    assert texts(attachment7, STREET_CENTRE, statistics.today)[1][1][-2:] == ["1", "3.50"]


def test_the_city_table_nests_the_stations_with_subtotals(statistics: Statistics) -> None:
    _header, rows = texts(attachment6, CITY, statistics.today)
    names = [row[0] for row in rows]
    assert names[:4] == ["郭亮社区", "汴河社区", "岳阳楼街道 subtotal: 2 stations", "桃花山社区"]
    district = rows[names.index("岳阳楼区 subtotal: 4 stations")]
    assert district[4:] == ["2", "1", "2", "2", "2", "2", "1", "", "6", "2", "4.25"]
    assert rows[-1][0] == "Total: 8 stations"
    _header, rows = texts(attachment7, CITY, statistics.today)
    assert rows[0][:3] == ["岳阳市志愿服务总队", "General service team", "岳阳市志愿者协会"]
    assert rows[-1][0] == "Total: 16 teams"


def test_the_citys_own_list_sets_the_columns(statistics: Statistics, city_admin: User) -> None:
    city = Organization.objects.get(code=CITY)
    standards.set_item_in_use(
        city, actor=city_admin, standard="station", code="signage", in_use=False
    )
    standards.save_item(
        city,
        actor=city_admin,
        standard="station",
        name="有志愿者之家",
        short_name="之家",
        name_en="A volunteers' home",
        short_name_en="Home",
    )
    header, rows = texts(attachment6, STREET_CENTRE, statistics.today)
    assert header[4:11] == ["Rules", "Place", "Team", "Ledgers", "Projects", "Home", "Items met"]
    assert rows[0][4:11] == ["Yes", "No", "Yes", "Yes", "Yes", "—", "4"]
    assert rows[-1][4:11] == ["2", "1", "2", "2", "2", "0", "0"]
    with translation.override("zh-hans"):
        table = attachment6.build(Organization.objects.get(code=STREET_CENTRE), statistics.today)
    assert table.header[9] == "之家"


def test_more_than_six_items_print_compact(statistics: Statistics, city_admin: User) -> None:
    street = Organization.objects.get(code=STREET_CENTRE)
    assert attachment6.build(street, statistics.today).compact is False  # the six haves
    standards.save_item(
        Organization.objects.get(code=CITY),
        actor=city_admin,
        standard="station",
        name="有志愿者之家",
        short_name="之家",
        name_en="A volunteers' home",
        short_name_en="Home",
    )
    table = attachment6.build(street, statistics.today)
    assert (len(table.columns), table.compact) == (16, True)
    assert attachment7.build(street, statistics.today).compact is False  # the five haves


def test_the_tables_cost_the_same_queries_however_many_stations_and_teams(
    statistics: Statistics,
) -> None:
    city = Organization.objects.get(code=CITY)

    def queries(module: object) -> int:
        with CaptureQueriesContext(connection) as captured:
            module.build(city, statistics.today)  # type: ignore[attr-defined]
        return len(captured)

    before = (queries(attachment6), queries(attachment7))
    for code in ("430602002001-ST", "430602002002-ST", "430602002001-TM"):
        standards.assess_item(
            Organization.objects.get(code=code),
            actor=User.objects.get(username="district_admin"),
            item="rules",
            met=True,
            assessed_on=statistics.today,
        )
    SlotFactory(activity=ActivityFactory(organizer=Organization.objects.get(code="430602002-TM")))
    assert (queries(attachment6), queries(attachment7)) == before
