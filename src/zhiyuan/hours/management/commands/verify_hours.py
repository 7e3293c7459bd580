from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiyuan.hours import chain, tallies
from zhiyuan.organizations.models import Organization

PROBLEMS = {
    "content_changed": gettext_lazy("its content no longer matches its hash"),
    "link_broken": gettext_lazy("it does not point to the hash of the record before it"),
    "status_changed": gettext_lazy("it is in the chain but no longer confirmed"),
    "missing": gettext_lazy("a record is missing from the chain here"),
    "end_missing": gettext_lazy("the chain ends before its head says it does"),
    "no_chain": gettext_lazy("it is confirmed but in no chain"),
}


class Command(BaseCommand):
    help = (
        "Check the hash chains of confirmed service records (tamper evidence): every record's "
        "SHA-256 recomputed and linked to the one before it, per organiser; and the monthly and "
        "yearly tallies of the hours that count against the records they sum. Names each record "
        "that breaks a chain and each tally that is wrong, and exits with status 1 if any is."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--organizer",
            metavar="ORG_CODE",
            help="Check only this organiser's chain (an organisation code, e.g. 430602001001-TM).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organizer_ids = None
        if options["organizer"]:
            code = options["organizer"].strip()
            found = Organization.objects.filter(code=code).values_list("pk", flat=True).first()
            if found is None:
                raise CommandError(_("No organisation with code %(code)s.") % {"code": code})
            organizer_ids = [found]
        breaks = list(chain.verify(organizer_ids))
        names = dict(
            Organization.objects.filter(pk__in={b.organizer_id for b in breaks}).values_list(
                "pk", "code"
            )
        )
        for found_break in breaks:
            self.stderr.write(
                _(
                    "service record %(record)s (organiser %(organizer)s, chain position %(position)s): %(problem)s"
                )
                % {
                    "record": found_break.record_id if found_break.record_id is not None else "—",
                    "organizer": names.get(found_break.organizer_id, found_break.organizer_id),
                    "position": found_break.position,
                    "problem": PROBLEMS[found_break.problem],
                }
            )
        # The tallies are compared with the records only where the records are what was
        # confirmed: a broken chain is the finding then, not the sums.
        wrong = tallies.discrepancies() if organizer_ids is None and not breaks else []
        for found_wrong in wrong:
            message = (
                _(
                    "%(kind)s tally %(key)s: holds %(stored)s (distinct volunteers), the records "
                    "say %(expected)s"
                )
                if found_wrong.kind == "volunteers"
                else _(
                    "%(kind)s tally %(key)s: holds %(stored)s (minutes, records), the records say "
                    "%(expected)s"
                )
            )
            self.stderr.write(
                message
                % {
                    "kind": found_wrong.kind,
                    "key": ", ".join(str(part) for part in found_wrong.key),
                    "stored": found_wrong.stored,
                    "expected": found_wrong.expected,
                }
            )
        if wrong:
            raise CommandError(
                _(
                    "%(count)d tally(ies) differ from the records; `zhiyuan rebuild_hour_tallies` rebuilds them."
                )
                % {"count": len(wrong)}
            )
        if breaks:
            raise CommandError(
                _("%(count)d break(s) found in the chains of confirmed service records.")
                % {"count": len(breaks)}
            )
        summary = chain.summary(organizer_ids)
        self.stdout.write(
            _("All chains hold: %(chains)d organiser(s), %(records)d confirmed record(s).")
            % summary
        )
