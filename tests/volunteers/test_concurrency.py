"""Confirmations running at the same time (PostgreSQL): registration numbers stay distinct and
gap-free per body and year (issue 3, Attachment 2), and one person ends with one registration
(issue 3 §8: the first confirmed wins, the other application is closed)."""

import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError

from tests.concurrency import at_once, in_pool, postgres_only
from tests.volunteers import people
from tests.volunteers.people import OTHER_STREET, STREET, synthetic_id
from zhiyuan.accounts.models import User
from zhiyuan.common.models import OutboundSms
from zhiyuan.common.sms import SmsMessage
from zhiyuan.volunteers import selectors, services
from zhiyuan.volunteers.enums import RegistrationStatus
from zhiyuan.volunteers.models import RegistrationBody, RegistrationNumberSequence, Volunteer
from zhiyuan.volunteers.services import registration

pytestmark = postgres_only

REGISTRAR_OF = {STREET: "registrar", OTHER_STREET: "outsider"}


def new_application(org_code: str, **options: Any) -> int:
    """The pk of an application with the body of `org_code`, entered by its registrar; no SMS."""
    return people.apply(User.objects.get(username=REGISTRAR_OF[org_code]), org_code, **options).pk


def confirm_pk(pk: int) -> Volunteer:
    """Confirm application `pk` in person, as its body's registrar (on this thread's connection)."""
    volunteer = Volunteer.objects.select_related("body__organization").get(pk=pk)
    return people.confirm(
        volunteer, User.objects.get(username=REGISTRAR_OF[volunteer.body.organization.code])
    )


def numbers(org_code: str, first: int, last: int) -> list[str]:
    """The registration numbers `first`..`last` of this year at the body of `org_code`."""
    point = RegistrationBody.objects.get(organization__code=org_code)
    policy = selectors.policy_for(point.organization)
    year = selectors.local_today().year
    return [services.format_number(policy, point, year, seq) for seq in range(first, last + 1)]


def last_value(org_code: str) -> int:
    return RegistrationNumberSequence.objects.get(
        body__organization__code=org_code, year=selectors.local_today().year
    ).last_value


def test_200_confirmations_under_one_body_through_50_connections_get_200_consecutive_numbers(
    world_tx: None, outbox: list[SmsMessage]
) -> None:
    """Issue 3, "Done when": 200 confirmations under one body, driven through 50 concurrent
    connections (PostgreSQL's default limit is 100), give 200 distinct, consecutive numbers
    and no errors. The body has no sequence row for the year yet, so the first of them also
    race to create it."""
    pks = [new_application(STREET) for _ in range(200)]
    assert not RegistrationNumberSequence.objects.exists()

    results = in_pool(50, pks, confirm_pk)

    assert [r for r in results if not isinstance(r, Volunteer)] == []
    issued = [volunteer.registration_number for volunteer in results]
    assert len(set(issued)) == 200
    assert sorted(issued) == numbers(STREET, 1, 200)  # sequence parts exactly 1..200
    assert last_value(STREET) == 200
    stored = dict(
        Volunteer.objects.filter(status=RegistrationStatus.ACTIVE).values_list(
            "pk", "registration_number"
        )
    )
    assert stored == {volunteer.pk: volunteer.registration_number for volunteer in results}
    confirmed_sms = [m.params["number"] for m in outbox if m.template == "registration_confirmed"]
    assert sorted(confirmed_sms) == numbers(STREET, 1, 200)


def test_first_confirmations_of_the_year_at_two_bodies_at_once_each_start_at_1(
    world_tx: None,
) -> None:
    """Both bodies create their year's sequence row at the same moment (four confirmations
    each, so each row's get_or_create also races with itself): no error, each starts at 1."""
    pks = [new_application(STREET) for _ in range(4)] + [
        new_application(OTHER_STREET) for _ in range(4)
    ]
    assert not RegistrationNumberSequence.objects.exists()

    results = at_once(8, lambda index: confirm_pk(pks[index]))

    assert [r for r in results if not isinstance(r, Volunteer)] == []
    assert sorted(v.registration_number for v in results[:4]) == numbers(STREET, 1, 4)
    assert sorted(v.registration_number for v in results[4:]) == numbers(OTHER_STREET, 1, 4)
    assert last_value(STREET) == last_value(OTHER_STREET) == 4
    assert RegistrationNumberSequence.objects.count() == 2


def test_one_person_applied_with_two_bodies_confirmed_at_both_at_once_ends_with_one_registration(
    world_tx: None,
) -> None:
    """Issue 3 §8: the first confirmed wins and the other application is closed with the
    "already registered" refusal. Five people, each confirmed at both bodies at the same
    moment (ten threads): no database error (no IntegrityError from the one-registration
    constraint, no deadlock), one active registration each, and each body's numbers are
    still gap-free."""
    persons = []
    for _ in range(5):
        document = synthetic_id()
        persons.append(
            (
                new_application(STREET, document_number=document),
                new_application(OTHER_STREET, document_number=document),
            )
        )
    jobs = [pk for pair in persons for pk in pair]

    results = at_once(len(jobs), lambda index: confirm_pk(jobs[index]))

    database_errors = [r for r in results if isinstance(r, DatabaseError)]
    assert database_errors == []
    for index, (first, second) in enumerate(persons):
        outcomes = results[2 * index : 2 * index + 2]
        won = [o for o in outcomes if isinstance(o, Volunteer)]
        lost = [o for o in outcomes if isinstance(o, ValidationError)]
        assert len(won) == 1, outcomes
        assert len(lost) == 1, outcomes
        assert lost[0].error_dict["document_number"][0].code == "already_registered"
        assert won[0].body.organization.name in lost[0].messages[0]
        statuses = dict(
            Volunteer.objects.filter(pk__in=[first, second]).values_list("pk", "status")
        )
        loser = second if won[0].pk == first else first
        assert statuses == {won[0].pk: RegistrationStatus.ACTIVE, loser: RegistrationStatus.CLOSED}
    won_at = Counter(
        Volunteer.objects.filter(status=RegistrationStatus.ACTIVE).values_list(
            "body__organization__code", flat=True
        )
    )
    assert sum(won_at.values()) == 5
    for code in (STREET, OTHER_STREET):
        assert sorted(
            Volunteer.objects.filter(
                status=RegistrationStatus.ACTIVE, body__organization__code=code
            ).values_list("registration_number", flat=True)
        ) == numbers(code, 1, won_at[code])


def test_one_application_confirmed_twice_at_once_is_numbered_once_and_leaves_no_gap(
    world_tx: None,
) -> None:
    """Three applications, each confirmed by two registrars' clicks at the same moment: three
    numbers, three clean "not awaiting confirmation" refusals, and the next confirmation
    takes the very next number."""
    pks = [new_application(STREET) for _ in range(3)]
    after = new_application(STREET)
    jobs = [pk for pk in pks for _ in range(2)]

    results = at_once(6, lambda index: confirm_pk(jobs[index]))

    confirmed = [r for r in results if isinstance(r, Volunteer)]
    refused = [r for r in results if not isinstance(r, Volunteer)]
    assert sorted(v.pk for v in confirmed) == pks
    assert [(type(r), r.code) for r in refused] == [(ValidationError, "not_applied")] * 3
    assert sorted(v.registration_number for v in confirmed) == numbers(STREET, 1, 3)
    assert confirm_pk(after).registration_number == numbers(STREET, 4, 4)[0]
    assert last_value(STREET) == 4


def test_a_confirmation_failing_after_taking_a_number_gives_it_back_to_those_waiting(
    world_tx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A confirmation takes number 1 and then fails (its audit write fails: injected) while
    three others wait for the body's sequence row; its rollback gives 1 back, they take 1..3,
    and the failed application, confirmed again, takes 4: no gap."""
    doomed, *others = [new_application(STREET) for _ in range(4)]
    took: list[str] = []
    holding = threading.Event()
    real_audit = registration.audit

    def failing_audit(actor: Any, action: str, volunteer: Volunteer, **data: Any) -> None:
        if action == "volunteer.registration.confirmed" and volunteer.pk == doomed:
            took.append(data["number"])
            holding.set()
            time.sleep(0.5)  # the others are now queued on the sequence row
            raise RuntimeError("audit store unavailable")
        real_audit(actor, action, volunteer, **data)

    monkeypatch.setattr(registration, "audit", failing_audit)

    def work(index: int) -> Volunteer:
        if index == 0:
            return confirm_pk(doomed)
        assert holding.wait(timeout=10)
        return confirm_pk(others[index - 1])

    results = at_once(4, work)

    assert took == numbers(STREET, 1, 1)
    assert isinstance(results[0], RuntimeError)
    assert sorted(v.registration_number for v in results[1:]) == numbers(STREET, 1, 3)
    assert Volunteer.objects.get(pk=doomed).status == RegistrationStatus.APPLIED
    monkeypatch.setattr(registration, "audit", real_audit)
    assert confirm_pk(doomed).registration_number == numbers(STREET, 4, 4)[0]
    assert last_value(STREET) == 4
    assert OutboundSms.objects.filter(template="registration_confirmed").count() == 4
