from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiyuan.common.audit import origin_scope
from zhiyuan.common.enums import Origin
from zhiyuan.demo.planting import plant_anomalies


class Command(BaseCommand):
    help = (
        "Plant a known set of false registrations and false hours on the generated population "
        "of a demo or benchmark database (issue 14): one case of every anomaly rule, chosen "
        "from the seed; prints what it planted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed plants the same cases (default 1)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with origin_scope(Origin.CLI):
                planted = plant_anomalies(seed=options["seed"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        for rule in sorted(set(planted.records) | set(planted.volunteers)):
            records = sorted(planted.records.get(rule, ()))
            volunteers = sorted(planted.volunteers.get(rule, ()))
            self.stdout.write(
                f"{rule}: {len(records)} records {records}, "
                f"{len(volunteers)} registrations {volunteers}"
            )
        self.stdout.write(
            f"False registrations: {len(planted.false_registrations)} "
            f"{sorted(planted.false_registrations)}"
        )
        self.stdout.write(f"Office users: {planted.users}")
        self.stdout.write(self.style.SUCCESS(f"Planted the anomalies of seed {planted.seed}."))
