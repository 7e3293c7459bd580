from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhiyuan.recognition.services import send_hour_reminders


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("Give the date as YYYY-MM-DD.")) from None


class Command(BaseCommand):
    help = (
        "Text the registered volunteers still below the yearly hours on a reminder date of "
        "their city's policy (what the periodic job remind_yearly_hours does each day): once per "
        "volunteer and date, never to those who opted out. --date runs the day given (a date "
        "the job missed); without it, today."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_day, default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_hour_reminders(day=options["date"])
        self.stdout.write(_("%(count)d reminder(s) queued.") % {"count": sent})
