"""Periodic jobs of the activities app (registered with `common.periodic`)."""

from zhiyuan.activities import services
from zhiyuan.common.periodic import periodic_job


@periodic_job
def finish_ended_activities() -> None:
    """A published activity whose last slot has ended is marked finished."""
    services.finish_ended_activities()
