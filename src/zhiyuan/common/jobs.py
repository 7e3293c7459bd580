"""Periodic jobs of the common app (registered with `common.periodic`)."""

from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from zhiyuan.common import exports
from zhiyuan.common.models import OutboundSms
from zhiyuan.common.periodic import periodic_job


@periodic_job
def clear_expired_sessions() -> None:
    call_command("clearsessions")


@periodic_job
def prune_sent_sms() -> None:
    """Sent messages are kept 30 days (for support questions), then deleted."""
    OutboundSms.objects.filter(sent_at__lt=timezone.now() - timedelta(days=30)).delete()


@periodic_job
def prune_task_results() -> None:
    """Finished background-task records of the database queue are kept 14 days."""
    backend = str(settings.TASKS["default"]["BACKEND"])
    if backend.startswith("django_tasks_db"):
        call_command("prune_db_task_results", min_age_days=14, verbosity=0)


@periodic_job
def purge_exports() -> None:
    """Export files hold personal data: deleted when their link expires (EXPORT_LINK_HOURS),
    the exports' records after EXPORT_RETENTION_DAYS."""
    exports.purge_exports()


@periodic_job
def fail_stalled_exports() -> None:
    """An export whose worker died ends as failed instead of "being prepared" for ever."""
    exports.fail_stalled_exports()
