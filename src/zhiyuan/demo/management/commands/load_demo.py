from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhiyuan.accounts.models import User
from zhiyuan.demo.city import (
    DEMO_PASSWORD,
    DEMO_USERS,
    database_is_empty,
    demo_interrupted,
    load_demo,
)


class Command(BaseCommand):
    help = "Load the demo city (岳阳市) with demo users. Demo passwords: never on a production database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing unless the database is empty."
        )

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        interrupted = demo_interrupted()
        if options["if_empty"] and not interrupted and not database_is_empty():
            self.stdout.write("The database has data; the demo was not loaded again.")
        else:
            if interrupted:
                self.stdout.write("The demo's last load did not finish; loading the rest.")
            load_demo(say=self._say)
            self.stdout.write(self.style.SUCCESS("Demo city 岳阳市 loaded."))
        present = set(
            User.objects.filter(username__in=[u.username for u in DEMO_USERS]).values_list(
                "username", flat=True
            )
        )
        if not present:
            return
        self.stdout.write(
            f"Demo log-ins (password for all, unless changed since: {DEMO_PASSWORD}):"
        )
        for user in DEMO_USERS:
            if user.username not in present:
                continue
            where = user.org_code or "platform admin (/admin/)"
            self.stdout.write(
                f"  {user.username:<20} {user.name}  {user.role or 'staff'} @ {where}"
            )
