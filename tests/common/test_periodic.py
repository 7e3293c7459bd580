import os
import signal
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from zhiyuan.accounts.models import SmsCode
from zhiyuan.common.periodic import periodic_job, registered_jobs


@pytest.mark.django_db
def test_run_periodic_prunes_old_sms_codes(capsys: pytest.CaptureFixture[str]) -> None:
    now = timezone.now()
    SmsCode.objects.create(
        mobile_digest="a" * 64, purpose="reset", code_hash="x", expires_at=now - timedelta(days=2)
    )
    fresh = SmsCode.objects.create(
        mobile_digest="b" * 64,
        purpose="reset",
        code_hash="x",
        expires_at=now + timedelta(minutes=5),
    )
    call_command("run_periodic")
    assert list(SmsCode.objects.values_list("pk", flat=True)) == [fresh.pk]
    out = capsys.readouterr().out
    assert "prune_sms_codes: ok" in out
    assert "clear_expired_sessions: ok" in out


def test_run_periodic_refuses_a_tight_loop() -> None:
    with pytest.raises(CommandError, match="at least 10 seconds"):
        call_command("run_periodic", loop=1)


@pytest.mark.django_db
def test_each_app_registers_its_own_jobs() -> None:
    jobs = registered_jobs()
    assert {name: job.__module__ for name, job in jobs.items()} == {
        "clear_expired_sessions": "zhiyuan.common.jobs",
        "prune_sent_sms": "zhiyuan.common.jobs",
        "prune_task_results": "zhiyuan.common.jobs",
        "purge_exports": "zhiyuan.common.jobs",
        "fail_stalled_exports": "zhiyuan.common.jobs",
        "prune_sms_codes": "zhiyuan.accounts.jobs",
        "purge_roster_files": "zhiyuan.volunteers.jobs",
        "fail_stalled_roster_imports": "zhiyuan.volunteers.jobs",
        "finish_ended_activities": "zhiyuan.activities.jobs",
        "release_unregistered_signups": "zhiyuan.activities.jobs",
        "close_missed_checkouts": "zhiyuan.hours.jobs",
        "purge_hours_sheets": "zhiyuan.hours.jobs",
        "remind_reporting_rounds": "zhiyuan.reports.jobs",
        "remind_yearly_hours": "zhiyuan.recognition.jobs",
        "escalate_untaken_help_requests": "zhiyuan.assistance.jobs",
        "detect_anomaly_flags": "zhiyuan.anomalies.jobs",
        "remind_work_steps": "zhiyuan.workplan.jobs",
    }


def test_a_second_job_of_the_same_name_is_refused() -> None:
    def clear_expired_sessions() -> None:
        pass

    with pytest.raises(ValueError, match="clear_expired_sessions"):
        periodic_job(clear_expired_sessions)
    assert registered_jobs()["clear_expired_sessions"].__module__ == "zhiyuan.common.jobs"


@pytest.mark.django_db
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_the_loop_stops_on_a_signal_at_once_while_it_waits(
    sig: signal.Signals, capsys: pytest.CaptureFixture[str]
) -> None:
    before = signal.getsignal(sig)

    def send_once_handled() -> None:
        # Once the command handles the signal (the default SIGTERM would end the test run).
        while signal.getsignal(sig) is before:
            time.sleep(0.01)
        time.sleep(0.5)
        os.kill(os.getpid(), sig)

    sender = threading.Thread(target=send_once_handled)
    started = time.monotonic()
    sender.start()
    call_command("run_periodic", loop=60, job=["prune_sms_codes"])
    took = time.monotonic() - started
    sender.join()
    assert took < 30  # one pass, then the signal ends the 60 s wait
    assert capsys.readouterr().out.splitlines() == ["prune_sms_codes: ok"]
    assert signal.getsignal(sig) is before  # the command's handler goes with it
