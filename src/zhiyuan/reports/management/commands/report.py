"""`zhiyuan report attachment3|attachment5|attachment6|attachment7 --under CODE --date D
--format xlsx|pdf|csv -o FILE`: a statistics table of the registry (`reports.kinds`) for a
subtree as a file, the same rows as the page (`reports.render`)."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import kinds, selectors
from zhiyuan.reports.enums import ReportFormat
from zhiyuan.reports.render import render_file


class Command(BaseCommand):
    help = (
        "Write a statistics table of the plan (attachment3: registration task allocation; "
        "attachment5: registered volunteers; attachment6: service stations; attachment7: "
        "service teams) for an organisation's subtree on a reference date, as xlsx, PDF or CSV."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("table", choices=kinds.kind_keys())
        parser.add_argument(
            "--under", required=True, metavar="CODE", help="The organisation code of the subtree."
        )
        parser.add_argument(
            "--date", metavar="YYYY-MM-DD", help="The reference date (default: today)."
        )
        parser.add_argument(
            "--format", dest="kind", choices=ReportFormat.values, default=ReportFormat.XLSX
        )
        parser.add_argument("-o", "--output", required=True, metavar="FILE")
        parser.add_argument(
            "--preparer", default="", help="The preparer's name printed on the table."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root = Organization.objects.filter(code=options["under"].strip()).first()
        if root is None:
            raise CommandError(
                _("No organisation has the code %(code)s.") % {"code": options["under"]}
            )
        day = self._day(options["date"])
        try:
            kind = kinds.get_kind(options["table"])
            if kind is None:  # argparse's choices make this unreachable
                raise CommandError(options["table"])
            table = kind.build(root, day, preparer=options["preparer"])
            content = render_file(table, options["kind"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except FontUnavailable as exc:
            raise CommandError(str(exc)) from None
        path = Path(options["output"])
        path.write_bytes(content)
        self.stdout.write(
            _("%(title)s of %(name)s on %(date)s: %(rows)s rows written to %(path)s.")
            % {
                "title": table.title,
                "name": root.name,
                "date": day.isoformat(),
                "rows": len(table.rows),
                "path": path,
            }
        )

    def _day(self, raw: str | None) -> date:
        if not raw:
            return selectors.local_today()
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            raise CommandError(
                _("--date takes a date as YYYY-MM-DD, got %(value)r.") % {"value": raw}
            ) from None
