import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiyuan.common.periodic import registered_jobs, run_jobs


class Command(BaseCommand):
    help = (
        "Run the periodic jobs once (for cron or a systemd timer), or every N seconds with --loop."
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
        while True:
            outcome = run_jobs(options["job"])
            for name, result in outcome.items():
                self.stdout.write(f"{name}: {result}")
            if options["loop"] is None:
                if any(result != "ok" for result in outcome.values()):
                    raise CommandError("Some periodic jobs failed; see above.")
                return
            time.sleep(options["loop"])
