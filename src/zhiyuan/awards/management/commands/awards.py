"""`zhiyuan awards list`: the campaigns and their stages; `zhiyuan awards export --campaign ID
-o FILE`: a campaign's nominations (and results) as xlsx, as the page writes them;
`zhiyuan awards shortlist --campaign ID` and `zhiyuan awards fix --campaign ID`: publish the
shortlist after the review, fix the results after the notice (the operator's acts, audited as
the pages' are)."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhiyuan.awards import exports, services
from zhiyuan.awards.models import Campaign


class Command(BaseCommand):
    help = (
        "Award campaigns: list them (list), write a campaign's nominations as xlsx (export), "
        "publish its shortlist (shortlist) or fix its results (fix)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="The campaigns, newest first, with their stages.")
        export = sub.add_parser("export", help="Write a campaign's nominations as xlsx.")
        export.add_argument("--campaign", type=int, required=True, metavar="ID")
        export.add_argument("-o", "--output", required=True, metavar="FILE")
        for name, text in (
            ("shortlist", "Publish the shortlist (after the review)."),
            ("fix", "Fix and publish the results (after the notice)."),
        ):
            act = sub.add_parser(name, help=text)
            act.add_argument("--campaign", type=int, required=True, metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            for row in Campaign.objects.select_related("organization"):
                self.stdout.write(f"{row.pk}\t{row}\t{row.organization.name}\t{row.stage().label}")
            return
        campaign = (
            Campaign.objects.select_related("organization").filter(pk=options["campaign"]).first()
        )
        if campaign is None:
            raise CommandError(_("No campaign has the id %(id)s.") % {"id": options["campaign"]})
        if action == "export":
            content, rows = exports.nominations_xlsx(None, campaign)
            Path(options["output"]).write_bytes(content)
            self.stdout.write(_("%(n)s nominations written.") % {"n": rows})
            return
        act = services.publish_shortlist if action == "shortlist" else services.fix_results
        try:
            done = act(campaign, actor=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"{done}: {done.stage().label}")
