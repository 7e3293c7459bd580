"""A small photo file must not make a reader allocate hundreds of megabytes (issue 9, item 1,
the same kind as the workbook far cell): a 2 MB PNG can declare 150 million pixels, which
Pillow opens with a warning only and every Attachment 4 PDF then decodes in full (600 MB) in the
web process. A photo's pixels are bounded when it is stored."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from zhiyuan.volunteers import services
from zhiyuan.volunteers.services.lifecycle import PHOTO_MAX_PIXELS

pytestmark = pytest.mark.django_db


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG")  # one bit a pixel: small
    return buffer.getvalue()


def test_a_photo_of_too_many_pixels_is_refused(registrar, apply, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    volunteer = apply(registrar, name="冯照片")
    data = png(10_000, PHOTO_MAX_PIXELS // 10_000 + 1)
    assert len(data) < 2 * 1024 * 1024
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.set_photo(volunteer, SimpleUploadedFile("a.png", data), actor=registrar)
    assert refused.value.message_dict == {
        "photo": [
            "The photo has more than 40 million pixels. Choose a photo taken for an ID, or a "
            "smaller copy of it."
        ]
    }
    volunteer.refresh_from_db()
    assert not volunteer.photo


def test_a_photo_of_the_most_pixels_allowed_is_stored(registrar, apply, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    volunteer = apply(registrar, name="冯照片")
    data = png(10_000, PHOTO_MAX_PIXELS // 10_000)
    services.set_photo(volunteer, SimpleUploadedFile("a.png", data), actor=registrar)
    volunteer.refresh_from_db()
    assert volunteer.photo.name.endswith(".png")
