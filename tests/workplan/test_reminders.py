"""Reminders before a due date: through the periodic-job registry and the SMS outbox, once per
step, organisation and due date."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import override_settings

from tests.workplan.conftest import CITY, STREET, org, report
from zhiyuan.accounts.models import User
from zhiyuan.common.periodic import registered_jobs, run_jobs
from zhiyuan.common.sms import SmsMessage
from zhiyuan.workplan import selectors, services
from zhiyuan.workplan.models import StepReminder, WorkStep

pytestmark = pytest.mark.django_db


def _street_step(due: date) -> WorkStep:
    return services.save_step(
        org(CITY), actor=None, name="准备部署", due_date=due, levels=["street"]
    )


def test_reminders_go_once_per_step_organisation_and_due_date(
    outbox: list[SmsMessage], street_admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    today = date(2026, 5, 12)
    step = _street_step(date(2026, 5, 15))
    streets = list(selectors.reporting_organizations(org(CITY), ["street"]))
    report(step, org("430602002-SC"), User.objects.get(username="outsider"))
    assert services.send_reminders(today=today - timedelta(days=1), days=3) == 0  # 4 days ahead
    with django_capture_on_commit_callbacks(execute=True):
        reminded = services.send_reminders(today=today, days=3)
    assert reminded == len(streets) - 1
    assert services.send_reminders(today=today, days=3) == 0
    assert services.send_reminders(today=today + timedelta(days=1), days=3) == 0
    # Of the streets' administrators only street_admin has a mobile.
    assert [(m.mobile, m.template) for m in outbox] == [("13900000003", "workplan_step_reminder")]
    assert outbox[0].params["due"] == "2026-05-15"
    assert outbox[0].params["organization"] == "岳阳楼街道"
    assert outbox[0].params["link"].endswith(f"/workplan/steps/{step.pk}/{org(STREET).pk}/")
    assert StepReminder.objects.filter(organization__code="430602002-SC").count() == 0
    # The due date moves: one more reminder.
    services.save_step(
        org(CITY),
        actor=None,
        step=step,
        name="准备部署",
        due_date=date(2026, 5, 20),
        levels=["street"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(today=date(2026, 5, 18), days=3) == reminded
    assert len(outbox) == 2


@override_settings(WORKPLAN_REMIND_DAYS=3)
def test_the_periodic_job_sends_them(
    outbox: list[SmsMessage], street_admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    _street_step(selectors.local_today() + timedelta(days=2))
    assert "remind_work_steps" in registered_jobs()
    with django_capture_on_commit_callbacks(execute=True):
        assert run_jobs(["remind_work_steps"]) == {"remind_work_steps": "ok"}
        run_jobs(["remind_work_steps"])
    assert [m.mobile for m in outbox] == ["13900000003"]
