"""Volunteers' photos are personal data (issue 9, item 9): encrypted at rest like the other
fields (`common.storage.EncryptedFileSystemStorage`, the keys of `common.crypto`), re-encrypted
by key rotation, served only inside the viewer's scope."""

import importlib
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from tests.common.test_crypto import KEY_T1, KEY_T2, LOOKUP
from zhiyuan.common import crypto
from zhiyuan.common.key_rotation import rotate_field_keys
from zhiyuan.common.storage import encrypt_stored_files
from zhiyuan.volunteers import services
from zhiyuan.volunteers.models import Volunteer, photo_storage

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png() -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (60, 80), (200, 40, 40)).save(picture, format="PNG")
    return picture.getvalue()


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_photo_is_stored_encrypted_and_served_only_in_scope(
    media: Path, registrar, outsider, viewer, login, apply
) -> None:
    volunteer = apply(registrar, name="冯照片")
    services.set_photo(volunteer, SimpleUploadedFile("冯照片.png", _png()), actor=registrar)
    volunteer.refresh_from_db()
    stored = (media / volunteer.photo.name).read_bytes()
    assert not stored.startswith(PNG_SIGNATURE)
    assert stored.startswith(b"g:")  # common.crypto's form: cipher, key id, sealed bytes
    assert _png() not in stored
    url = reverse("volunteers:photo", args=[volunteer.pk])
    served = login(registrar).get(url)
    assert (served.status_code, served["Content-Type"], served.content) == (
        200,
        "image/png",
        _png(),
    )
    assert "no-store" in served["Cache-Control"]
    assert login(viewer).get(url).status_code == 200  # viewers see the registration
    assert login(outsider).get(url).status_code == 404


def test_photos_stored_in_clear_before_are_encrypted_by_the_migration_step(
    media: Path, registrar, apply
) -> None:
    volunteer = apply(registrar)
    (media / "volunteer-photos" / "2025").mkdir(parents=True)
    (media / "volunteer-photos" / "2025" / "old.png").write_bytes(_png())
    Volunteer.objects.filter(pk=volunteer.pk).update(photo="volunteer-photos/2025/old.png")
    assert encrypt_stored_files(photo_storage(), ["volunteer-photos/2025/old.png"]) == 1
    assert encrypt_stored_files(photo_storage(), ["volunteer-photos/2025/old.png"]) == 0
    raw = (media / "volunteer-photos" / "2025" / "old.png").read_bytes()
    assert not raw.startswith(PNG_SIGNATURE)
    volunteer.refresh_from_db()
    with volunteer.photo.open("rb") as file:
        assert file.read() == _png()


def test_key_rotation_re_encrypts_photos(media: Path, registrar, apply) -> None:
    volunteer = apply(registrar)
    with override_settings(FIELD_ENCRYPTION_KEYS=f"{LOOKUP},{KEY_T1}"):
        services.set_photo(volunteer, SimpleUploadedFile("a.png", _png()), actor=registrar)
    volunteer.refresh_from_db()
    path = media / volunteer.photo.name
    assert crypto.key_id_of(path.read_text()) == "t1"
    with override_settings(FIELD_ENCRYPTION_KEYS=f"{LOOKUP},{KEY_T2},{KEY_T1}"):
        changed = rotate_field_keys()
        assert changed["volunteers.Volunteer.photo"] == 1
        assert crypto.key_id_of(path.read_text()) == "t2"
        assert rotate_field_keys()["volunteers.Volunteer.photo"] == 0
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=f"{LOOKUP},{KEY_T2}"),
        Volunteer.objects.get(pk=volunteer.pk).photo.open("rb") as file,
    ):
        assert file.read() == _png()


def test_the_migration_seals_photos_and_its_reverse_opens_them(
    media: Path, registrar, apply
) -> None:
    from django.apps import apps

    migration = importlib.import_module(
        "zhiyuan.volunteers.migrations.0005_encrypt_volunteer_photos"
    )
    volunteer = apply(registrar)
    (media / "volunteer-photos" / "2025").mkdir(parents=True)
    path = media / "volunteer-photos" / "2025" / "old.png"
    path.write_bytes(_png())
    Volunteer.objects.filter(pk=volunteer.pk).update(photo="volunteer-photos/2025/old.png")
    migration.seal_photos(apps, None)
    assert path.read_bytes().startswith(b"g:")
    migration.seal_photos(apps, None)  # again: nothing sealed twice
    with Volunteer.objects.get(pk=volunteer.pk).photo.open("rb") as file:
        assert file.read() == _png()
    migration.open_photos(apps, None)
    assert path.read_bytes() == _png()
