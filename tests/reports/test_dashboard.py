"""The dashboard, every office user's landing page: the figures of their subtree on the
hand-checked fixture (tests/reports/conftest.py), the to-do list, the charts' data and the
tables beside them, a fixed number of queries."""

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.reports.conftest import CITY, STREET_CENTRE, Fixture, targets_for_each_test
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import dashboard, selectors
from zhiyuan.reports.rounds import services as rounds
from zhiyuan.reports.rounds.models import SubmitterLevel
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


targets = targets_for_each_test()


def _org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def test_the_citys_headline_counts_each_volunteer_once_against_the_built_up_area(
    targets: Fixture,
) -> None:
    board = dashboard.build(_org(CITY), targets.today)
    h = board.headline
    # v1, v2, v4, v6 counted; v3 pending; v5 suspended. 10 % of 200000 = 20000.
    assert (h.counted, h.pending, h.rate, h.population, h.target) == (
        4,
        1,
        Decimal(10),
        200000,
        20000,
    )
    assert (h.share, h.completion, h.rate_text) == (Decimal("0.0"), Decimal("0.0"), "10%")


def test_a_communitys_headline_uses_the_community_rate_of_its_population(
    targets: Fixture,
) -> None:
    h = dashboard.build(_org("430602001001-ST"), targets.today).headline
    # 郭亮社区: v1, v2 counted, v3 pending; 15 % of 1000 = 150; 2 of 1000 = 0.2 %.
    assert (h.counted, h.pending, h.rate, h.population, h.target) == (2, 1, Decimal(15), 1000, 150)
    assert (h.share, h.completion) == (Decimal("0.2"), Decimal("1.3"))


def test_a_street_without_a_recorded_population_has_no_population_target(
    targets: Fixture,
) -> None:
    h = dashboard.build(_org(STREET_CENTRE), targets.today).headline
    assert (h.counted, h.pending, h.population, h.target, h.share) == (3, 1, None, None, None)
    assert h.missing_divisions == ("430602001000",)


def test_progress_by_child_puts_the_furthest_behind_first(targets: Fixture) -> None:
    street = dashboard.build(_org(STREET_CENTRE), targets.today)
    # Registered through it: 郭亮社区 v1, v2 (pending v3); 市一中 nobody (v1 registered through
    # 郭亮社区); the centre itself v4, last. The tasks: 市一中 counts v1 (pending v3) by work unit.
    assert [
        (
            p.name,
            p.counts.registered,
            p.counts.pending,
            p.target,
            p.counted_for_tasks,
            p.gap,
            p.completion,
        )
        for p in street.progress
    ] == [
        ("汴河社区", 0, 0, 15, 0, 15, Decimal("0.0")),
        ("郭亮社区", 2, 1, 150, 2, 148, Decimal("1.3")),
        ("市一中", 0, 0, 80, 1, 79, Decimal("1.3")),
        ("岳阳楼街道", 1, 0, None, 0, None, None),
    ]
    city = dashboard.build(_org(CITY), targets.today)
    # 岳阳楼区: v1, v2, v4, v6 registered through it (the headline's 4); its tasks 区政府办 10 +
    # 市一中 80 + 郭亮社区 150 + 汴河社区 15 = 255 targeted, 1+1+2+0 = 4 counted toward them
    # (1.6 %), and 无人数公司 counts 1 without a target: 5, v1 in two rows. The other districts
    # have no figures: no target, last.
    assert [
        (p.organization.code, p.counts.registered, p.target, p.counted_for_tasks, p.completion)
        for p in city.progress
    ] == [
        ("430602-GC", 4, 255, 5, Decimal("1.6")),
        ("430603-GC", 0, None, 0, None),
        ("YYETDZ-GC", 0, None, 0, None),
    ]


def test_registrations_and_confirmations_by_month(targets: Fixture) -> None:
    months = dashboard.build(_org(CITY), targets.today).months
    assert len(months) == 12
    assert months[-1].start == targets.today.replace(day=1)
    assert months[0].start == dashboard.month_starts(targets.today)[0]
    # All six applied today; five confirmed today (v5 since suspended: confirmed all the same).
    assert [(m.applied, m.confirmed) for m in months] == [(0, 0)] * 11 + [(6, 5)]


def test_a_confirmation_counts_in_its_own_month(targets: Fixture) -> None:
    earlier = targets.today.replace(day=1) - timedelta(days=1)
    Volunteer.objects.filter(name="张志愿", status="active").update(registered_on=earlier)
    months = dashboard.build(_org(CITY), targets.today).months
    # v5 (suspended since) keeps its confirmation today.
    assert [(m.applied, m.confirmed) for m in months[-2:]] == [(0, 4), (6, 1)]


def test_month_starts_cross_the_year() -> None:
    assert dashboard.month_starts(date(2026, 2, 10), 3) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


def test_composition_by_gender_age_band_and_political_status(
    targets: Fixture, registrar: User
) -> None:
    day = targets.today
    # Four counted men born 1990-01-01, the public. Add a woman of 17, a league member, and a
    # party member of exactly 60 today.
    minor_birth = dashboard.years_before(day, 17).strftime("%Y%m%d")
    people.registered(
        registrar,
        through=people.STATION,
        male=False,
        birth=minor_birth,
        political_status="league_member",
        age_basis="guardian_consent",
        guardian_name="李大明",
        guardian_relation="父亲",
        guardian_mobile=people.synthetic_mobile(),
    )
    sixty = dashboard.years_before(day, 60).strftime("%Y%m%d")
    people.registered(registrar, birth=sixty, political_status="probationary_party_member")
    makeup = dashboard.build(_org(CITY), day).composition
    assert makeup.gender == {"male": 5, "female": 1}
    assert makeup.age == {"under18": 1, "18-35": 0, "36-59": 4, "60+": 1}
    assert makeup.political == {"party": 1, "league": 1, "public": 4}
    assert makeup.total == 6


def test_years_before_a_leap_day() -> None:
    assert dashboard.years_before(date(2028, 2, 29), 18) == date(2010, 2, 28)
    assert dashboard.years_before(date(2026, 3, 1), 18) == date(2008, 3, 1)


def test_the_dashboard_costs_a_fixed_number_of_queries(targets: Fixture, registrar: User) -> None:
    city = _org(CITY)
    with CaptureQueriesContext(connection) as few:
        dashboard.build(city, targets.today)
    for _ in range(5):
        people.registered(registrar, through=people.STATION)
    with CaptureQueriesContext(connection) as more:
        dashboard.build(city, targets.today)
    assert len(more) == len(few)
    assert len(few) <= 24


# --- the page ----------------------------------------------------------------------------


def test_office_users_land_on_the_dashboard(
    login: Callable[[User], Client], street_admin: User
) -> None:
    assert login(street_admin).get("/")["Location"] == "/reports/dashboard/"


def test_the_page_gives_every_chart_as_a_table_and_its_data_as_json(
    targets: Fixture, login_en: Callable[[User], Client], street_admin: User
) -> None:
    page = login_en(street_admin).get("/reports/dashboard/").content.decode()
    assert '<b class="tile-value" id="counted">3</b>' in page
    assert '<b class="tile-value" id="pending">1</b>' in page
    table = re.search(r'<table class="numbers" id="progress-table">.*?</table>', page, re.S)
    assert table is not None
    rows = re.findall(r"<tr><th scope=\"row\"><a [^>]*>([^<]+)</a>", table.group(0))
    assert rows == ["汴河社区", "郭亮社区", "市一中"]
    data = json.loads(
        re.search(
            r'<script id="dashboard-data" type="application/json">(.*?)</script>', page, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    assert data["progress"] == {
        "names": ["汴河社区", "郭亮社区", "市一中"],
        "values": [0.0, 1.3, 1.3],
        "label": "Completion",
    }
    assert data["gender"]["items"] == [
        {"name": "Male", "value": 3},
        {"name": "Female", "value": 0},
    ]
    assert data["age"] == {
        "labels": ["Under 18", "18–35", "36–59", "60 and over"],
        "values": [0, 0, 3, 0],
    }
    assert '<script src="/static/vendor/echarts/dist/echarts.min.js"></script>' in page
    assert '<script src="/static/zhiyuan/dashboard.js"></script>' in page
    assert '<table class="plain" id="gender-table">' in page


def test_the_progress_chart_leaves_out_children_without_a_target(
    targets: Fixture, login_en: Callable[[User], Client], city_admin: User
) -> None:
    page = login_en(city_admin).get("/reports/dashboard/").content.decode()
    data = json.loads(
        re.search(
            r'<script id="dashboard-data" type="application/json">(.*?)</script>', page, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    assert (data["progress"]["names"], data["progress"]["values"]) == (["岳阳楼区"], [1.6])
    table = re.search(r'id="progress-table">.*?</table>', page, re.S).group(0)  # type: ignore[union-attr]
    assert table.count("no target") == 2


def test_the_to_do_list_counts_what_waits_in_the_area(
    targets: Fixture, login_en: Callable[[User], Client], street_admin: User
) -> None:
    page = login_en(street_admin).get("/reports/dashboard/").content.decode()
    todo = re.search(r'<ul class="todo-list">.*?</ul>', page, re.S).group(0)  # type: ignore[union-attr]
    items = re.findall(r'<a href="([^"]+)">([^<]+)</a> <b class="todo-count">(\d+)</b>', todo)
    assert items == [
        (
            "/volunteers/progress/?org=430602001-SC",
            "Applications awaiting the person&#x27;s confirmation",
            "1",
        ),
        ("/volunteers/work/memberships/", "Team applications", "0"),
        ("/volunteers/work/requests/", "Volunteers&#x27; requests", "0"),
    ]


def test_the_open_round_is_on_the_street_and_the_city_to_do_lists(
    targets: Fixture, login_en: Callable[[User], Client], city_admin: User, street_admin: User
) -> None:
    today = selectors.local_today()
    opened = rounds.open_round(
        _org(CITY),
        actor=city_admin,
        title="六月报表",
        tables=["attachment3"],
        reference_date=today,
        due_date=today + timedelta(days=10),
        submitter_level=SubmitterLevel.STREETS,
    )
    street = login_en(street_admin).get("/reports/dashboard/").content.decode()
    assert (
        f'<a href="/reports/rounds/{opened.pk}/">Submit the tables of “六月报表” for 岳阳楼街道志愿服务中心</a>'
        in street
    )
    city = login_en(city_admin).get("/reports/dashboard/").content.decode()
    assert f'<a href="/reports/rounds/{opened.pk}/">六月报表</a>' in city
    assert "0 of 4 submitted" in city
    rounds.submit_tables(opened, _org(STREET_CENTRE), actor=street_admin)
    street = login_en(street_admin).get("/reports/dashboard/").content.decode()
    assert "Submit the tables of" not in street
    assert "1 of 4 submitted" in login_en(city_admin).get("/reports/dashboard/").content.decode()


def test_a_user_without_roles_sees_an_explanation(login_en: Callable[[User], Client]) -> None:
    page = login_en(User.objects.get(username="nobody")).get("/reports/dashboard/")
    assert page.status_code == 200
    assert "Your roles cover no organisation" in page.content.decode()


def test_another_area_is_chosen_inside_the_scope_only(
    targets: Fixture, login_en: Callable[[User], Client], street_admin: User
) -> None:
    client = login_en(street_admin)
    page = client.get("/reports/dashboard/", {"org": "430602001001-ST"}).content.decode()
    assert "Dashboard · 郭亮社区志愿服务站" in page
    outside = client.get("/reports/dashboard/", {"org": "430602002-SC"}).content.decode()
    assert "Dashboard · 岳阳楼街道志愿服务中心" in outside
    assert "No organisation you can see matches “430602002-SC”." in outside
