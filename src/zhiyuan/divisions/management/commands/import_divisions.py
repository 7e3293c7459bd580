from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiyuan.divisions.enums import DivisionLevel
from zhiyuan.divisions.importer import DivisionImportError, import_divisions


class Command(BaseCommand):
    help = "Import statistical division codes from a CSV file (code,name,level,parent_code; plain or .gz)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--source", default="stats-gov", help="Where the codes come from.")
        parser.add_argument("--year", type=int, default=2023, help="The year of the code set.")
        parser.add_argument(
            "--abolish-missing-under",
            metavar="CODE",
            help="Mark codes under CODE that the file no longer lists as abolished.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            report = import_divisions(
                path,
                source=options["source"],
                year=options["year"],
                abolish_missing_under=options["abolish_missing_under"],
            )
        except DivisionImportError as exc:
            for line, message in exc.problems:
                self.stderr.write(f"line {line}: {message}")
            raise CommandError(f"{len(exc.problems)} problem(s); nothing was imported.") from None
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"The file is not UTF-8 text ({exc.reason}); nothing was imported."
            ) from None
        self.stdout.write(
            f"created {report.created}, updated {report.updated}, abolished {report.abolished}"
        )
        for level in DivisionLevel:
            count = report.per_level.get(level.value, 0)
            self.stdout.write(f"level {level.value} ({level.label}): {count:,}")
