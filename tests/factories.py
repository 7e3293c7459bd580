"""factory_boy factories for objects the world fixture does not have."""

from typing import Any

import factory

from zhiyuan.accounts.models import User
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

