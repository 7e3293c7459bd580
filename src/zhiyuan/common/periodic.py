"""Periodic work, run by `zhiyuan run_periodic` from cron, a systemd timer or `make run`.

Each job is idempotent and safe to run at any interval; later capabilities (closing missed
check-outs, reminders, reporting deadlines) add their jobs to `JOBS`.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

logger = logging.getLogger("zhiyuan.periodic")


def clear_expired_sessions() -> None:
    call_command("clearsessions")


def prune_sms_codes() -> None:
    from zhiyuan.accounts.models import SmsCode

    SmsCode.objects.filter(expires_at__lt=timezone.now() - timedelta(days=1)).delete()


def prune_sent_sms() -> None:
    """Sent messages are kept 30 days (for support questions), then deleted."""
    from zhiyuan.common.models import OutboundSms

    OutboundSms.objects.filter(sent_at__lt=timezone.now() - timedelta(days=30)).delete()


def purge_roster_files() -> None:
    """Uploaded roster files hold personal data: deleted after ROSTER_RETENTION_DAYS."""
    from zhiyuan.volunteers.imports import purge_expired_files

    purge_expired_files()


def prune_task_results() -> None:
    from django.conf import settings

    backend = str(settings.TASKS["default"]["BACKEND"])
    if backend.startswith("django_tasks_db"):
        call_command("prune_db_task_results", min_age_days=14, verbosity=0)


JOBS: dict[str, Callable[[], None]] = {
    "clear_expired_sessions": clear_expired_sessions,
    "prune_sms_codes": prune_sms_codes,
    "prune_sent_sms": prune_sent_sms,
    "prune_task_results": prune_task_results,
    "purge_roster_files": purge_roster_files,
}


def run_jobs(names: list[str] | None = None) -> dict[str, str]:
    """Run the named jobs (all by default); one failing job does not stop the others.

    Returns job name -> "ok" or the error's text.
    """
    outcome: dict[str, str] = {}
    for name in names or list(JOBS):
        try:
            JOBS[name]()
            outcome[name] = "ok"
        except Exception as exc:
            logger.exception("periodic job %s failed", name)
            outcome[name] = f"{type(exc).__name__}: {exc}"
    return outcome
