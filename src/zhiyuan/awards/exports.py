"""A campaign's nominations (and, once fixed, its results) as an xlsx table, through
`common.xlsx`. A campaign's nominations are at most a few thousand rows: the page answers the
file at once. The rows are those the requester sees (`selectors.nominations`); exporting
writes an audit entry (awards.nominations.exported)."""

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.awards import selectors
from zhiyuan.awards.models import Campaign, Nomination
from zhiyuan.common.audit import log_action
from zhiyuan.common.xlsx import Table, write_table
from zhiyuan.hours import rules
from zhiyuan.volunteers.exports import text_cell


def _headers() -> list[str]:
    return [
        _("Category"),
        _("Nominee"),
        _("Registration number"),
        _("Nominated by"),
        _("Counted hours now"),
        _("Counted hours when nominated"),
        _("Scores"),
        _("Average score"),
        _("Rank"),
        _("Status"),
        _("Award number"),
        _("Awarded on"),
        _("Citation"),
    ]


def _hours(minutes: int) -> str:
    return f"{rules.hours(minutes):.2f}"


def _row(row: Nomination) -> list[Any]:
    counted = int(getattr(row, "counted_minutes", 0) or 0)
    return [
        text_cell(row.category.name),
        text_cell(row.nominee_name),
        text_cell(row.volunteer.registration_number if row.volunteer else ""),
        text_cell(row.nominator.name),
        _hours(counted) if row.volunteer_id else "",
        _hours(row.hours_minutes) if row.volunteer_id else "",
        str(row.score_count),
        "" if row.average is None else f"{row.average:.2f}",
        "" if row.rank is None else str(row.rank),
        str(row.get_status_display()),
        text_cell(row.award_number),
        row.awarded_on,
        text_cell(row.citation),
    ]


def nominations_xlsx(user: Any, campaign: Campaign) -> tuple[bytes, int]:
    """The xlsx of `campaign`'s nominations `user` sees (None: the operator, all of them), by
    category and rank, and its number of rows. Audit: awards.nominations.exported."""
    seen = selectors.nominations(user) if user is not None else Nomination.objects.all()
    rows = list(
        selectors.with_hours(
            seen.filter(campaign=campaign).select_related(
                "category", "nominator", "volunteer", "organization"
            )
        ).order_by("category__position", "category_id", "rank", "pk")
    )
    headers = _headers()
    table = Table(
        sheet=_("Nominations"),
        headers=headers,
        widths=[16, 24, 16, 24, 10, 10, 8, 10, 6, 14, 18, 12, 60],
        date_columns=frozenset({11}),
    )

    def lines() -> Iterator[list[Any]]:
        for row in rows:
            yield _row(row)

    content = write_table(table, lines(), title=str(campaign))
    log_action(
        user,
        "awards.nominations.exported",
        campaign,
        organization=campaign.organization,
        data={"rows": len(rows)},
    )
    return content, len(rows)


def file_name(campaign: Campaign) -> str:
    return f"{_('nominations')}-{campaign.pk}-{timezone.localdate():%Y%m%d}.xlsx"
