"""Periodic jobs of the reports app (registered with `common.periodic`)."""

from zhiyuan.common.periodic import periodic_job
from zhiyuan.reports.rounds import services


@periodic_job
def remind_reporting_rounds() -> None:
    """Text the administrators of organisations that have not submitted in a round due soon,
    at most once a day each (`rounds.services.send_reminders`)."""
    services.send_reminders()
