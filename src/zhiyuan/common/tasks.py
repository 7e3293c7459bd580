"""Background tasks of the common app. Tasks take ids, reload, and call one service."""

import json

from django.utils import timezone
from django_tasks import task

from zhiyuan.common import masking, sms
from zhiyuan.common.audit import origin_scope
from zhiyuan.common.enums import Origin
from zhiyuan.common.exports import build_export
from zhiyuan.common.models import Export, OutboundSms
from zhiyuan.common.sms import SmsDeliveryError

# Parameter values this long or longer are blanked out of error texts (one-time codes have six
# digits, links and names more); shorter ones ("10" minutes) would only garble the text.
_SCRUBBED_PARAM_LENGTH = 4


@task()
def deliver_sms(sms_id: int) -> bool:
    """Send one queued SMS through the configured backend; returns whether it was sent now.

    A message already sent is not sent again (a retried task is harmless). A backend error is
    recorded on the row (`attempts`, `last_error`) and raised again as SmsDeliveryError, so
    that the task is marked failed; in both the number is masked and parameter values are
    blanked, and the original exception is not chained (its traceback could quote them).
    A failed message is not retried automatically: a reset code is valid for minutes and the
    person can ask for another, and providers answer repeated sends with rate limits.
    """
    with origin_scope(Origin.TASK):
        message = OutboundSms.objects.filter(pk=sms_id, sent_at__isnull=True).first()
        if message is None:
            return False
        message.attempts += 1
        params = json.loads(message.params or "{}")
        try:
            sms.backend().send(
                sms.SmsMessage(mobile=message.mobile, template=message.template, params=params)
            )
        except Exception as exc:
            # Providers name the number, even the text, in their errors ("invalid mobile
            # 139…"): the error is kept on the row, and in the task queue's record, scrubbed.
            error = _scrubbed(_describe(exc), message.mobile, params)
            message.last_error = error[:200]
            message.save(update_fields=["attempts", "last_error"])
            code = exc.code if isinstance(exc, SmsDeliveryError) else ""
            raise SmsDeliveryError(error, code) from None
        message.sent_at = timezone.now()
        message.params = ""
        message.save(update_fields=["attempts", "sent_at", "params"])
        return True


@task()
def deliver_sms_many(sms_ids: list[int]) -> int:
    """Send the queued SMS of a bulk send (`outbox.send_sms_many`) one after the other, as
    `deliver_sms` sends each; one that fails is recorded on its row and the others still go.
    Returns how many were sent now."""
    sent = 0
    for sms_id in sms_ids:
        try:
            sent += deliver_sms.call(sms_id)
        except SmsDeliveryError:
            continue
    return sent


def _describe(exc: Exception) -> str:
    # A backend's own delivery error already says what failed; anything else is named by type.
    if isinstance(exc, SmsDeliveryError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _scrubbed(text: str, mobile: str, params: dict[str, str]) -> str:
    text = text.replace(mobile, masking.mask_phone(mobile))
    for value in params.values():
        if len(str(value)) >= _SCRUBBED_PARAM_LENGTH:
            text = text.replace(str(value), "***")
    return text


@task()
def build_export_task(export_id: int) -> str:
    """Write the file of a queued export (`exports.build_export`); returns its status."""
    with origin_scope(Origin.TASK):
        export = Export.objects.filter(pk=export_id).first()
        if export is None:  # deleted meanwhile (its retention ended)
            return ""
        return build_export(export).status
