"""A hand-checked fixture of the work plan on the test world's city (岳阳市, 4306-GC), with
frozen dates.

Under 岳阳楼街道 (430602001-SC, the board's root) the steps ask: the street's centre, the two
communities' stations 郭亮社区 (430602001001-ST) and 汴河社区 (430602001002-ST), and the unit
市二中 (U-WP-SCHOOL, added under the centre).

Steps of the city:
- A "准备部署", due 2026-05-15, asks streets, communities and units;
- B "规范建站", due 2026-06-15, asks streets and communities, links to stations.

Reports, all made on 2026-05-10 by street_admin and decided by district_admin:
- A: the centre accepted; 郭亮社区 awaiting review; 市二中 returned; 汴河社区 nothing.
- B: the centre returned; 郭亮社区 awaiting review (claiming its own station); 汴河社区 nothing.

So on 2026-05-14 (before both due dates): A done 1, pending 1, returned 1, missing 1;
B returned 1, pending 1, missing 1 (市二中 not asked). On 2026-05-16 A's three not accepted are
late; on 2026-06-16 B's three are late too.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.utils import translation
from freezegun import freeze_time

from zhiyuan.accounts.models import User
from zhiyuan.organizations.enums import OrgKind, OrgLevel, UnitCategory
from zhiyuan.organizations.models import Organization
from zhiyuan.workplan import services
from zhiyuan.workplan.models import StepReport, WorkStep

CITY = "4306-GC"
DISTRICT = "430602-GC"
STREET = "430602001-SC"
GUOLIANG = "430602001001-ST"
BIANHE = "430602001002-ST"
MADE_AT = "2026-05-10 02:00:00"  # UTC: 10:00 in Asia/Shanghai
BEFORE = date(2026, 5, 14)
AFTER_A = date(2026, 5, 16)
AFTER_B = date(2026, 6, 16)


@pytest.fixture(autouse=True)
def english(default_language: None) -> Iterator[None]:
    """The services' messages and the files' words are asserted in English (their msgids)."""
    with translation.override("en"):
        yield


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def add_unit(parent: str, code: str, name: str) -> Organization:
    unit = Organization(
        code=code,
        name=name,
        kind=OrgKind.WORK_UNIT,
        level=OrgLevel.STREET,
        unit_category=UnitCategory.CIVILISED_UNIT_SCHOOL,
    )
    return Organization.objects.add_child(org(parent), instance=unit)


def report(step: WorkStep, organization: Organization, actor: User, **extra: object) -> StepReport:
    return services.report_step(
        step,
        organization,
        actor=actor,
        responsible_person="张责任",
        contact_phone="19900001111",
        responsible_department="团委",
        **extra,  # type: ignore[arg-type]
    )


@dataclass
class Plan:
    city: Organization
    street: Organization
    guoliang: Organization
    bianhe: Organization
    unit: Organization
    a: WorkStep
    b: WorkStep


@pytest.fixture
def plan(db: None) -> Plan:
    city, street = org(CITY), org(STREET)
    unit = add_unit(STREET, "U-WP-SCHOOL", "市二中")
    a = services.save_step(
        city,
        actor=None,
        name="准备部署",
        due_date=date(2026, 5, 15),
        levels=["street", "community", "unit"],
    )
    b = services.save_step(
        city,
        actor=None,
        name="规范建站",
        due_date=date(2026, 6, 15),
        levels=["community", "street"],
        link="stations",
    )
    street_admin = User.objects.get(username="street_admin")
    district_admin = User.objects.get(username="district_admin")
    guoliang, bianhe = org(GUOLIANG), org(BIANHE)
    with freeze_time(MADE_AT):
        services.accept_report(report(a, street, street_admin), actor=district_admin)
        report(a, guoliang, street_admin)
        services.return_report(
            report(a, unit, street_admin), actor=district_admin, reason="缺少责任人名单"
        )
        services.return_report(
            report(b, street, street_admin, stations=[guoliang]),
            actor=district_admin,
            reason="站点尚未达标",
        )
        report(b, guoliang, street_admin)
    return Plan(city, street, guoliang, bianhe, unit, a, b)
