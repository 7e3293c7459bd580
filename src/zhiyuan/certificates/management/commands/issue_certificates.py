from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhiyuan.certificates import services
from zhiyuan.common.audit import origin_scope
from zhiyuan.common.enums import Origin
from zhiyuan.organizations.models import Organization


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("Give dates as YYYY-MM-DD: %(text)s") % {"text": text}) from None


class Command(BaseCommand):
    help = (
        "Issue service-record certificates in bulk (民政部令第67号 第十八条): one for every "
        "registered volunteer with confirmed hours that the organisation recorded (a volunteer "
        "association: its area) in the period, as the operator. Volunteers who already hold a "
        "valid certificate of the organisation for the same period are left out, so a repeated "
        "run issues nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("issuer", metavar="ORG_CODE", help="e.g. 430602-VA")
        parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="First day.")
        parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="Last day, included.")
        parser.add_argument(
            "--per-activity", action="store_true", help="List the hours per activity."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        issuer = Organization.objects.filter(code=options["issuer"].strip()).first()
        if issuer is None:
            raise CommandError(
                _("No organisation has the code %(code)s.") % {"code": options["issuer"]}
            )
        start = _day(options["start"]) if options["start"] else None
        end = _day(options["end"]) if options["end"] else None
        try:
            with origin_scope(Origin.CLI):
                issued, skipped = services.issue_for_period(
                    issuer, actor=None, start=start, end=end, per_activity=options["per_activity"]
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        for certificate in issued:
            self.stdout.write(
                f"{certificate.number}\t{certificate.registration_number}\t{certificate.minutes}"
            )
        self.stdout.write(
            _("%(issued)s certificates issued, %(skipped)s volunteers already held one.")
            % {"issued": len(issued), "skipped": skipped}
        )
