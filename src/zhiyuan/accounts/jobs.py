"""Periodic jobs of the accounts app (registered with `common.periodic`)."""

from datetime import timedelta

from django.utils import timezone

from zhiyuan.accounts.models import SmsCode
from zhiyuan.common.periodic import periodic_job


@periodic_job
def prune_sms_codes() -> None:
    """One-time codes are deleted a day after they expire (the rate limits look back a day)."""
    SmsCode.objects.filter(expires_at__lt=timezone.now() - timedelta(days=1)).delete()
