"""SMS backends (`SMS_BACKEND`): what the delivery task (`common/tasks.py`) sends through.

Messages are queued by `zhiyuan.common.outbox.send_sms`, never sent from a request. Backends
implement `send(message)` and raise `SmsDeliveryError` when the provider does not take the
message. The console backend logs the
message (the default, for the embedded set-up and development); the outbox backend keeps
messages in memory for tests; `zhiyuan.common.sms_aliyun.AliyunSmsBackend` sends through
Alibaba Cloud SMS (signature name and template codes from the settings).
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from zhiyuan.common.masking import mask_phone


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
    """Prints the message on the server's terminal (the phone number masked), once: the line
    the README shows, `[SMS] to 139****0003 password_reset_code: {'code': '123456'}`."""

    def send(self, message: SmsMessage) -> None:
        print(f"[SMS] to {mask_phone(message.mobile)} {message.template}: {message.params}")


class OutboxSmsBackend:
    """Keeps sent messages in `outbox` (tests read it, the way Django's locmem mail works)."""

    outbox: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> None:
        OutboxSmsBackend.outbox.append(message)


def backend() -> SmsBackend:
    backend_class: type[SmsBackend] = import_string(settings.SMS_BACKEND)
    return backend_class()
