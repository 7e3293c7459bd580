"""Periodic jobs of the work plan (registered with `common.periodic`)."""

from zhiyuan.common.periodic import periodic_job
from zhiyuan.workplan import services


@periodic_job
def remind_work_steps() -> None:
    """Text the administrators of organisations that have not reported a step due within
    WORKPLAN_REMIND_DAYS days, once per step, organisation and due date
    (`services.send_reminders`)."""
    services.send_reminders()
