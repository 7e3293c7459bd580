"""Periodic jobs of the activities app (registered with `common.periodic`)."""

from zhiyuan.activities import services
from zhiyuan.common.periodic import periodic_job


@periodic_job
def finish_ended_activities() -> None:
    """A published activity whose last slot has ended is marked finished."""
    services.finish_ended_activities()


@periodic_job
def release_unregistered_signups() -> None:
    """Sign-ups for slots not yet started of people who are no longer registered volunteers
    (not re-registered when the year turned, or ended by a path that told nobody) are
    cancelled and their places given to the waiting list."""
    services.release_unregistered_signups()
