from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from zhiyuan.hours import tallies


class Command(BaseCommand):
    help = (
        "Recompute the monthly and yearly tallies of the hours that count, and the distinct "
        "volunteers of each organiser's year, from the confirmed "
        "records (after a bulk load that bypassed the services, or when `verify_hours` finds a "
        "tally wrong). One transaction; the records are not touched."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        months, years, organizer_years = tallies.rebuild()
        self.stdout.write(
            _(
                "Tallies rebuilt: %(months)d organiser-month(s), %(years)d volunteer-year(s), "
                "%(organizer_years)d organiser-year(s)."
            )
            % {"months": months, "years": years, "organizer_years": organizer_years}
        )
