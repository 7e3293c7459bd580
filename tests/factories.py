"""factory_boy factories for plain rows the world fixture does not have.

Rows that hang off the world default to its places and personas (岳阳楼街道's centre, its
registrar, 郭亮社区's team); volunteers come from tests/volunteers/people.py, through the
services, as every path makes them. Pass any field to override it. The factories write rows
directly: they check no permission and write no audit entry, so use the services wherever
those are what the test is about.
"""

import hashlib
from datetime import datetime, time, timedelta
from typing import Any

import factory
from django.utils import timezone

from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.activities.enums import ActivityStatus, SignUpStatus
from zhiyuan.activities.models import Activity, Category, SignUp, Slot
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.enums import OrgKind, OrgLevel, UnitCategory
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import RequestKind
from zhiyuan.volunteers.models import (
    Delegation,
    Membership,
    RegistrationBody,
    RosterImport,
    Volunteer,
    VolunteerRequest,
)

STREET_CENTRE = people.STREET
DISTRICT_COMMITTEE = "430602-GC"  # 岳阳楼区's guidance committee
TEAM = "430602001001-TM"  # 郭亮社区's service team, led by team_leader
GUOLIANG = "430602001001"  # 郭亮社区, the team's community


def _organization(code: str) -> factory.LazyFunction:
    return factory.LazyFunction(lambda: Organization.objects.get(code=code))


def _registrar() -> User:
    return User.objects.get(username="registrar")


def _registered_volunteer() -> Volunteer:
    return people.registered(_registrar())


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    name = factory.Sequence(lambda n: f"志愿者{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-9")


class WorkUnitFactory(factory.django.DjangoModelFactory):
    """A work unit under `parent` (required), added through treebeard."""

    class Meta:
        model = Organization

    code = factory.Sequence(lambda n: f"UNIT-{n:05d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = OrgKind.WORK_UNIT
    level = OrgLevel.STREET
    unit_category = UnitCategory.ENTERPRISE_INSTITUTION

    @classmethod
    def _create(
        cls, model_class: type[Organization], *args: Any, parent: Organization, **kwargs: Any
    ) -> Organization:
        return Organization.objects.add_child(parent, instance=model_class(**kwargs))


class RegistrationBodyFactory(factory.django.DjangoModelFactory):
    """A registration body; by default of a new work unit under 岳阳楼区's committee, with a
    code (99…) no body of the world has."""

    class Meta:
        model = RegistrationBody

    organization = factory.SubFactory(WorkUnitFactory, parent=_organization(DISTRICT_COMMITTEE))
    code = factory.Sequence(lambda n: f"99{n:05d}")


class DelegationFactory(factory.django.DjangoModelFactory):
    """A live delegation, granted by the city's administrator: a new work unit under the
    body's organisation registers for it."""

    class Meta:
        model = Delegation

    body = factory.SubFactory(RegistrationBodyFactory)
    organization = factory.SubFactory(
        WorkUnitFactory, parent=factory.SelfAttribute("..body.organization")
    )
    granted_by = factory.LazyFunction(lambda: User.objects.get(username="city_admin"))


class MembershipFactory(factory.django.DjangoModelFactory):
    """An application (status applied) of a newly registered volunteer to 郭亮社区's team."""

    class Meta:
        model = Membership

    volunteer = factory.LazyFunction(_registered_volunteer)
    team = _organization(TEAM)


class VolunteerRequestFactory(factory.django.DjangoModelFactory):
    """An open correction request of a newly registered volunteer."""

    class Meta:
        model = VolunteerRequest

    volunteer = factory.LazyFunction(_registered_volunteer)
    kind = RequestKind.CORRECTION
    message = "名字写错了"


class RosterImportFactory(factory.django.DjangoModelFactory):
    """A roster uploaded to 岳阳楼街道's centre by its registrar, waiting to be checked (no
    file content: set `content` and the counts for the state a test needs)."""

    class Meta:
        model = RosterImport

    body = factory.LazyFunction(
        lambda: RegistrationBody.objects.get(organization__code=STREET_CENTRE)
    )
    organization = factory.SelfAttribute("body.organization")
    uploaded_by = factory.LazyFunction(_registrar)
    filename = factory.Sequence(lambda n: f"名册{n}.xlsx")
    file_sha256 = factory.Sequence(lambda n: hashlib.sha256(f"roster {n}".encode()).hexdigest())
    file_size = 4096
    consent_affirmed = True


def culture() -> Category:
    """The category 文化. Seeded by the migration; made again here for transactional tests,
    whose flush empties every table, the seeded ones too."""
    return Category.objects.get_or_create(
        code="culture", defaults={"kind": "category", "name": "文化", "name_en": "Culture"}
    )[0]


def _tomorrow_at(hour: int) -> datetime:
    """`hour` o'clock tomorrow in Asia/Shanghai, as an aware instant."""
    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour)))


class ActivityFactory(factory.django.DjangoModelFactory):
    """A published public activity of 郭亮社区's team (culture, at 郭亮社区), created and
    published by team_leader; no slots (add them with `SlotFactory(activity=…)`)."""

    class Meta:
        model = Activity

    organizer = _organization(TEAM)
    title = factory.Sequence(lambda n: f"社区读书会{n}")
    category = factory.LazyFunction(culture)
    address = "岳阳楼区郭亮社区活动室"
    division = factory.LazyFunction(lambda: Division.objects.get(code=GUOLIANG))
    status = ActivityStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    created_by = factory.LazyFunction(lambda: User.objects.get(username="team_leader"))
    published_by = factory.SelfAttribute("created_by")


class SlotFactory(factory.django.DjangoModelFactory):
    """Tomorrow 09:00–12:00 in Asia/Shanghai, 10 places, of a new `ActivityFactory`."""

    class Meta:
        model = Slot

    activity = factory.SubFactory(ActivityFactory)
    starts_at = factory.LazyFunction(lambda: _tomorrow_at(9))
    ends_at = factory.LazyAttribute(lambda slot: slot.starts_at + timedelta(hours=3))
    capacity = 10


class SignUpFactory(factory.django.DjangoModelFactory):
    """A confirmed sign-up of a newly registered volunteer for a new `SlotFactory` slot, made
    by the volunteer (no capacity check: use the services where that is the point)."""

    class Meta:
        model = SignUp

    slot = factory.SubFactory(SlotFactory)
    volunteer = factory.LazyFunction(_registered_volunteer)
    status = SignUpStatus.CONFIRMED
