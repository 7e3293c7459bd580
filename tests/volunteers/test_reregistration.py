"""The yearly re-registration is recorded for this year or the next only: a registration
counts for every year up to the one recorded, so a far year would make it count for ever."""

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import selectors, services
from zhiyuan.volunteers.models import RegistrationPolicy, Volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(org: Callable[[str], Organization]) -> None:
    RegistrationPolicy.objects.create(organization=org("4306-GC"), reregistration_required=True)


def _registered_last_year(registrar: User) -> Volunteer:
    volunteer = people.registered(registrar)
    last_year = timezone.localdate().replace(year=timezone.localdate().year - 1, day=1)
    Volunteer.objects.filter(pk=volunteer.pk).update(registered_on=last_year)
    return volunteer


def _counts(volunteer: Volunteer, year: int) -> bool:
    return selectors.registered_volunteers(year=year).filter(pk=volunteer.pk).exists()


@pytest.mark.usefixtures("required")
def test_a_far_year_is_refused_so_nobody_counts_without_re_registering(registrar: User) -> None:
    volunteer = _registered_last_year(registrar)
    this_year = timezone.localdate().year
    for year in (this_year + 2, 2100, this_year - 1):
        with pytest.raises(ValidationError) as caught:
            services.reregister(volunteer, actor=registrar, year=year)
        assert list(caught.value.error_dict) == ["year"]
    volunteer.refresh_from_db()
    assert volunteer.reregistered_year is None
    assert not _counts(volunteer, this_year + 5)


@pytest.mark.usefixtures("required")
def test_this_year_and_the_next_are_recorded_and_never_lowered(registrar: User) -> None:
    volunteer = _registered_last_year(registrar)
    this_year = timezone.localdate().year
    services.reregister(volunteer, actor=registrar)
    assert _counts(volunteer, this_year) and not _counts(volunteer, this_year + 1)
    services.reregister(volunteer, actor=registrar, year=this_year + 1)
    with pytest.raises(ValidationError):
        services.reregister(volunteer, actor=registrar, year=this_year)
    volunteer.refresh_from_db()
    assert volunteer.reregistered_year == this_year + 1
    assert _counts(volunteer, this_year + 1) and not _counts(volunteer, this_year + 2)


def test_the_api_refuses_a_far_year(registrar: User, registered) -> None:
    volunteer = registered(registrar)
    _, token = AuthToken.objects.create(user=registrar)
    response = Client(HTTP_AUTHORIZATION=f"Token {token}").post(
        f"/api/v1/volunteers/{volunteer.pk}/reregister/",
        {"year": 2100},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["year"]
    volunteer.refresh_from_db()
    assert volunteer.reregistered_year is None
