import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.services import designate_standard_bodies

# A body code is at most 12 characters and the command appends a 3-digit serial.
_PREFIX = re.compile(r"[0-9A-Z]{1,9}")


class Command(BaseCommand):
    help = (
        "Designate the standard registration bodies under an organisation: the volunteer "
        "associations and street/township service centres that are not bodies yet, with codes "
        "PREFIX + a 3-digit serial in tree order (Attachment 2). Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--under",
            required=True,
            metavar="ORG_CODE",
            help="Organisation code of the top of the subtree, e.g. 4306-GC.",
        )
        parser.add_argument(
            "--prefix",
            required=True,
            help="Start of every new body code, e.g. the city's division code 4306.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        prefix = options["prefix"].strip().upper()
        if not _PREFIX.fullmatch(prefix):
            raise CommandError(
                _("--prefix takes 1 to 9 capital letters or digits, got %(prefix)r.")
                % {"prefix": options["prefix"]}
            )
        code = options["under"].strip()
        root = Organization.objects.filter(code=code, is_active=True).first()
        if root is None:
            raise CommandError(_("No active organisation with code %(code)s.") % {"code": code})
        try:
            with transaction.atomic():  # all or none: a clash leaves no half-numbered city
                count = designate_standard_bodies(root, prefix=prefix, actor=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            _("%(name)s: %(count)s registration bodies designated.")
            % {"name": root.name, "count": count}
        )
