from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiyuan.accounts import services
from zhiyuan.accounts.models import User
from zhiyuan.accounts.sheets import COLUMN_LABELS, read_account_sheet
from zhiyuan.organizations.permissions import administers_anything


class Command(BaseCommand):
    help = (
        "Create accounts from a spreadsheet (.xlsx or .csv; columns 姓名/name, 用户名/username, "
        "手机号/mobile, 组织代码/organisation code, 角色/role) acting as an administrator, "
        "whose area limits the organisations allowed. All or nothing: any bad row writes "
        "nothing. Each new account is invited by SMS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The .xlsx or .csv file.")
        parser.add_argument(
            "--as",
            dest="actor",
            required=True,
            metavar="USERNAME",
            help="The administrator the accounts are created by.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only check the file; create nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active account with username {options['actor']!r}.")
        if not administers_anything(actor):
            raise CommandError(f"{actor.username} administers no organisation.")
        path = Path(options["path"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        try:
            sheet = read_account_sheet(content, filename=path.name)
            report = services.import_accounts(sheet.rows, actor=actor, dry_run=options["dry_run"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if report.problems:
            for problem in report.problems:
                letter = sheet.letters.get(problem.column, "")
                label = COLUMN_LABELS.get(problem.column, "")
                where = (
                    f"row {problem.row}, column {letter} ({label})"
                    if letter
                    else f"row {problem.row}"
                )
                self.stderr.write(f"{path.name}: {where}: {problem.message}")
            raise CommandError(
                f"{len(report.problems)} problem(s) in {report.rows} row(s); nothing was created."
            )
        if report.dry_run:
            self.stdout.write(f"{report.rows} row(s) checked; all can be created (dry run).")
            return
        for invitation in report.invitations:
            sent = "SMS queued" if invitation.sms_sent else "no mobile"
            self.stdout.write(f"{invitation.user.username}: {invitation.link} ({sent})")
        self.stdout.write(f"{len(report.created)} account(s) created and invited.")
