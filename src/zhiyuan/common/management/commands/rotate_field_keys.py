from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiyuan.common.key_rotation import rotate_field_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column with the current field key (the first non-lookup entry of "
        "FIELD_ENCRYPTION_KEYS or the key file). Run after listing a new key first; then the old key can go."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        for label, count in rotate_field_keys(batch_size=options["batch_size"]).items():
            self.stdout.write(f"{label}: {count} re-encrypted")
