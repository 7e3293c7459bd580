"""`zhiyuan send_hour_reminders`: the reminder run of a date from the command line."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.recognition.conftest import this_year
from zhiyuan.recognition.models import HourReminder


def test_the_command_reminds_once_for_a_date(volunteer) -> None:
    out = StringIO()
    with translation.override("en"):
        call_command("send_hour_reminders", "--date", f"{this_year()}-07-01", stdout=out)
        call_command("send_hour_reminders", "--date", f"{this_year()}-07-01", stdout=out)
    assert out.getvalue().splitlines() == ["1 reminder(s) queued.", "0 reminder(s) queued."]
    assert HourReminder.objects.get().day == date(this_year(), 7, 1)


def test_a_bad_date_is_refused() -> None:
    with translation.override("en"), pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_hour_reminders", "--date", "07-01")
