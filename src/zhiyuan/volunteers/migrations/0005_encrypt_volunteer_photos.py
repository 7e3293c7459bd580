"""Volunteers' photos are encrypted at rest (common.storage): the field's storage changes, and
the photos stored in clear before are sealed in place (reversed: opened again)."""

from django.db import migrations, models

import zhiyuan.volunteers.models
from zhiyuan.common.storage import EncryptedFileSystemStorage, encrypt_stored_files

CONTEXT = "volunteers.Volunteer.photo"
SEALED = (b"g:", b"s:")


def _names(apps):
    Volunteer = apps.get_model("volunteers", "Volunteer")
    return list(Volunteer.objects.exclude(photo="").values_list("photo", flat=True))


def seal_photos(apps, schema_editor):
    encrypt_stored_files(EncryptedFileSystemStorage(context=CONTEXT), _names(apps))


def open_photos(apps, schema_editor):
    storage = EncryptedFileSystemStorage(context=CONTEXT)
    for name in _names(apps):
        raw = storage.raw(name) if storage.exists(name) else b""
        if raw.startswith(SEALED):
            plain = storage.unseal(raw)  # read before the file is opened for writing
            with open(storage.path(name), "wb") as file:
                file.write(plain)


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0004_roster_import_heartbeat"),
    ]

    operations = [
        migrations.AlterField(
            model_name="volunteer",
            name="photo",
            field=models.ImageField(
                blank=True,
                storage=zhiyuan.volunteers.models.photo_storage,
                upload_to="volunteer-photos/%Y/",
                verbose_name="photo",
            ),
        ),
        migrations.RunPython(seal_photos, open_photos),
    ]
