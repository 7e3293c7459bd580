"""Uploaded evidence files checked by their bytes, never by their name or the browser's type: a
photo (JPEG or PNG, opened and verified as an image, with a bound on its pixels) or, where a
document is allowed, a PDF (its header). Used by the services that keep such files (an
activity's photos and documents, a station's or team's evidence of its standard); they store what
passes in a `storage.EncryptedFileSystemStorage` under a random name and serve it only inside
the reader's scope.
"""

import hashlib
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from zhiyuan.common.text import clean_note

#: What Pillow calls the photo formats accepted, with their extension and content type.
PHOTO_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png")}
PDF = ("pdf", "application/pdf")
#: A phone camera's photo; it decodes to at most 160 MB. A small file can declare far more
#: pixels than it holds (a PNG of one colour compresses a thousandfold).
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed: its bytes, extension and content type (told by the bytes)."""

    data: bytes
    extension: str
    content_type: str


def read_upload(upload: object, limit: int) -> bytes:
    """At most `limit` + 1 bytes of `upload` (a Django UploadedFile, or None: no bytes), so
    that a file over the limit is told from one at it without reading all of it."""
    if upload is None:
        return b""
    return upload.read(limit + 1)  # type: ignore[attr-defined,no-any-return]


def check_file(
    data: bytes, *, limit: int, allow_pdf: bool, field: str = "file", refused: str
) -> CheckedFile:
    """`data` as a photo (JPEG or PNG) or, with `allow_pdf`, a PDF, of at most `limit` bytes.

    Raises ValidationError ({field: `refused`}) for nothing, too many bytes or another type,
    and ({field: …}) naming the bound for a photo of more than MAX_PIXELS pixels."""
    if not data or len(data) > limit:
        raise ValidationError({field: refused})
    if allow_pdf and data.startswith(b"%PDF-"):
        return CheckedFile(data, *PDF)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as image:
            image.verify()
            found, (width, height) = image.format or "", image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        found, width, height = "", 0, 0
    if found not in PHOTO_FORMATS:
        raise ValidationError({field: refused})
    if width * height > MAX_PIXELS:
        raise ValidationError(
            {
                field: _(
                    "The photo has more than %(millions)s million pixels: choose a smaller copy."
                )
                % {"millions": MAX_PIXELS // 1_000_000}
            }
        )
    return CheckedFile(data, *PHOTO_FORMATS[found])


def keep_evidence(row: Any, upload: Any, *, limit: int) -> ContentFile[bytes]:
    """Check `upload` as evidence (a JPEG or PNG photo or a PDF of at most `limit` bytes, told by
    its bytes) and note its name, type, size and SHA-256 on `row` (`evidence_name`,
    `evidence_type`, `evidence_size`, `evidence_sha256`); returns its bytes to store. A file name
    holding an ID or phone number is not kept. Raises ValidationError ({"evidence": …})."""
    megabytes = limit // (1024 * 1024)
    checked = check_file(
        read_upload(upload, limit),
        limit=limit,
        allow_pdf=True,
        field="evidence",
        refused=_("Choose a JPEG or PNG photo or a PDF of at most %(mb)s MB.") % {"mb": megabytes},
    )
    try:
        name = clean_note(str(getattr(upload, "name", "") or "")[-200:], limit=200)
    except ValidationError:
        name = ""
    if not name.lower().endswith(f".{checked.extension}"):
        name = f"{name or _('evidence')}.{checked.extension}"[-200:]
    row.evidence_name = name
    row.evidence_type = checked.content_type
    row.evidence_size = len(checked.data)
    row.evidence_sha256 = hashlib.sha256(checked.data).hexdigest()
    return ContentFile(checked.data)
