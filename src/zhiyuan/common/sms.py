"""Outgoing SMS through a pluggable backend (`SMS_BACKEND`), delivered by a background task.

`send_sms` records the message in the encrypted outbox (`OutboundSms`) and enqueues the
delivery task with the row's id only; the task calls the backend. So a request never waits
for the provider (nor reveals by its timing whether a message went out), and no number or
code sits in clear in the task queue. Backends implement `send(message)` and raise
`SmsDeliveryError` when the provider does not take the message. The console backend logs the
message (the default, for the embedded set-up and development); the outbox backend keeps
messages in memory for tests; `zhiyuan.common.sms_aliyun.AliyunSmsBackend` sends through
Alibaba Cloud SMS (signature name and template codes from the settings).
"""

import json
import logging
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from zhiyuan.common.masking import mask_phone

logger = logging.getLogger("zhiyuan.sms")


@dataclass(frozen=True)
class SmsMessage:
    mobile: str
    template: str
    params: dict[str, str]


class SmsDeliveryError(Exception):
    """The message did not go out. `code` is the provider's error code ("" when there is none).

    The text names the provider's code, never the number or the parameters (they may hold a
    one-time code): it is kept on the outbox row and in the task queue's record.
    """

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> None: ...


class ConsoleSmsBackend:
    """Prints the message to the server log (the phone number masked)."""

    def send(self, message: SmsMessage) -> None:
        logger.info(
            "SMS to %s [%s] %s", mask_phone(message.mobile), message.template, message.params
        )
        print(f"[SMS] to {mask_phone(message.mobile)} {message.template}: {message.params}")


class OutboxSmsBackend:
    """Keeps sent messages in `outbox` (tests read it, the way Django's locmem mail works)."""

    outbox: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> None:
        OutboxSmsBackend.outbox.append(message)


def backend() -> SmsBackend:
    backend_class: type[SmsBackend] = import_string(settings.SMS_BACKEND)
    return backend_class()


def send_sms(mobile: str, template: str, params: dict[str, str]) -> None:
    """Queue an SMS of `template` with `params` to `mobile` (11-digit national form).

    The delivery task is enqueued when the current transaction commits (at once outside one).
    """
    from zhiyuan.common.models import OutboundSms
    from zhiyuan.common.tasks import deliver_sms

    sms = OutboundSms.objects.create(
        mobile=mobile, template=template, params=json.dumps(params, ensure_ascii=False)
    )
    transaction.on_commit(partial(deliver_sms.enqueue, sms.pk))
