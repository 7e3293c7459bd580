"""Reminder runs and applications at the same moment (PostgreSQL, real threads): a volunteer is
texted once per date, and one level is asked for once."""

from datetime import date

from django.utils import timezone

from tests.concurrency import at_once, postgres_only
from tests.recognition.conftest import NAMES
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.common.models import OutboundSms
from zhiyuan.recognition import services
from zhiyuan.recognition.models import HourReminder

pytestmark = postgres_only


def test_two_reminder_runs_at_once_text_each_volunteer_once(world_tx: None) -> None:
    registrar = User.objects.get(username="registrar")
    made = [people.registered(registrar, name="并发" + NAMES[n]) for n in range(6)]
    day = date(timezone.localdate().year, 7, 1)
    sent = at_once(4, lambda _i: services.send_hour_reminders(day=day))
    assert sorted(sent) == [0, 0, 0, 6]
    assert HourReminder.objects.filter(day=day).count() == 6
    assert OutboundSms.objects.filter(template="hour_reminder").count() == len(made)
