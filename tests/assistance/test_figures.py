"""What the office sees of priority help: response times per station exact on a fixture (median
and maximum from request to taking), open requests by age, and scope: a district sees its
streets' stations, a street its own, other areas nothing."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tests.assistance.conftest import STATION, TAOHUASHAN
from tests.hours.conftest import local
from zhiyuan.accounts.models import User
from zhiyuan.assistance import selectors, services
from zhiyuan.assistance.models import HelpRequest
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def _at(request: HelpRequest, asked: datetime, taken: datetime | None = None) -> None:
    """Set when `request` was made and, when given, taken (by 郭亮社区's team)."""
    HelpRequest.objects.filter(pk=request.pk).update(created_at=asked)
    if taken is not None:
        request.refresh_from_db()
        team = selectors.routes_of(request)[-1].organization
        HelpRequest.objects.filter(pk=request.pk).update(
            status="taken", taken_at=taken, taken_for=team
        )


@pytest.fixture
def fixture_requests(
    registered: Callable[..., Volunteer], registrar: User, ask: Callable[..., HelpRequest]
) -> dict[str, HelpRequest]:
    """At 郭亮社区: four requests taken after 10 min, 30 min, 1 h 20 min 30 s and 4 h, one open
    since 2026-03-02 08:00; at 桃花山社区: one taken after 2 h, one open since 2026-03-01 09:00."""
    made: dict[str, HelpRequest] = {}
    spans = {
        "a": timedelta(minutes=10),
        "b": timedelta(minutes=30),
        "c": timedelta(hours=1, minutes=20, seconds=30),
        "d": timedelta(hours=4),
    }
    for index, (name, span) in enumerate(spans.items()):
        asked = local(f"2026-03-0{index + 1} 09:00")
        made[name] = ask(registered(registrar))
        _at(made[name], asked, asked + span)
    made["open"] = ask(registered(registrar))
    _at(made["open"], local("2026-03-02 08:00"))
    made["far"] = ask(registered(registrar), place=TAOHUASHAN)
    _at(made["far"], local("2026-03-03 10:00"), local("2026-03-03 12:00"))
    made["far_open"] = ask(registered(registrar), place=TAOHUASHAN)
    _at(made["far_open"], local("2026-03-01 09:00"))
    return made


def test_response_times_per_station_are_exact(
    fixture_requests: dict[str, HelpRequest], district_admin: User
) -> None:
    figures = selectors.response_times(selectors.in_office_scope(district_admin))
    assert [(f.station.code, f.count, f.median, f.max, f.open, f.oldest_open) for f in figures] == [
        (
            STATION,
            4,
            timedelta(minutes=55, seconds=15),  # (30 min + 1 h 20 min 30 s) / 2
            timedelta(hours=4),
            1,
            local("2026-03-02 08:00"),
        ),
        (
            "430602002001-ST",
            1,
            timedelta(hours=2),
            timedelta(hours=2),
            1,
            local("2026-03-01 09:00"),
        ),
    ]


def test_the_period_narrows_the_figures_to_the_requests_made_in_it(
    fixture_requests: dict[str, HelpRequest], district_admin: User
) -> None:
    rows = selectors.in_period(
        selectors.in_office_scope(district_admin),
        local("2026-03-02 00:00").date(),
        local("2026-03-03 00:00").date(),
    )
    figures = selectors.response_times(rows)
    assert [(f.station.code, f.count, f.median, f.max, f.open) for f in figures] == [
        (
            STATION,
            2,
            timedelta(minutes=55, seconds=15),
            timedelta(hours=1, minutes=20, seconds=30),
            1,
        ),
        ("430602002001-ST", 1, timedelta(hours=2), timedelta(hours=2), 0),
    ]


def test_an_odd_count_has_the_middle_span_as_its_median(
    fixture_requests: dict[str, HelpRequest], district_admin: User
) -> None:
    HelpRequest.objects.filter(pk=fixture_requests["d"].pk).delete()
    figures = selectors.response_times(selectors.in_office_scope(district_admin))
    assert (figures[0].count, figures[0].median, figures[0].max) == (
        3,
        timedelta(minutes=30),
        timedelta(hours=1, minutes=20, seconds=30),
    )


def test_each_office_sees_its_own_subtree_only(
    fixture_requests: dict[str, HelpRequest],
    street_admin: User,
    outsider: User,
    etdz_admin: User,
    team_leader: User,
    city_admin: User,
) -> None:
    def stations(user: User) -> list[str]:
        return [f.station.code for f in selectors.response_times(selectors.in_office_scope(user))]

    assert stations(city_admin) == [STATION, "430602002001-ST"]
    assert stations(street_admin) == [STATION]
    assert stations(outsider) == ["430602002001-ST"]
    assert stations(etdz_admin) == []
    open_for = {
        name: [r.pk for r in selectors.queue(user, by_age=True)]
        for name, user in [("street", street_admin), ("outsider", outsider), ("etdz", etdz_admin)]
    }
    assert open_for == {
        "street": [fixture_requests["open"].pk],
        "outsider": [fixture_requests["far_open"].pk],
        "etdz": [],
    }
    # the team's leader reaches the team's routes, not the station above it
    assert [r.pk for r in selectors.queue(team_leader)] == [fixture_requests["open"].pk]
    assert stations(team_leader) == []


def test_the_office_sees_open_requests_oldest_first(
    fixture_requests: dict[str, HelpRequest],
    city_admin: User,
    volunteer: Volunteer,
    ask: Callable[..., HelpRequest],
) -> None:
    newest = ask(volunteer, urgency=3)
    HelpRequest.objects.filter(pk=newest.pk).update(created_at=timezone.now())
    by_age = [r.pk for r in selectors.queue(city_admin, by_age=True)]
    assert by_age == [fixture_requests["far_open"].pk, fixture_requests["open"].pk, newest.pk]
    in_order = [r.pk for r in selectors.queue(city_admin)]
    assert in_order == [newest.pk, fixture_requests["far_open"].pk, fixture_requests["open"].pk]
    assert services.escalate_untaken_requests() == 2
