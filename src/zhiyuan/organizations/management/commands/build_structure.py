from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhiyuan.divisions.models import Division
from zhiyuan.organizations.enums import OrgKind
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
        raw = options["division"].strip()
        if not raw.isascii() or not raw.isdigit() or len(raw) not in (4, 6, 12):
            raise CommandError(
                _("--division takes a 4-, 6- or 12-digit division code, got %(code)r.")
                % {"code": raw}
            )
        code = raw.ljust(12, "0")
        division = Division.objects.filter(code=code).first()
        if division is None:
            raise CommandError(
                _(
                    "Unknown division %(code)s: import the divisions first (zhiyuan import_divisions)."
                )
                % {"code": code}
            )
        try:
            report = build_structure(division, actor=None)
        except StructureError as exc:
            raise CommandError(
                _(
                    "Cannot build a standard structure under %(code)s: it must be an active city or county-level "
                    "division, and every township needs an area above it."
                )
                % {"code": exc}
            ) from None
        self.stdout.write(
            _("%(name)s: %(created)s organisations created, %(moved)s moved.")
            % {"name": division.name, "created": report.total_created, "moved": report.moved}
        )
        for kind, count in sorted(report.created.items()):
            self.stdout.write(f"  {OrgKind(kind).label}: {count}")
