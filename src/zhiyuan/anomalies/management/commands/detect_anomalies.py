from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiyuan.anomalies.enums import Rule
from zhiyuan.anomalies.services import detect_anomalies
from zhiyuan.common.audit import origin_scope
from zhiyuan.common.enums import Origin


class Command(BaseCommand):
    help = (
        "Run the anomaly rules over the ledgers and raise a flag for each new finding "
        "(what the periodic job detect_anomaly_flags runs); prints per rule the findings, the "
        "flags added and the seconds taken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rule",
            action="append",
            choices=list(Rule.values),
            help="Run only this rule (repeatable; default: every rule).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with origin_scope(Origin.CLI):
            try:
                run = detect_anomalies(only=options["rule"])
            except KeyError as error:  # argparse's choices make this unlikely
                raise CommandError(f"Unknown rule {error}") from None
        for rule, found in run.found.items():
            self.stdout.write(
                f"{rule}: {found} found, {run.created[rule]} new ({run.seconds[rule]:.2f} s)"
            )
        self.stdout.write(
            self.style.SUCCESS(f"{run.total_created} new flags, {sum(run.found.values())} found.")
        )
