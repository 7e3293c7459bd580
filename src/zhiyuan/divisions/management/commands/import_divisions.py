from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhiyuan.divisions.enums import DivisionLevel
from zhiyuan.divisions.importer import DivisionImportError, import_divisions


class Command(BaseCommand):
    help = (
        "Import statistical division codes from a CSV file (code,name,level,parent_code; "
        "plain or .gz). All or nothing; ends with the number of divisions per level."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--source", default="stats-gov", help="Where the codes come from.")
        parser.add_argument("--year", type=int, default=2023, help="The year of the code set.")
        parser.add_argument(
            "--abolish-missing-under",
            metavar="CODE",
            help="Mark divisions under CODE that the file no longer lists as abolished.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            record = import_divisions(
                path,
                source=options["source"],
                year=options["year"],
                abolish_missing_under=options["abolish_missing_under"],
            )
        except DivisionImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("%(total)d problem(s), %(shown)d shown; nothing was imported.")
                % {"total": exc.total, "shown": len(exc.problems)}
            ) from None
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
            ) from None
        self.stdout.write(
            _("%(rows)s rows: %(created)s created, %(updated)s updated, %(abolished)s abolished.")
            % {
                "rows": f"{record.row_count:,}",
                "created": f"{record.created_count:,}",
                "updated": f"{record.updated_count:,}",
                "abolished": f"{record.abolished_count:,}",
            }
        )
        self.stdout.write(_("Divisions per level in the file:"))
        for level in DivisionLevel:
            count = record.per_level.get(str(level.value), 0)
            self.stdout.write(f"  {level.value} {level.label}: {count:,}")
