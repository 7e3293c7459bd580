"""Outgoing SMS through a pluggable backend (`SMS_BACKEND`).

Backends implement `send(mobile, template, params)`. The console backend logs the message
(the default, for the embedded set-up and development); the outbox backend keeps messages in
memory for tests. Real providers (signature and template id) plug in through the same call.
"""

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from zhiyuan.common.masking import mask_phone

logger = logging.getLogger("zhiyuan.sms")


@dataclass(frozen=True)
class SmsMessage:
    mobile: str
    template: str
    params: dict[str, str]


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


def send_sms(mobile: str, template: str, params: dict[str, str]) -> None:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(SmsMessage(mobile=mobile, template=template, params=params))
