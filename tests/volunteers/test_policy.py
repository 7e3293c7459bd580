"""The registration policy: per organisation, inherited down the tree, set by administrators."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.volunteers.people import OTHER_STREET
from zhiyuan.volunteers import selectors, services
from zhiyuan.volunteers.models import RegistrationBody, RegistrationPolicy

pytestmark = pytest.mark.django_db


def test_policy_is_inherited_from_the_nearest_ancestor(city_admin, street_admin, org) -> None:
    assert selectors.policy_for(org("430602001001-ST")).minimum_age == 14
    services.set_policy(org("4306-GC"), actor=city_admin, minimum_age=16, own_income_age=16)
    services.set_policy(org("430602001-SC"), actor=street_admin, reregistration_required=True)
    station = selectors.policy_for(org("430602001001-ST"))
    assert (station.organization.code, station.reregistration_required) == ("430602001-SC", True)
    assert selectors.policy_for(org("430602002-SC")).minimum_age == 16


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"minimum_age": 19}, "minimum_age"),
        ({"number_format": "{code}{seq:06d}"}, "number_format"),
        ({"number_format": "{code}{yy}{seq:06d}{oops}"}, "number_format"),
        ({"number_format": "{code}{yy}{seq:d"}, "number_format"),
        # Literal braces, attributes, unpadded or padded-in-front sequences: numbers of one
        # body could meet another's, or its own from another year.
        ({"number_format": "{{code}}{yy}{seq:06d}"}, "number_format"),
        ({"number_format": "{code}{yy}{seq:06d}{seq.real}"}, "number_format"),
        ({"number_format": "{code}{yy}1{seq}"}, "number_format"),
        ({"number_format": "{yy}{code}{seq:06d}"}, "number_format"),
        ({"privacy_notice_version": " "}, "privacy_notice_version"),
    ],
)
def test_bad_policies_are_refused_and_nothing_is_saved(city_admin, org, fields, key) -> None:
    with pytest.raises(ValidationError) as raised:
        services.set_policy(org("4306-GC"), actor=city_admin, **fields)
    assert list(raised.value.message_dict) == [key]
    assert not RegistrationPolicy.objects.exists()


def test_only_administrators_set_a_policy(registrar, org) -> None:
    with pytest.raises(PermissionDenied):
        services.set_policy(org("430602001-SC"), actor=registrar, minimum_age=15)


def test_number_format_of_the_policy_is_used(city_admin, org) -> None:
    policy = services.set_policy(
        org("4306-GC"), actor=city_admin, number_format="{code}-{yyyy}-{seq:05d}"
    )
    body = RegistrationBody(code="4306021")
    assert services.format_number(policy, body, 2026, 7) == "4306021-2026-00007"


def test_policy_page_saves_for_admins_and_is_read_only_for_registrars(
    street_admin, registrar, login
) -> None:
    url = reverse("volunteers:policy") + "?org=430602001-SC"
    data = {
        "minimum_age": 14,
        "adult_age": 18,
        "own_income_age": 16,
        "reregistration_required": "on",
        "number_format": "{code}{yy}{seq:06d}",
        "privacy_notice_version": "2026-2",
    }
    assert login(registrar).post(url, data).status_code == 403
    assert login(street_admin).post(url, data).status_code == 302
    policy = RegistrationPolicy.objects.get(organization__code="430602001-SC")
    assert (policy.reregistration_required, policy.privacy_notice_version) == (True, "2026-2")


def test_a_number_already_issued_is_refused_not_a_server_error(
    registrar, outsider, org, apply, registered
) -> None:
    """A policy saved before formats were checked ("{{code}}" prints a literal "{code}") made
    two bodies issue one number: the database refused it with a 500."""
    RegistrationPolicy.objects.create(
        organization=org("4306-GC"), number_format="{{code}}{yy}{seq:06d}"
    )
    first = registered(registrar)
    applied = apply(outsider, OTHER_STREET)
    with pytest.raises(ValidationError) as raised:
        services.confirm_in_person(applied, actor=outsider, reason="本人到场签字")
    assert raised.value.code == "number_taken"
    applied.refresh_from_db()
    assert (applied.status, applied.registration_number) == ("applied", None)
    assert first.registration_number.startswith("{code}")
