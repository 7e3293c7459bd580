from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiyuan.common.crypto import add_key_to_file, generate_key_file


class Command(BaseCommand):
    help = (
        "Manage the personal-data key file. `create PATH` writes a new file (mode 0600; never overwrites). "
        "`add PATH` puts a new encryption key first (old keys stay to decrypt); then restart and run "
        "`zhiyuan rotate_field_keys`."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "add"])
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if options["action"] == "create":
            if path.exists():
                raise CommandError(
                    f"{path} exists already; it is never overwritten (the data needs its keys)."
                )
            generate_key_file(path)
            self.stdout.write(
                f"Created {path}. Set FIELD_ENCRYPTION_KEY_FILE={path} and back it up apart from the database."
            )
            return
        if not path.is_file():
            raise CommandError(f"No key file at {path}.")
        try:
            key_id = add_key_to_file(path)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Added key {key_id} to {path}; it now encrypts. Restart the web and worker processes, then run "
            "`zhiyuan rotate_field_keys`; after that the older keys may be removed from the file."
        )
