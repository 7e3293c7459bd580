from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhiyuan.organizations.enums import OrgKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.structure import add_management_area, standard_code


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
        city = options["parent_division"].strip().ljust(12, "0")
        committee = Organization.objects.filter(
            code=standard_code(city[:4], OrgKind.GUIDANCE_COMMITTEE)
        ).first()
        if committee is None:
            raise CommandError(
                _("No guidance committee for the city %(code)s: run build_structure for it first.")
                % {"code": city}
            )
        try:
            area = add_management_area(
                committee,
                name=options["name"],
                code=options["code"],
                townships=options["townships"],
                actor=None,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        count = area.jurisdiction.count()
        self.stdout.write(_("%(name)s: %(count)s townships.") % {"name": area.name, "count": count})
