"""`zhiyuan import_roster PATH --body CODE --as USERNAME [--through ORG] [--dry-run]
[--valid-only]`: the roster import from the command line (the same service as the web page
and the API), with a progress bar in the terminal."""

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiyuan.accounts.models import User
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import services
from zhiyuan.volunteers.enums import ImportMode, ImportStatus
from zhiyuan.volunteers.imports.check import check_roster
from zhiyuan.volunteers.imports.commit import commit_roster
from zhiyuan.volunteers.imports.messages import shown
from zhiyuan.volunteers.imports.upload import MAX_FILE_BYTES, upload_roster
from zhiyuan.volunteers.models import RegistrationBody, RosterImport

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Import a registration roster (.xlsx or .csv, UTF-8 or GBK) into a registration body: "
        "check every row, then import all rows or none (default) or, with --valid-only, the "
        "valid rows. Imported people start as applied and confirm by SMS like anyone else. "
        "Running it for the uploader affirms that everyone on the roster consented on the "
        "paper form to the processing of their ID number."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The .xlsx or .csv file.")
        parser.add_argument("--body", required=True, metavar="CODE", help="Registration body code.")
        parser.add_argument(
            "--through",
            metavar="ORG_CODE",
            help="Organisation registering for the body by delegation (default: the body's own).",
        )
        parser.add_argument(
            "--as",
            dest="actor",
            required=True,
            metavar="USERNAME",
            help="The registrar or administrator the import is recorded as (their roles must "
            "cover the registration point).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only check; import nothing.")
        parser.add_argument(
            "--valid-only", action="store_true", help="Import the valid rows, leave out the rest."
        )
        parser.add_argument(
            "--send-confirmations",
            action="store_true",
            help="After importing, text everyone still awaiting confirmation at the registration "
            "point the 'please confirm' message (as the web page's button does).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stderr.style_func = None  # progress and problems are not errors: no red
        actor = User.objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active account with username {options['actor']!r}.")
        body = RegistrationBody.objects.filter(code=options["body"].upper()).first()
        if body is None:
            raise CommandError(f"No registration body has the code {options['body']!r}.")
        through = body.organization
        if options["through"]:
            through = Organization.objects.filter(code=options["through"]).first()
            if through is None:
                raise CommandError(f"No organisation has the code {options['through']!r}.")
        path = Path(options["path"])
        try:
            with path.open("rb") as file:  # at most the limit and a byte: never a whole disk
                data = file.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        try:
            roster_import = upload_roster(
                data,
                filename=path.name,
                body=body,
                organization=through,
                actor=actor,
                consent_affirmed=True,
                check=False,
            )
            roster_import = check_roster(roster_import, progress=self._bar("checking"))
            self._report(roster_import)
            if options["dry_run"] or roster_import.status == ImportStatus.FAILED:
                return
            mode = ImportMode.VALID_ONLY if options["valid_only"] else ImportMode.ALL_OR_NOTHING
            commit_roster(
                roster_import,
                actor=actor,
                mode=mode,
                in_process=True,
                progress=self._bar("importing"),
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "Permission denied.") from None
        except ValidationError as exc:
            hint = (
                " Add --valid-only to import the valid rows." if exc.code == "has_problems" else ""
            )
            raise CommandError(" ".join(exc.messages) + hint) from None
        self.stdout.write(
            f"Imported {roster_import.imported_count} people as applied: each counts once they "
            "confirm with the code texted to their own mobile."
        )
        if options["send_confirmations"]:
            counts = services.send_confirmation_requests(through, actor=actor)
            self.stdout.write(
                f"'Please confirm' messages sent: {counts['sent']}; skipped (sent recently): "
                f"{counts['skipped']}; held back by the daily limit per unit: {counts['held']}."
            )
        else:
            self.stdout.write(
                "Send them the 'please confirm' message with --send-confirmations, or from "
                "/volunteers/progress/."
            )

    def _bar(self, label: str) -> Any:
        def show(row: int, last_row: int) -> None:
            share = min(row / max(last_row, 1), 1.0)
            filled = int(share * BAR_WIDTH)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stderr.write(f"\r{label} [{bar}] {row:,}/{last_row:,}", ending="")
            self.stderr.flush()

        return show

    def _report(self, roster_import: RosterImport) -> None:
        self.stderr.write("\r", ending="")
        if roster_import.status == ImportStatus.FAILED:
            raise CommandError(roster_import.error)
        for header in roster_import.unknown_headers:
            self.stderr.write(f"column not recognised, ignored: {header}")
        for problem in map(shown, roster_import.problems):
            self.stderr.write(
                f"{roster_import.filename}: row {problem['row']}, column {problem['column']}: "
                f"{problem['message']}"
            )
        self.stdout.write(
            f"{roster_import.rows_total} rows: {roster_import.rows_valid} valid, "
            f"{roster_import.rows_invalid} with problems, {roster_import.rows_present} already "
            "present."
        )
