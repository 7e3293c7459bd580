from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiyuan.demo.population import division_for, generate_population


class Command(BaseCommand):
    help = (
        "Generate a synthetic population for a division of a demo or benchmark database: work "
        "units with headcounts, resident populations and N registered volunteers (issue 11)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--division", required=True, help="12-digit code of a city, county or township."
        )
        parser.add_argument(
            "--volunteers", type=int, required=True, help="Registered volunteers to generate."
        )
        parser.add_argument(
            "--applications",
            type=int,
            default=None,
            help="Applications awaiting confirmation beside them (default: one in twenty).",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed makes the same people (default 1)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            division = division_for(options["division"])
            self.stdout.write(f"Generating a population for {division.name} ({division.code})…")
            run = generate_population(
                division,
                volunteers=options["volunteers"],
                applications=options["applications"],
                seed=options["seed"],
                say=self._say,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {run.volunteers:,} registered volunteers and {run.applications:,} "
                f"applications in {division.name} (seed {run.seed})."
            )
        )

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
