"""The uploaded roster file and the downloads around it: the file read back (decrypted) while
it is kept, deleted after ROSTER_RETENTION_DAYS (its SHA-256 stays); the downloads' names and
content types, shared by the web pages and the API, and the audit entry of each download of
personal data."""

import base64
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiyuan.common.audit import log_action
from zhiyuan.volunteers.models import RosterImport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "志愿者注册名册模板.xlsx"


CONTENT_CONTEXT = "volunteers.RosterImport.content"


def file_bytes(roster_import: RosterImport) -> bytes:
    """The uploaded file (decrypted). Raises ValidationError once the retention period has
    deleted it."""
    if not roster_import.content:
        raise purged_error()
    return base64.b64decode(roster_import.content)


def purged_error() -> ValidationError:
    return ValidationError(
        _("The file was deleted after the retention period; only its SHA-256 remains."),
        code="purged",
    )


def purge_expired_files(*, now: Any = None) -> int:
    """Delete uploaded files older than ROSTER_RETENTION_DAYS (their hash stays); returns how
    many were deleted. A periodic job."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ROSTER_RETENTION_DAYS)
    return RosterImport.objects.filter(uploaded_at__lt=cutoff, purged_at__isnull=True).update(
        content="", purged_at=now
    )


def report_name(roster_import: RosterImport) -> str:
    """名册 (problems).xlsx for 名册.xlsx, in the user's language."""
    stem = roster_import.filename.rsplit(".", 1)[0] or roster_import.filename
    return _("%(file)s (problems).xlsx") % {"file": stem}


def content_type(name: str) -> str:
    return "text/csv" if name.lower().endswith(".csv") else XLSX


def log_download(user: Any, roster_import: RosterImport, what: str, *, reason: str) -> None:
    """Audit: volunteer.roster.downloaded, `what` being "file" (the upload) or
    "error_report", with the reason given; the file name, never its content."""
    log_action(
        user,
        "volunteer.roster.downloaded",
        roster_import,
        organization=roster_import.organization,
        data={"download": what, "file": roster_import.filename, "reason": reason},
    )
