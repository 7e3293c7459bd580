import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiyuan.common.periodic import registered_jobs, run_jobs


class Command(BaseCommand):
    help = (
        "Run the periodic jobs once (for cron or a systemd timer), or every N seconds with --loop "
        "until stopped (Ctrl-C or SIGTERM: at once while it waits, after the current pass while "
        "it runs one)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--job",
            action="append",
            choices=sorted(registered_jobs()),
            help="Only this job (repeatable).",
        )
        parser.add_argument(
            "--loop", type=int, metavar="SECONDS", help="Repeat every SECONDS until stopped."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["loop"] is not None and options["loop"] < 10:
            raise CommandError("--loop must be at least 10 seconds.")
        if options["loop"] is None:
            outcome = self._pass(options["job"])
            if any(result != "ok" for result in outcome.values()):
                raise CommandError("Some periodic jobs failed; see above.")
            return
        # A stop ends the wait at once and lets a running pass finish (its jobs commit or roll
        # back whole either way, but a finished pass leaves no job to be retried). SIGINT is
        # handled even where the shell started the loop with it ignored (a background command).
        stopping = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.set()

        handlers = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            while not stopping.is_set():
                self._pass(options["job"])
                stopping.wait(options["loop"])
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    def _pass(self, jobs: list[str] | None) -> dict[str, str]:
        outcome = run_jobs(jobs)
        for name, result in outcome.items():
            self.stdout.write(f"{name}: {result}")
        return outcome
