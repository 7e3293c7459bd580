"""The SMS outbox: `send_sms` records a message encrypted (`OutboundSms`) and queues its delivery.

The delivery task gets the row's id only and calls the backend (`common/sms.py`). So a request
never waits for the provider (nor reveals by its timing whether a message went out), and no
number or code sits in clear in the task queue. This module sits above the task module: it
enqueues the task; the task calls only what lies below it.
"""

import json
from collections.abc import Iterable
from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from zhiyuan.common.models import OutboundSms
from zhiyuan.common.tasks import deliver_sms, deliver_sms_many

#: A bulk send's delivery tasks carry this many messages each (`send_sms_many`).
DELIVERY_BATCH = 500


def send_sms(mobile: str, template: str, params: dict[str, str]) -> None:
    """Queue an SMS of `template` with `params` to `mobile` (11-digit national form).

    The delivery task is enqueued when the current transaction commits (at once outside one).
    """
    sms = OutboundSms.objects.create(
        mobile=mobile, template=template, params=json.dumps(params, ensure_ascii=False)
    )
    transaction.on_commit(partial(deliver_sms.enqueue, sms.pk))


def send_sms_many(template: str, messages: Iterable[tuple[str, dict[str, str]]]) -> int:
    """Queue an SMS of `template` for each (mobile, params) of `messages` (a reminder to every
    volunteer below a line: hundreds of thousands), as `send_sms` would, in bulk: on
    PostgreSQL the numbers and parameters sealed with the keys looked up once and the rows
    written with COPY, their ids reserved from the table's sequence first (`bulk_create`
    elsewhere); one delivery task per DELIVERY_BATCH messages is enqueued when the current
    transaction commits. Returns how many were queued."""
    listed = [(mobile, json.dumps(params, ensure_ascii=False)) for mobile, params in messages]
    if not listed:
        return 0
    if connection.vendor == "postgresql":
        ids = _copy_sealed(template, listed)
    else:
        made = OutboundSms.objects.bulk_create(
            [OutboundSms(template=template, mobile=m, params=p) for m, p in listed],
            batch_size=2000,
        )
        ids = [sms.pk for sms in made]
    for start in range(0, len(ids), DELIVERY_BATCH):
        transaction.on_commit(
            partial(deliver_sms_many.enqueue, ids[start : start + DELIVERY_BATCH])
        )
    return len(ids)


def _copy_sealed(template: str, listed: list[tuple[str, str]]) -> list[int]:
    """PostgreSQL: reserve ids, seal each value, COPY the rows; returns the ids."""
    seal_mobile = OutboundSms._meta.get_field("mobile").get_prep_function()  # type: ignore[union-attr]
    seal_params = OutboundSms._meta.get_field("params").get_prep_function()  # type: ignore[union-attr]
    table = OutboundSms._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(listed)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        columns = "id, created_at, mobile, template, params, sent_at, attempts, last_error"
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for pk, (mobile, params) in zip(ids, listed, strict=True):
                copy.write_row(
                    (pk, now, seal_mobile(mobile), template, seal_params(params), None, 0, "")
                )
    return ids
