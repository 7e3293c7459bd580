"""`zhiyuan spot_check open --area CODE --title T --subject registrations|hours|both --from D
--to D (--size N | --rate R) [--seed S]` opens a spot check and draws its sample (as the
operator); `zhiyuan spot_check sample ID [-o FILE.xlsx|.pdf]` draws a campaign's sample again
from its seed and says whether it is the one recorded (same population, same people), and
writes the sample with its outcomes for bulk work (calls, visits, mail merges)."""

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhiyuan.checks import exports, services
from zhiyuan.checks.enums import Subject
from zhiyuan.checks.models import Campaign
from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.organizations.models import Organization


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("Give dates as YYYY-MM-DD, not %(text)s.") % {"text": text}) from None


class Command(BaseCommand):
    help = (
        "Open a spot check and draw its sample, or draw a spot check's sample again and write it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        opening = sub.add_parser("open", help="Open a spot check and draw its sample.")
        opening.add_argument("--area", required=True, metavar="CODE")
        opening.add_argument("--title", required=True)
        opening.add_argument("--subject", choices=Subject.values, default=Subject.REGISTRATIONS)
        opening.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
        opening.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
        opening.add_argument("--size", type=int)
        opening.add_argument("--rate", help="A percentage of the population, e.g. 5.")
        opening.add_argument("--seed", type=int)
        sample = sub.add_parser("sample", help="Draw a spot check's sample again and write it.")
        sample.add_argument("campaign", type=int)
        sample.add_argument("-o", "--output", metavar="FILE", help="FILE.xlsx or FILE.pdf")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["step"] == "open":
                self._open(options)
            else:
                self._sample(options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except FontUnavailable as exc:
            raise CommandError(str(exc)) from None

    def _open(self, options: dict[str, Any]) -> None:
        area = Organization.objects.filter(code=options["area"].strip()).first()
        if area is None:
            raise CommandError(
                _("No organisation has the code %(code)s.") % {"code": options["area"]}
            )
        try:
            rate = Decimal(options["rate"]) if options["rate"] else None
        except InvalidOperation:
            raise CommandError(_("The rate is a number, e.g. 5.")) from None
        campaign = services.open_campaign(
            area,
            actor=None,
            title=options["title"],
            subject=options["subject"],
            period_start=_day(options["start"]),
            period_end=_day(options["end"]),
            sample_size=options["size"],
            sample_rate=rate,
            seed=options["seed"],
        )
        self.stdout.write(
            _("Spot check %(id)s opened: %(n)s of %(population)s sampled with seed %(seed)s.")
            % {
                "id": campaign.pk,
                "n": campaign.items.count(),
                "population": campaign.population_size,
                "seed": campaign.seed,
            }
        )

    def _sample(self, options: dict[str, Any]) -> None:
        campaign = (
            Campaign.objects.select_related("organization").filter(pk=options["campaign"]).first()
        )
        if campaign is None:
            raise CommandError(_("No spot check %(id)s.") % {"id": options["campaign"]})
        drawn = services.draw_sample(campaign)
        stored = [
            item.hour_record_id or item.volunteer_id for item in campaign.items.order_by("position")
        ]
        same = [d.object_id for d in drawn.drawn] == stored
        same_population = drawn.population_digest == campaign.population_digest
        self.stdout.write(
            _(
                "Seed %(seed)s: population %(population)s, the same as recorded: %(pop_same)s; the sample drawn again is the one recorded: %(same)s."
            )
            % {
                "seed": campaign.seed,
                "population": drawn.population_size,
                "pop_same": _("yes") if same_population else _("no"),
                "same": _("yes") if same else _("no"),
            }
        )
        if options["output"]:
            path = Path(options["output"])
            fmt = "pdf" if path.suffix.lower() == ".pdf" else "xlsx"
            path.write_bytes(
                exports.export_campaign(campaign, campaign.items.all(), fmt, actor=None)
            )
            self.stdout.write(
                _("%(n)s rows written to %(path)s.") % {"n": len(stored), "path": path}
            )
