"""Background tasks of the common app. Tasks take ids, reload, and call one service."""

import json

from django.utils import timezone
from django_tasks import task

from zhiyuan.common import masking, sms
from zhiyuan.common.audit import origin_scope
from zhiyuan.common.enums import Origin
from zhiyuan.common.models import OutboundSms


class SmsDeliveryError(Exception):
    """The SMS backend failed; the message holds its error with the number masked."""


@task()
def deliver_sms(sms_id: int) -> bool:
    """Send one queued SMS through the configured backend; returns whether it was sent now.

    A message already sent is not sent again (a retried task is harmless). A backend error is
    recorded on the row and raised again as SmsDeliveryError, the number masked in both, so
    that the task is marked failed.
    """
    with origin_scope(Origin.TASK):
        message = OutboundSms.objects.filter(pk=sms_id, sent_at__isnull=True).first()
        if message is None:
            return False
        message.attempts += 1
        try:
            sms.backend().send(
                sms.SmsMessage(
                    mobile=message.mobile,
                    template=message.template,
                    params=json.loads(message.params or "{}"),
                )
            )
        except Exception as exc:
            # Providers name the number in their errors ("invalid mobile 139…"): the error is
            # kept on the row, and in the task queue's record, with the number masked.
            error = f"{type(exc).__name__}: {exc}".replace(
                message.mobile, masking.mask_phone(message.mobile)
            )
            message.last_error = error[:200]
            message.save(update_fields=["attempts", "last_error"])
            raise SmsDeliveryError(error) from None
        message.sent_at = timezone.now()
        message.params = ""
        message.save(update_fields=["attempts", "sent_at", "params"])
        return True
