"""The ledger's export in the background, for the web page and the API alike: a ledger of more
than EXPORT_IMMEDIATE_ROWS rows is recorded as an export (`common.export_requests`) and written
by a worker (`exports.build_ledger_export`); smaller ones are written at once (`exports.ledger_xlsx`)."""

from typing import Any

from django.conf import settings

from zhiyuan.accounts.selectors import home_organization
from zhiyuan.common.export_requests import request_export
from zhiyuan.common.models import Export
from zhiyuan.common.text import clean_note
from zhiyuan.volunteers import exports, selectors


def in_background(rows: int) -> bool:
    """Whether an export of `rows` rows is written in the background."""
    return rows > settings.EXPORT_IMMEDIATE_ROWS


def request_ledger_export(
    user: Any,
    filters: selectors.LedgerFilter,
    *,
    full: bool = False,
    reason: str = "",
    rows: int,
    in_process: bool = False,
) -> Export:
    """Record and queue an export of `user`'s ledger filtered by `filters` (about `rows` rows),
    masked, or with `full` values where their roles allow and the `reason` they gave (checked
    now, and again when it is written: `exports.ledger_xlsx`); with `in_process`, write it now.
    Raises ValidationError (key "reason"), PermissionDenied, before anything is recorded.
    Audit: "volunteer.ledger.exported" when the file is written."""
    reason = clean_note(reason, field="reason")
    exports.check_reveal(user, full=full, reason=reason)
    return request_export(
        exports.LEDGER,
        actor=user,
        title=exports.ledger_title(),
        params={"filters": exports.filter_params(filters), "full": full, "reason": reason},
        rows=rows,
        organization=home_organization(user),
        in_process=in_process,
    )
