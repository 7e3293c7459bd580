from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiyuan.divisions.models import Division
from zhiyuan.organizations.structure import StructureError, create_management_area


class Command(BaseCommand):
    help = (
        "Create a management area (economic-development zone, scenic area): a district-level committee, "
        "association and general team whose jurisdiction is the given townships. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="e.g. 岳阳经济技术开发区")
        parser.add_argument(
            "--code", required=True, help="Short organisation code prefix, e.g. YYETDZ"
        )
        parser.add_argument(
            "--parent-division", required=True, metavar="CODE", help="The city's division code."
        )
        parser.add_argument(
            "--townships", required=True, help="Comma-separated 12-digit township codes."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        parent = Division.objects.filter(code=options["parent_division"].ljust(12, "0")).first()
        codes = [c.strip() for c in options["townships"].split(",") if c.strip()]
        townships = list(Division.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {t.code for t in townships})
        if parent is None or missing:
            raise CommandError(
                f"Unknown division code(s): {', '.join(missing) or options['parent_division']}"
            )
        try:
            committee = create_management_area(
                options["name"],
                code=options["code"],
                parent_division=parent,
                townships=townships,
                actor=None,
            )
        except StructureError:
            raise CommandError(
                "Every code in --townships must be a township-level division."
            ) from None
        self.stdout.write(f"{committee.name}: {len(townships)} township(s)")
