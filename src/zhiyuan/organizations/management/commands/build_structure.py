from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiyuan.divisions.models import Division
from zhiyuan.organizations.structure import StructureError, build_structure


class Command(BaseCommand):
    help = (
        "Build the standard organisation structure under a city or county-level division "
        "(committee, association, general team; centre and team per township; station and team per village). "
        "Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--division",
            required=True,
            metavar="CODE",
            help="12-digit (or 4/6-digit) division code.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["division"].strip().ljust(12, "0")
        division = Division.objects.filter(code=code).first()
        if division is None:
            raise CommandError(
                f"Unknown division {code}: import the divisions first (zhiyuan import_divisions)."
            )
        try:
            report = build_structure(division, actor=None)
        except StructureError as exc:
            raise CommandError(
                f"Cannot build a standard structure under {exc}: it must be an active city or county-level "
                "division, and every township needs an area above it."
            ) from None
        self.stdout.write(f"{division.name}: created {report.total_created}, moved {report.moved}")
        for kind, count in sorted(report.created.items()):
            self.stdout.write(f"  {kind}: {count}")
