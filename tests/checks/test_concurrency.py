"""What happens at once on PostgreSQL: the same report sent twice, one item's outcome recorded
twice, one case decided twice. Each ends with exactly one, and the others are told why."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.concurrency import at_once, postgres_only
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.checks import services
from zhiyuan.checks.enums import Decision, Outcome
from zhiyuan.checks.models import Case, CheckItem, ReportLinkUse
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import RegistrationStatus
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.report_links import report_link

pytestmark = postgres_only


def _campaign() -> Any:
    for _ in range(3):
        people.registered(User.objects.get(username="registrar"))
    today = timezone.localdate()
    return services.open_campaign(
        Organization.objects.get(code=people.STREET),
        actor=None,
        title="并发",
        subject="registrations",
        period_start=date(today.year, 1, 1),
        period_end=today,
        sample_size=1,
        seed=5,
    )


def _code(result: Any) -> str:
    return str(result.code) if isinstance(result, ValidationError) else type(result).__name__


def test_the_same_report_sent_ten_times_at_once_opens_one_case(world_tx: None) -> None:
    volunteer = people.registered(User.objects.get(username="registrar"))

    results = at_once(
        10, lambda _i: services.report_not_me(Volunteer.objects.get(pk=volunteer.pk)).pk
    )

    assert [r for r in results if not isinstance(r, int)] == []
    assert len(set(results)) == 1
    assert Case.objects.filter(volunteer=volunteer).count() == 1


def test_one_sms_link_used_ten_times_at_once_reports_once(world_tx: None) -> None:
    volunteer = people.registered(User.objects.get(username="registrar"))
    token = report_link(volunteer.pk).rstrip("/").rsplit("/", 1)[1]

    results = at_once(
        10,
        lambda _i: (
            services.report_through_link(
                Volunteer.objects.get(pk=volunteer.pk), None, token=token
            ).pk
        ),
    )

    case = Case.objects.get(volunteer=volunteer)
    assert sorted(str(r) if isinstance(r, int) else _code(r) for r in results) == sorted(
        [str(case.pk)] + ["link_used"] * 9
    )
    assert ReportLinkUse.objects.get().case == case


def test_one_items_outcome_recorded_by_two_at_once_is_recorded_once(world_tx: None) -> None:
    item = _campaign().items.get()
    checker = User.objects.get(username="checker")
    outcomes = [Outcome.CONFIRMED, Outcome.DENIES_REGISTRATION]

    results = at_once(
        2,
        lambda i: (
            services.record_outcome(
                CheckItem.objects.get(pk=item.pk), actor=checker, outcome=outcomes[i], note="否认"
            ).outcome
        ),
    )

    recorded = CheckItem.objects.get(pk=item.pk).outcome
    values = [r if isinstance(r, str) else _code(r) for r in results]
    assert sorted(values) == sorted(["done", recorded])
    assert recorded in results
    assert Case.objects.count() == (1 if recorded == Outcome.DENIES_REGISTRATION else 0)


def test_one_case_decided_by_two_at_once_is_decided_once(world_tx: None) -> None:
    item = _campaign().items.get()
    services.record_outcome(item, actor=None, outcome=Outcome.DENIES_REGISTRATION, note="否认")
    case = Case.objects.get()
    deciders = [User.objects.get(username="street_admin"), User.objects.get(username="city_admin")]

    results = at_once(
        2,
        lambda i: (
            services.decide_case(
                Case.objects.get(pk=case.pk),
                actor=deciders[i],
                decision=Decision.REGISTRATION_CANCELLED,
                note="代注册",
            ).decision
        ),
    )

    values = [r if isinstance(r, str) else _code(r) for r in results]
    assert sorted(values) == sorted(["closed", Decision.REGISTRATION_CANCELLED])
    assert Volunteer.objects.get(pk=item.volunteer_id).status == RegistrationStatus.CANCELLED
    assert Case.objects.get(pk=case.pk).decided_by in deciders
