"""File responses of the office pages: named so that Chinese names survive (RFC 5987/6266
filename*), dated where a file is a snapshot."""

from datetime import date
from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(content: bytes, name: str, content_type: str, *, inline: bool = False) -> Any:
    """A file response named `name`, to save or (`inline`) to show in the browser."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=not inline, filename=name)
    )
    return response


def dated_name(title: str, extension: str, today: date) -> str:
    """注册编号分配表-YYYYMMDD.xlsx and the like, in the user's language."""
    return f"{title}-{today:%Y%m%d}.{extension}"
