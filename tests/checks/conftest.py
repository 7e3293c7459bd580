"""Fixtures of the spot-check tests: a small population in 岳阳楼区 registered today through two
streets' bodies by three channels, and a helper that opens a campaign over the district."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.checks import services
from zhiyuan.checks.models import Campaign
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import RegistrationChannel
from zhiyuan.volunteers.models import Volunteer

DISTRICT = "430602-GC"


def _registered(actor: User | None, confirmer: User, body: str, channel: str) -> Volunteer:
    return people.confirm(people.apply(actor, body, channel=channel), confirmer)


@pytest.fixture
def population(db: None) -> dict[str, list[Volunteer]]:
    """15 registered volunteers: 岳阳楼街道's body (4306003) 6 entered by the registrar, 3
    imported, 1 self-registered; 三眼桥街道's body (4306004) 5 entered by its administrator."""
    registrar = User.objects.get(username="registrar")
    outsider = User.objects.get(username="outsider")
    made: dict[str, list[Volunteer]] = {"registrar": [], "import": [], "self": [], "other": []}
    for _ in range(6):
        made["registrar"].append(
            _registered(registrar, registrar, people.STREET, RegistrationChannel.REGISTRAR)
        )
    for _ in range(3):
        made["import"].append(
            _registered(registrar, registrar, people.STREET, RegistrationChannel.IMPORT)
        )
    made["self"].append(_registered(None, registrar, people.STREET, RegistrationChannel.SELF))
    for _ in range(5):
        made["other"].append(
            _registered(outsider, outsider, people.OTHER_STREET, RegistrationChannel.REGISTRAR)
        )
    return made


@pytest.fixture
def open_check(db: None) -> Callable[..., Campaign]:
    """`open_check(actor=district_admin, **terms)`: a registrations spot check of 岳阳楼区 for
    today, sample size 5 and seed 42 unless `terms` say otherwise."""

    def make(actor: User | None = None, **terms: Any) -> Campaign:
        today = timezone.localdate()
        options: dict[str, Any] = {
            "title": "第二季度抽查",
            "subject": "registrations",
            "period_start": date(today.year, 1, 1),
            "period_end": today,
            "sample_size": 5,
            "seed": 42,
        }
        options.update(terms)
        return services.open_campaign(
            Organization.objects.get(code=terms.pop("area", DISTRICT)),
            actor=actor or User.objects.get(username="district_admin"),
            **{k: v for k, v in options.items() if k != "area"},
        )

    return make
