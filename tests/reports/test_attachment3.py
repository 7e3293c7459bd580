"""Attachment 3's figures from the hand-checked fixture (tests/reports/conftest.py): exact
targets (rounded up), completion rounded half up, the headcount in force on a past date, pending
applications beside and never in the counts, units without a headcount listed, subtotals."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.reports.conftest import CITY, STREET_CENTRE, Fixture, targets_for_each_test
from tests.volunteers import people
from zhiyuan.organizations.enums import OrgKind, OrgLevel, UnitCategory
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import attachment3
from zhiyuan.reports.models import Headcount
from zhiyuan.reports.tables import ceil_share, percent
from zhiyuan.volunteers.models import Volunteer

targets = targets_for_each_test()


PARTY = "Party and government organ, people's organisation"
SCHOOL = "Civilised unit, school or university"
VILLAGE = "Civilised village, town or community"
COMPANY = "Enterprise or public institution"
NO_POPULATION = "not recorded"

# unit, category, headcount, rate, target, registered, pending, gap, completion
CITY_TODAY = [
    ["区政府办", PARTY, "16", "60%", "10", "1", "0", "9", "10.0%"],
    ["郭亮社区", VILLAGE, "1000", "15%", "150", "2", "1", "148", "1.3%"],
    ["汴河社区", VILLAGE, "99", "15%", "15", "0", "0", "15", "0.0%"],
    ["市一中", SCHOOL, "114", "70%", "80", "1", "1", "79", "1.3%"],
    ["岳阳楼街道 subtotal", "", "", "", "245", "3", "2", "242", "1.2%"],
    ["桃花山社区", VILLAGE, NO_POPULATION, "15%", "—", "0", "0", "—", "—"],
    ["朝阳社区", VILLAGE, NO_POPULATION, "15%", "—", "0", "0", "—", "—"],
    ["无人数公司", COMPANY, "not recorded", "50%", "—", "1", "0", "—", "—"],
    ["三眼桥街道 subtotal", "", "", "", "0", "1", "0", "0", "—"],
    ["岳阳楼区 subtotal", "", "", "", "255", "5", "2", "251", "1.6%"],
    ["八字门社区", VILLAGE, NO_POPULATION, "15%", "—", "0", "0", "—", "—"],
    ["文桥社区", VILLAGE, NO_POPULATION, "15%", "—", "0", "0", "—", "—"],
    ["长岭街道 subtotal", "", "", "", "0", "0", "0", "0", "—"],
    ["云溪区 subtotal", "", "", "", "0", "0", "0", "0", "—"],
    ["亮山", VILLAGE, NO_POPULATION, "15%", "—", "0", "0", "—", "—"],
    ["茶场", VILLAGE, NO_POPULATION, "15%", "—", "0", "0", "—", "—"],
    ["经济技术开发区通海路管理处 subtotal", "", "", "", "0", "0", "0", "0", "—"],
    ["岳阳经济技术开发区 subtotal", "", "", "", "0", "0", "0", "0", "—"],
    ["Total", "", "", "", "255", "5", "2", "251", "1.6%"],
    [
        "岳阳市 as a whole (built-up area)",
        "Built-up area population",
        "200000",
        "10%",
        "20000",
        "4",
        "1",
        "19996",
        "0.0%",
    ],
]


def texts(root: str, day: object) -> list[list[str]]:
    organization = Organization.objects.get(code=root)
    with translation.override("en"):
        table = attachment3.table(
            attachment3.allocation(organization, day), preparer="", prepared_on=day
        )
        return [row.texts for row in table.rows]


def test_the_city_table_today_has_the_hand_checked_figures(targets: Fixture) -> None:
    assert texts(CITY, targets.today) == CITY_TODAY


def test_a_street_table_lists_its_units_and_closes_with_the_total(targets: Fixture) -> None:
    assert texts(STREET_CENTRE, targets.today) == [
        ["郭亮社区", VILLAGE, "1000", "15%", "150", "2", "1", "148", "1.3%"],
        ["汴河社区", VILLAGE, "99", "15%", "15", "0", "0", "15", "0.0%"],
        ["市一中", SCHOOL, "114", "70%", "80", "1", "1", "79", "1.3%"],
        ["Total", "", "", "", "245", "3", "2", "242", "1.2%"],
    ]


def test_a_past_date_uses_the_headcount_then_in_force_and_counts_nobody_registered_since(
    targets: Fixture,
) -> None:
    rows = texts(STREET_CENTRE, targets.before)
    assert rows[2] == ["市一中", SCHOOL, "50", "70%", "35", "0", "0", "35", "0.0%"]
    assert rows[-1] == ["Total", "", "", "", "200", "0", "0", "200", "0.0%"]


def test_before_any_headcount_the_unit_is_listed_without_one(targets: Fixture) -> None:
    rows = texts(STREET_CENTRE, targets.today - timedelta(days=800))
    assert rows[2] == ["市一中", SCHOOL, "not recorded", "70%", "—", "0", "0", "—", "—"]


def test_pending_applications_are_shown_beside_and_never_counted(targets: Fixture) -> None:
    result = attachment3.allocation(Organization.objects.get(code=CITY), targets.today)
    school = next(line for line in result.lines() if line.organization == targets.school)
    assert (school.counts.registered, school.counts.pending) == (1, 1)
    assert result.area is not None
    assert (result.area.counts.registered, result.area.counts.pending) == (4, 1)
    assert (result.total.counts.registered, result.total.counts.pending) == (5, 2)


def test_a_suspended_registration_does_not_count(targets: Fixture) -> None:
    result = attachment3.allocation(Organization.objects.get(code=CITY), targets.today)
    office = next(line for line in result.lines() if line.organization == targets.office)
    assert office.counts.registered == 1  # v4; v5 was suspended


def test_a_future_date_is_refused(targets: Fixture) -> None:
    city = Organization.objects.get(code=CITY)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        attachment3.allocation(city, targets.today + timedelta(days=1))
    assert refused.value.message_dict == {"date": ["The reference date cannot be in the future."]}


@pytest.mark.parametrize(
    ("rate", "whole", "target"),
    [
        ("70", 114, 80),
        ("60", 16, 10),
        ("15", 1000, 150),
        ("15", 99, 15),
        ("12.5", 8, 1),
        ("60", 0, 0),
        ("33.33", 3, 1),
        ("50", 101, 51),
    ],
)
def test_targets_are_rounded_up(rate: str, whole: int, target: int) -> None:
    assert ceil_share(Decimal(rate), whole) == target


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [
        (1, 80, "1.3"),
        (1, 16, "6.3"),
        (1, 40, "2.5"),
        (2, 150, "1.3"),
        (3, 245, "1.2"),
        (4, 20000, "0.0"),
        (1, 2000, "0.1"),
        (2, 3, "66.7"),
        (5, 4, "125.0"),
    ],
)
def test_percentages_are_rounded_half_up_to_one_decimal(part: int, whole: int, shown: str) -> None:
    assert str(percent(part, whole)) == shown


def test_no_percentage_of_nothing() -> None:
    assert percent(3, 0) is None


def test_the_table_costs_the_same_queries_however_many_units_and_volunteers(
    targets: Fixture, registrar: Any
) -> None:
    city = Organization.objects.get(code=CITY)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            attachment3.table(
                attachment3.allocation(city, targets.today), preparer="", prepared_on=targets.today
            )
        return len(captured)

    before = queries()
    centre = Organization.objects.get(code=STREET_CENTRE)
    for n in range(5):
        unit = Organization.objects.add_child(
            centre,
            instance=Organization(
                code=f"U-MORE-{n}",
                name=f"新单位{n}",
                kind=OrgKind.WORK_UNIT,
                level=OrgLevel.STREET,
                unit_category=UnitCategory.ENTERPRISE_INSTITUTION,
            ),
        )
        Headcount.objects.create(organization=unit, headcount=10 + n, valid_from=targets.today)
        people.registered(registrar, work_unit=unit.code)
    assert queries() == before


def test_a_subtree_counts_nothing_registered_outside_it(targets: Fixture) -> None:
    """With a second tree beside the city's, the city's table counts only its own volunteers,
    and a street's only the street's, whether or not the subtree is the whole database."""
    other = Organization.objects.add_root(
        instance=Organization(
            code="OTHER-GC", name="另一城市", kind=OrgKind.GUIDANCE_COMMITTEE, level=OrgLevel.CITY
        )
    )
    city = Organization.objects.get(code=CITY)
    before = attachment3.allocation(city, targets.today)
    # As a transfer saves it: the organisation and the copy of its path on the row.
    moved = Volunteer.objects.filter(work_unit=targets.company).update(
        organization=other, organization_path=other.path
    )
    assert moved == 1
    after = attachment3.allocation(city, targets.today)
    assert before.area is not None and after.area is not None
    assert (before.area.counts.registered, after.area.counts.registered) == (4, 3)
    street = attachment3.allocation(Organization.objects.get(code=STREET_CENTRE), targets.today)
    assert (street.total.counts.registered, street.total.counts.pending) == (3, 2)
