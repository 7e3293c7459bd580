"""Photos and documents kept with an activity: type told by the bytes, size and pixels
bounded, stored encrypted under a random name."""

from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.activities.test_activities import refusal
from zhiyuan.accounts.models import User
from zhiyuan.activities import services
from zhiyuan.activities.enums import AttachmentKind
from zhiyuan.activities.models import Activity, Attachment
from zhiyuan.common.models import AuditEntry

pytestmark = pytest.mark.django_db
Draft = Callable[..., Activity]


def png(width: int = 4, height: int = 3) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), "red").save(out, "PNG")
    return out.getvalue()


def upload(data: bytes, name: str = "合影.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_a_photo_is_kept_encrypted_under_a_random_name(
    draft: Draft, team_leader: User, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    activity = draft()
    data = png()
    kept = services.add_attachment(
        activity, actor=team_leader, upload=upload(data), kind=AttachmentKind.PHOTO, caption="合影"
    )
    assert (kept.filename, kept.content_type, kept.size, kept.caption) == (
        "合影.png",
        "image/png",
        len(data),
        "合影",
    )
    assert "合影" not in kept.file.name and kept.file.name.endswith(".png")
    on_disk = (tmp_path / kept.file.name).read_bytes()
    assert data not in on_disk and on_disk.startswith(b"g:")
    with kept.file.open() as opened:
        assert opened.read() == data
    assert AuditEntry.objects.get(action="activity.attachment.added").data == {
        "kind": "photo",
        "bytes": len(data),
    }


def test_a_pdf_document_is_told_by_its_bytes(
    draft: Draft, team_leader: User, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    kept = services.add_attachment(
        draft(),
        actor=team_leader,
        upload=upload(b"%PDF-1.4\n%%EOF\n", "保单.pdf"),
        kind=AttachmentKind.INSURANCE,
    )
    assert (kept.content_type, kept.file.name.endswith(".pdf")) == ("application/pdf", True)


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        (AttachmentKind.PHOTO, b"%PDF-1.4\n", "Choose a JPEG or PNG photo of at most 5 MB."),
        (AttachmentKind.PHOTO, b"", "Choose a JPEG or PNG photo of at most 5 MB."),
        (
            AttachmentKind.PHOTO,
            b"\x89PNG" + b"0" * (5 * 1024 * 1024),
            "Choose a JPEG or PNG photo of at most 5 MB.",
        ),
        (
            AttachmentKind.DOCUMENT,
            b"MZ\x90\x00 an executable",
            "Choose a PDF, JPEG or PNG file of at most 10 MB.",
        ),
        (AttachmentKind.DOCUMENT, b"<html>", "Choose a PDF, JPEG or PNG file of at most 10 MB."),
    ],
)
def test_other_files_are_refused(
    draft: Draft, team_leader: User, kind: str, data: bytes, expected: str
) -> None:
    activity = draft()
    assert refusal(
        lambda: services.add_attachment(activity, actor=team_leader, upload=upload(data), kind=kind)
    ) == {"file": [expected]}
    assert not Attachment.objects.exists()


def test_a_photo_declaring_too_many_pixels_is_refused(draft: Draft, team_leader: User) -> None:
    activity = draft()
    huge = png(8000, 6000)  # 48 million pixels of one colour: a small file
    assert refusal(
        lambda: services.add_attachment(
            activity, actor=team_leader, upload=upload(huge), kind=AttachmentKind.PHOTO
        )
    ) == {"file": ["The photo has more than 40 million pixels: choose a smaller copy."]}


def test_only_managers_add_and_remove(
    draft: Draft, team_leader: User, outsider: User, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    activity = draft()
    with pytest.raises(PermissionDenied):
        services.add_attachment(
            activity, actor=outsider, upload=upload(png()), kind=AttachmentKind.PHOTO
        )
    kept = services.add_attachment(
        activity, actor=team_leader, upload=upload(png()), kind=AttachmentKind.PHOTO
    )
    with pytest.raises(PermissionDenied):
        services.remove_attachment(kept, actor=outsider)
    services.remove_attachment(kept, actor=team_leader)
    assert not Attachment.objects.exists()
