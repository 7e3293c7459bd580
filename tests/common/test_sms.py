"""SMS goes through the encrypted outbox and a background task, on every task backend."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from zhiyuan.common.models import OutboundSms
from zhiyuan.common.outbox import send_sms
from zhiyuan.common.sms import SmsDeliveryError, SmsMessage
from zhiyuan.common.tasks import deliver_sms

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db
def test_message_is_delivered_when_the_transaction_commits(
    outbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_sms("13900001111", "password_reset_code", {"code": "123456"})
        assert outbox == []
    for callback in callbacks:
        callback()
    assert outbox == [
        SmsMessage(mobile="13900001111", template="password_reset_code", params={"code": "123456"})
    ]
    sms = OutboundSms.objects.get()
    assert sms.sent_at is not None
    assert sms.params == ""
    assert sms.attempts == 1


@pytest.mark.django_db
def test_number_and_code_are_not_stored_in_clear(django_capture_on_commit_callbacks) -> None:
    send_sms("13900002222", "password_reset_code", {"code": "654321"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile, params FROM common_outboundsms")
        mobile, params = cursor.fetchone()
    assert "13900002222" not in mobile
    assert "654321" not in params


@override_settings(TASKS=DATABASE_TASKS)
def test_database_worker_delivers_queued_messages(outbox, transactional_db) -> None:
    send_sms(
        "13900003333", "account_invitation", {"link": "http://x/invite/1/"}
    )  # autocommit: enqueued now
    assert outbox == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT args_kwargs FROM django_tasks_database_dbtaskresult")
        (args,) = cursor.fetchone()
    assert "13900003333" not in str(args)
    call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)
    assert [m.mobile for m in outbox] == ["13900003333"]
    assert OutboundSms.objects.get().sent_at is not None


class FailingSmsBackend:
    """A provider that refuses the number, naming it in its error (providers do)."""

    def send(self, message: SmsMessage) -> None:
        raise ValueError(f"invalid mobile {message.mobile} for template {message.template}")


@pytest.mark.django_db
@override_settings(SMS_BACKEND="tests.common.test_sms.FailingSmsBackend")
def test_a_provider_error_is_kept_and_raised_with_the_number_masked() -> None:
    send_sms("13900004444", "password_reset_code", {"code": "111111"})
    with pytest.raises(SmsDeliveryError) as caught:
        deliver_sms.call(OutboundSms.objects.get().pk)
    assert str(caught.value) == (
        "ValueError: invalid mobile 139****4444 for template password_reset_code"
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    sms = OutboundSms.objects.get()
    assert sms.last_error == str(caught.value)
    assert sms.attempts == 1
    assert sms.sent_at is None
