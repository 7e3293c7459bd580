"""`zhiyuan workplan defaults --city CODE [--year YYYY]`: add the plan's steps (plan §四) that a
city does not have yet; `zhiyuan workplan board --under CODE [--date D] --format xlsx|pdf -o
FILE`: the board of a subtree as a file, the same cells as the page; `zhiyuan workplan
remind`: the reminders of steps due soon (what the periodic job runs)."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.organizations.models import Organization
from zhiyuan.workplan import exports, selectors, services


class Command(BaseCommand):
    help = (
        "The work plan: add the plan's default steps to a city (defaults), write a subtree's "
        "board as xlsx or PDF (board), or send the reminders of steps due soon (remind)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        defaults = sub.add_parser("defaults", help="Add the plan's steps a city does not have.")
        defaults.add_argument("--city", required=True, metavar="CODE")
        defaults.add_argument("--year", type=int, help="The campaign's year (default: this year).")
        board = sub.add_parser("board", help="Write a subtree's board as a file.")
        board.add_argument("--under", required=True, metavar="CODE")
        board.add_argument("--date", metavar="YYYY-MM-DD", help="The day (default: today).")
        board.add_argument("--format", dest="kind", choices=exports.FORMATS, default="xlsx")
        board.add_argument("-o", "--output", required=True, metavar="FILE")
        sub.add_parser("remind", help="Text those who have not reported a step due soon.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "defaults":
            self._defaults(options)
        elif action == "board":
            self._board(options)
        else:
            count = services.send_reminders()
            self.stdout.write(_("%(n)s organisations reminded.") % {"n": count})

    def _organization(self, code: str) -> Organization:
        found = Organization.objects.filter(code=code.strip()).first()
        if found is None:
            raise CommandError(_("No organisation has the code %(code)s.") % {"code": code})
        return found

    def _defaults(self, options: dict[str, Any]) -> None:
        city = self._organization(options["city"])
        year = options["year"] or selectors.local_today().year
        try:
            added = services.create_plan_steps(city, actor=None, year=year)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except PermissionDenied as exc:  # not a city
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _("%(n)s of the plan's steps added to %(name)s.") % {"n": len(added), "name": city.name}
        )

    def _board(self, options: dict[str, Any]) -> None:
        root = self._organization(options["under"])
        day = self._day(options["date"])
        board = selectors.board(root, day=day)
        try:
            content = exports.render(board, options["kind"])
        except FontUnavailable as exc:
            raise CommandError(str(exc)) from None
        path = Path(options["output"])
        path.write_bytes(content)
        self.stdout.write(
            _(
                "The board of %(name)s on %(date)s: %(rows)s organisations, %(steps)s steps, "
                "written to %(path)s."
            )
            % {
                "name": root.name,
                "date": day.isoformat(),
                "rows": len(board.rows),
                "steps": len(board.steps),
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
