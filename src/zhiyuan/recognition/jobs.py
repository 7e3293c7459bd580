"""Periodic jobs of the recognition app (registered with `common.periodic`)."""

from zhiyuan.common.periodic import periodic_job
from zhiyuan.recognition.services import send_hour_reminders


@periodic_job
def remind_yearly_hours() -> None:
    """On a reminder date of a city's policy (1 July and 1 October by default), text each
    registered volunteer still below the yearly hours, once per date (idempotent: a second run
    that day sends nothing)."""
    send_hour_reminders()
