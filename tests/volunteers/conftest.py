"""The fixtures that make volunteers: `apply`, `registered` and `confirm` hand a test the
functions of tests/volunteers/people.py (synthetic people, through the services).
tests/conftest.py imports these fixtures, so every test directory has the same ones."""

from collections.abc import Callable

import pytest

from tests.volunteers import people
from zhiyuan.volunteers.models import Volunteer


@pytest.fixture
def apply() -> Callable[..., Volunteer]:
    """`apply(actor, body=people.STREET, *, through=, name=, birth=, male=, document_number=,
    mobile=, channel=, send_confirmation=False, today=, **person)`: an application."""
    return people.apply


@pytest.fixture
def registered() -> Callable[..., Volunteer]:
    """`registered(actor, body=people.STREET, **options)`: an application of `apply`'s options,
    confirmed in person by `actor` (active, numbered)."""
    return people.registered


@pytest.fixture
def confirm() -> Callable[..., Volunteer]:
    """`confirm(volunteer, actor, *, reason=people.IN_PERSON)`: an application confirmed in
    person."""
    return people.confirm
