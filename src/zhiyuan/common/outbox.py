"""The SMS outbox: `send_sms` records a message encrypted (`OutboundSms`) and queues its delivery.

The delivery task gets the row's id only and calls the backend (`common/sms.py`). So a request
never waits for the provider (nor reveals by its timing whether a message went out), and no
number or code sits in clear in the task queue. This module sits above the task module: it
enqueues the task; the task calls only what lies below it.
"""

import json
from functools import partial

from django.db import transaction

from zhiyuan.common.models import OutboundSms
from zhiyuan.common.tasks import deliver_sms


def send_sms(mobile: str, template: str, params: dict[str, str]) -> None:
    """Queue an SMS of `template` with `params` to `mobile` (11-digit national form).

    The delivery task is enqueued when the current transaction commits (at once outside one).
    """
    sms = OutboundSms.objects.create(
        mobile=mobile, template=template, params=json.dumps(params, ensure_ascii=False)
    )
    transaction.on_commit(partial(deliver_sms.enqueue, sms.pk))
