"""Reporting rounds under concurrency (PostgreSQL): a street's administrators clicking
"submit" at the same moment make one submission, and two runs of the reminder job at once
send one reminder per organisation and day."""

from datetime import timedelta

from django.core.exceptions import ValidationError

from tests.concurrency import at_once, postgres_only
from zhiyuan.accounts.models import Role, User
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import selectors
from zhiyuan.reports.rounds import services
from zhiyuan.reports.rounds.models import RoundReminder, Submission, SubmitterLevel

pytestmark = postgres_only


def _round() -> object:
    today = selectors.local_today()
    return services.open_round(
        Organization.objects.get(code="4306-GC"),
        actor=User.objects.get(username="city_admin"),
        title="并发报表",
        tables=["attachment3"],
        reference_date=today,
        due_date=today + timedelta(days=2),
        submitter_level=SubmitterLevel.STREETS,
        remind_days_before=3,
    )


def test_four_submissions_of_one_street_at_once_make_one(world_tx: None) -> None:
    opened = _round()
    street = Organization.objects.get(code="430602001-SC")
    admins = [User.objects.get(username="street_admin")]
    for n in range(3):
        user = User.objects.create_user(f"street_admin_{n}", "pw-123456789", name=f"管理{n}")
        Role.objects.create(user=user, organization=street, kind=RoleKind.ADMINISTRATOR)
        admins.append(user)

    def submit(index: int) -> object:
        return services.submit_tables(opened, street, actor=admins[index])

    outcomes = at_once(4, submit)
    made = [o for o in outcomes if isinstance(o, Submission)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(made), len(refused)) == (1, 3), outcomes
    rows = Submission.objects.filter(round=opened, organization=street)
    assert list(rows.values_list("sequence", "status")) == [(1, "submitted")]
    assert rows.get().tables.count() == 1


def test_the_reminder_job_run_twice_at_once_reminds_once_a_day(world_tx: None) -> None:
    opened = _round()
    sent = at_once(3, lambda _index: services.send_reminders())
    assert sum(sent) == 4  # each organisation claimed by one run or another, never two
    reminders = RoundReminder.objects.filter(round=opened)
    assert reminders.count() == 4
    assert reminders.values("day").distinct().count() == 1
