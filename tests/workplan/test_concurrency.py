"""The work plan under concurrency (PostgreSQL): a street's administrators reporting one step at
the same moment make one report, and two runs of the reminder job at once send one reminder
per step, organisation and due date."""

from datetime import timedelta

from django.core.exceptions import ValidationError

from tests.concurrency import at_once, postgres_only
from zhiyuan.accounts.models import Role, User
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.workplan import selectors, services
from zhiyuan.workplan.models import StepReminder, StepReport, WorkStep

pytestmark = postgres_only


def _step() -> WorkStep:
    return services.save_step(
        Organization.objects.get(code="4306-GC"),
        actor=None,
        name="并发步骤",
        due_date=selectors.local_today() + timedelta(days=2),
        levels=["street"],
    )


def test_four_reports_of_one_step_at_once_make_one(world_tx: None) -> None:
    step = _step()
    street = Organization.objects.get(code="430602001-SC")
    admins = [User.objects.get(username="street_admin")]
    for n in range(3):
        user = User.objects.create_user(f"wp_admin_{n}", "pw-123456789", name=f"管理{n}")
        Role.objects.create(user=user, organization=street, kind=RoleKind.ADMINISTRATOR)
        admins.append(user)

    def report(index: int) -> object:
        return services.report_step(
            step,
            street,
            actor=admins[index],
            responsible_person="张三",
            contact_phone="19900001111",
        )

    outcomes = at_once(4, report)
    made = [o for o in outcomes if isinstance(o, StepReport)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(made), len(refused)) == (1, 3), outcomes
    assert StepReport.objects.filter(step=step, organization=street).count() == 1


def test_the_reminder_job_run_three_times_at_once_reminds_once(world_tx: None) -> None:
    step = _step()
    sent = at_once(3, lambda _index: services.send_reminders(days=3))
    assert sum(sent) == 4  # the city's four streets, each claimed by one run only
    assert StepReminder.objects.filter(step=step).count() == 4
