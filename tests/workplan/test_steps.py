"""A city's steps: the plan's defaults, steps added and changed, bad input refused."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.workplan.conftest import CITY, STREET, org
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.workplan import selectors, services
from zhiyuan.workplan.models import WorkStep

pytestmark = pytest.mark.django_db


def test_the_plans_steps_are_created_once_with_their_dates_and_levels(city_admin: User) -> None:
    city = org(CITY)
    added = services.create_plan_steps(city, actor=city_admin, year=2026)
    assert [
        (s.code, s.due_date, s.levels, s.link, s.position) for s in selectors.city_steps(city)
    ] == [
        ("preparation", date(2026, 5, 15), ["district", "street", "unit"], "", 1),
        ("stations", date(2026, 6, 15), ["street", "community"], "stations", 2),
        ("recruitment", date(2026, 6, 15), ["district", "street", "community", "unit"], "", 3),
        ("archives", date(2026, 6, 15), ["district", "street", "unit"], "round", 4),
        ("activities", date(2026, 12, 31), ["district", "street", "community", "unit"], "", 5),
    ]
    assert len(added) == 5
    assert added[0].name == "准备部署：明确责任部门和人员并上报"
    assert services.create_plan_steps(city, actor=city_admin, year=2027) == []
    assert WorkStep.objects.filter(organization=city).count() == 5
    assert AuditEntry.objects.filter(action="workplan.step.added").count() == 5


def test_only_a_citys_administrators_set_its_steps(district_admin: User) -> None:
    with pytest.raises(PermissionDenied):
        services.create_plan_steps(org(CITY), actor=district_admin, year=2026)
    with pytest.raises(PermissionDenied):  # a street is not a city, even for the operator
        services.create_plan_steps(org(STREET), actor=None, year=2026)
    assert not WorkStep.objects.exists()


def test_a_step_is_added_and_changed_with_the_changes_audited(city_admin: User) -> None:
    city = org(CITY)
    step = services.save_step(
        city,
        actor=city_admin,
        name=" 上报 责任人 ",
        due_date=date(2026, 5, 15),
        levels=["unit", "district"],
    )
    assert (step.code, step.name, step.levels, step.position) == (
        "step1",
        "上报 责任人",
        ["district", "unit"],
        1,
    )
    services.save_step(
        city,
        actor=city_admin,
        step=step,
        name="上报责任人",
        due_date=date(2026, 5, 20),
        levels=["district", "unit"],
    )
    step.refresh_from_db()
    assert step.due_date == date(2026, 5, 20)
    entry = AuditEntry.objects.get(action="workplan.step.changed")
    assert entry.data["changed"] == {
        "name": ["上报 责任人", "上报责任人"],
        "due_date": ["2026-05-15", "2026-05-20"],
    }


def test_bad_steps_are_refused_by_field_and_nothing_is_written(city_admin: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.save_step(
            org(CITY),
            actor=city_admin,
            name="",
            due_date=None,
            levels=["street", "planet"],
            link="moon",
        )
    assert caught.value.message_dict == {
        "name": ["Give the step a name."],
        "due_date": ["Give the due date."],
        "levels": ["Unknown level: planet."],
        "link": ["Choose what the step's reports link to."],
    }
    with pytest.raises(ValidationError) as caught:
        services.save_step(
            org(CITY), actor=city_admin, name="x", due_date=date(2026, 5, 1), levels=[]
        )
    assert caught.value.message_dict == {
        "levels": ["Choose at least one level the step applies to."]
    }
    assert not WorkStep.objects.exists()


def test_a_retired_step_leaves_the_list_and_comes_back(city_admin: User) -> None:
    city = org(CITY)
    services.create_plan_steps(city, actor=city_admin, year=2026)
    first = selectors.city_steps(city)[0]
    services.set_step_in_use(first, actor=city_admin, in_use=False)
    assert selectors.city_steps(city)[0].code == "stations"
    assert len(selectors.city_steps(city, retired=True)) == 5
    services.set_step_in_use(first, actor=city_admin, in_use=True)
    assert selectors.city_steps(city)[0].code == "preparation"


def test_everyone_in_the_city_sees_its_steps_and_nobody_outside(
    street_admin: User, team_leader: User, nobody: User, city_admin: User
) -> None:
    services.create_plan_steps(org(CITY), actor=city_admin, year=2026)
    assert selectors.visible_steps(street_admin).count() == 5
    assert selectors.visible_steps(team_leader).count() == 5
    assert selectors.visible_steps(nobody).count() == 0
