"""factory_boy factories for objects the world fixture does not have."""

from typing import Any

import factory

from zhiyuan.accounts.models import User
from zhiyuan.common.identity import resident_id_check_character
from zhiyuan.organizations.enums import OrgKind, OrgLevel, UnitCategory
from zhiyuan.organizations.models import Organization


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
    headcount = 100

    @classmethod
    def _create(
        cls, model_class: type[Organization], *args: Any, parent: Organization, **kwargs: Any
    ) -> Organization:
        return Organization.objects.add_child(parent, instance=model_class(**kwargs))


_serial = iter(range(1, 10**6))


def synthetic_id(birth: str = "19900101", *, area: str = "430602", male: bool = True) -> str:
    """A synthetic resident ID number with a valid check character (never a real person's:
    the sequence numbers come from a test counter)."""
    number = next(_serial) % 500
    sequence = f"{number * 2 + (1 if male else 0):03d}"
    first17 = f"{area}{birth}{sequence}"
    return first17 + resident_id_check_character(first17)


_mobiles = iter(range(10**7))


def synthetic_mobile() -> str:
    """A valid mainland mobile number from the 199 range, unique within a test run."""
    return f"1990{next(_mobiles):07d}"


def person_data(**overrides: Any) -> dict[str, Any]:
    """Valid raw registration data (rules.PERSON_FIELDS) for an adult; override any field."""
    data: dict[str, Any] = {
        "name": "张志愿",
        "document_type": "resident_id",
        "document_number": synthetic_id(),
        "political_status": "public",
        "education": "undergraduate",
        "ethnicity": "01",
        "mobile": synthetic_mobile(),
        "skills": ["first_aid"],
        "service_intentions": ["community_service"],
        "available_times": ["weekend"],
    }
    data.update(overrides)
    return data
