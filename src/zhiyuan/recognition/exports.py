"""The list of registered volunteers below the yearly hours, as xlsx (`common.xlsx`): at once up
to EXPORT_IMMEDIATE_ROWS rows, else in the background through `common.exports` (kind
"recognition.below", for its requester only). Rows are read as value tuples in chunks; no phone
or ID number is in the file."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.accounts.selectors import home_organization
from zhiyuan.common.audit import log_action
from zhiyuan.common.export_requests import request_export
from zhiyuan.common.exports import XLSX, ExportFile, Progress, export_params, exporter
from zhiyuan.common.models import Export
from zhiyuan.common.xlsx import Table, write_table
from zhiyuan.hours import rules
from zhiyuan.organizations.access import covers, scope_prefixes
from zhiyuan.organizations.models import Organization
from zhiyuan.recognition import selectors
from zhiyuan.volunteers.exports import text_cell

BELOW = "recognition.below"


@dataclass(frozen=True)
class BelowFilter:
    """Which list: an organisation's subtree (None: the whole scope) and a year."""

    organization: Organization | None
    year: int

    def params(self) -> dict[str, Any]:
        return {
            "organization": self.organization.pk if self.organization else None,
            "year": self.year,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "BelowFilter":
        organization = None
        if params.get("organization") is not None:
            organization = Organization.objects.filter(pk=params["organization"]).first()
            if organization is None:
                raise PermissionDenied
        return cls(organization, int(params["year"]))


def _rows_of(user: Any, filters: BelowFilter) -> Any:
    if scope_prefixes(user) == []:
        raise PermissionDenied
    if filters.organization is not None and not covers(user, filters.organization):
        raise PermissionDenied
    return selectors.below_line(user, organization=filters.organization, year=filters.year)


def title(filters: BelowFilter) -> str:
    where = filters.organization.name if filters.organization else _("your area")
    return _("Registered volunteers below the yearly hours, %(where)s, %(year)s") % {
        "where": where,
        "year": filters.year,
    }


def write_below(user: Any, filters: BelowFilter, progress: Progress | None = None) -> ExportFile:
    """The xlsx of `filters`' list among what `user` sees. Raises PermissionDenied.
    Audit: recognition.below.exported."""
    found = _rows_of(user, filters)
    values = found.values_list(
        "organization__name", "name", "registration_number", "year_minutes", "target_minutes"
    )
    table = Table(
        sheet=_("Below the yearly hours"),
        headers=[
            _("Registered through"),
            _("Name"),
            _("Registration number"),
            _("Confirmed hours this year"),
            _("Hours expected"),
            _("Hours still needed"),
        ],
        widths=[30, 12, 18, 14, 10, 14],
    )
    count = 0

    def rows() -> Any:
        nonlocal count
        for unit, name, number, minutes, target in values.iterator(chunk_size=5000):
            count += 1
            yield [
                text_cell(unit),
                text_cell(name),
                text_cell(number or ""),
                f"{rules.hours(minutes):.2f}",
                f"{rules.hours(target):.2f}",
                f"{rules.hours(max(0, target - minutes)):.2f}",
            ]

    content = write_table(table, rows(), on_row=progress, title=title(filters))
    organization = filters.organization or home_organization(user)
    log_action(
        user,
        "recognition.below.exported",
        organization or user,
        organization=organization,
        data={"year": filters.year, "rows": count},
    )
    name = f"{_('Below the yearly hours')}-{filters.year}-{date.today():%Y%m%d}.xlsx"  # noqa: DTZ011
    return ExportFile(content, name, XLSX, count)


@exporter(BELOW)
def build_below_export(export: Export, progress: Progress) -> ExportFile:
    """The background producer: the requester's scope read again when it runs."""
    filters = BelowFilter.from_params(export_params(export))
    return write_below(export.requested_by, filters, progress)


def in_background(rows: int) -> bool:
    return rows > settings.EXPORT_IMMEDIATE_ROWS


def request_below_export(user: Any, filters: BelowFilter, *, rows: int) -> Export:
    """Record and queue the export (above EXPORT_IMMEDIATE_ROWS). Raises PermissionDenied."""
    _rows_of(user, filters)
    return request_export(
        BELOW,
        actor=user,
        title=title(filters),
        params=filters.params(),
        rows=rows,
        organization=filters.organization or home_organization(user),
    )
