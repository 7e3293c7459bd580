"""Hour records exported in the background, for the web page (and any other caller): an export
of more than EXPORT_IMMEDIATE_ROWS records is recorded as an export (`common.export_requests`)
and written by a worker (`exports.build_records_export`); smaller ones are written at once
(`exports.export_records`)."""

from typing import Any

from django.conf import settings

from zhiyuan.accounts.selectors import home_organization
from zhiyuan.common.export_requests import request_export
from zhiyuan.common.models import Export
from zhiyuan.hours import exports


def in_background(rows: int) -> bool:
    """Whether an export of `rows` records is written in the background."""
    return rows > settings.EXPORT_IMMEDIATE_ROWS


def request_records_export(
    user: Any,
    filters: exports.RecordFilter,
    *,
    kind: str,
    rows: int,
    in_process: bool = False,
) -> Export:
    """Record and queue an export of the records `filters` chooses among `user`'s (about
    `rows`) as `kind` ("xlsx" or "pdf"); with `in_process`, write it now. Raises
    PermissionDenied (no records in `user`'s scope, or not the filter's organisation), before
    anything is recorded; the producer checks again when it writes the file.
    Audit: hours.records.exported when the file is written."""
    exports.records_to_export(user, filters)
    return request_export(
        exports.RECORDS,
        actor=user,
        title=exports.export_title(filters),
        params={"filters": filters.params(), "kind": kind},
        rows=rows,
        organization=filters.organization or home_organization(user),
        in_process=in_process,
    )
