"""The downloads of a roster import that hold personal data, for the web pages and the API
alike: the uploaded file as it came, and its error report (every row with its problems)."""

from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.volunteers import permissions
from zhiyuan.volunteers.imports import files, workbooks
from zhiyuan.volunteers.models import RosterImport

RosterFile = Literal["file", "error_report"]


@dataclass(frozen=True)
class Download:
    """A file to send: its bytes, its name (which may be Chinese) and its content type."""

    content: bytes
    name: str
    content_type: str


def download_roster_file(
    roster_import: RosterImport, *, actor: Any, what: RosterFile, reason: str
) -> Download:
    """The uploaded file (`what` "file") or the error report ("error_report", xlsx) of
    `roster_import`, for `actor`, who found it in their scope, with the `reason` they gave.

    Both hold the full ID number and phones of every row: only the uploader and the body's
    administrators may download them (`permissions.may_see_import_files`; 个人信息保护法
    第五十一条: access to personal data kept to those who need it), and, like every other view
    of full values, with a reason (`permissions.reason_to_see_full_values`).
    Raises PermissionDenied, ValidationError (key "reason"; code "purged" once the retention
    period deleted the file, or why the file cannot be read).
    Audit: volunteer.roster.downloaded (`files.log_download`) with the reason, once the file
    is built."""
    if not permissions.may_see_import_files(actor, roster_import):
        raise PermissionDenied(
            _("Only the uploader and the registration body's administrators may download it.")
        )
    if roster_import.purged_at is not None:
        raise files.purged_error()
    reason = permissions.reason_to_see_full_values(reason)
    if what == "file":
        content, name = files.file_bytes(roster_import), roster_import.filename
    else:
        content, name = workbooks.error_report_xlsx(roster_import), files.report_name(roster_import)
    files.log_download(actor, roster_import, what, reason=reason)
    return Download(content, name, files.content_type(name))
