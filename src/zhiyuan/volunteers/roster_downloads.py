"""What the roster downloads share between the web pages and the API: their names, their
content type, and the audit entry of a download of personal data."""

from typing import Any

from django.utils.translation import gettext as _

from zhiyuan.common.audit import log_action
from zhiyuan.volunteers.models import RosterImport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "志愿者注册名册模板.xlsx"


def report_name(roster_import: RosterImport) -> str:
    """名册 (problems).xlsx for 名册.xlsx, in the user's language."""
    stem = roster_import.filename.rsplit(".", 1)[0] or roster_import.filename
    return _("%(file)s (problems).xlsx") % {"file": stem}


def content_type(name: str) -> str:
    return "text/csv" if name.lower().endswith(".csv") else XLSX


def log_download(user: Any, roster_import: RosterImport, what: str) -> None:
    """Audit: volunteer.roster.downloaded, `what` being "file" (the upload) or
    "error_report"; the file name, never its content."""
    log_action(
        user,
        "volunteer.roster.downloaded",
        roster_import,
        organization=roster_import.organization,
        data={"download": what, "file": roster_import.filename},
    )
