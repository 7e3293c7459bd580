"""Periodic jobs of the assistance app (registered with `common.periodic`)."""

from zhiyuan.assistance import services
from zhiyuan.common.periodic import periodic_job


@periodic_job
def escalate_untaken_help_requests() -> None:
    """A help request nobody took within ASSISTANCE_ESCALATE_HOURS goes to the office above
    its station too, whose administrators are texted; once per request."""
    services.escalate_untaken_requests()
