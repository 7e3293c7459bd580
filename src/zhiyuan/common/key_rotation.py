"""Re-encryption of personal data under the current field key (docs/architecture.md, "Personal data")."""

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from zhiyuan.common import crypto
from zhiyuan.common.fields import EncryptedTextField
from zhiyuan.common.storage import EncryptedFileSystemStorage, rotate_stored_files


def encrypted_columns() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) stored with EncryptedTextField."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, EncryptedTextField)
    ]


def encrypted_file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every (model, file field) whose files an EncryptedFileSystemStorage keeps."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
        and isinstance(field.storage, EncryptedFileSystemStorage)
    ]


def rotate_field_keys(*, batch_size: int = 1000) -> dict[str, int]:
    """Re-encrypt values (and encrypted files) not written with the current key; returns
    "app.Model.field" -> rows (files) changed.

    Values already under the current key are left alone, so the command can be re-run safely.
    """
    current = crypto.keyring().current_id
    changed: dict[str, int] = {}
    for model, name in encrypted_columns():
        stale = [
            pk
            for pk, raw in model._default_manager.annotate(raw=Cast(name, models.TextField()))
            .exclude(**{name: ""})
            .values_list("pk", "raw")
            if raw and crypto.key_id_of(raw) != current
        ]
        for start in range(0, len(stale), batch_size):
            with transaction.atomic():
                rows = list(model._default_manager.filter(pk__in=stale[start : start + batch_size]))
                model._default_manager.bulk_update(rows, [name])
        changed[f"{model._meta.label}.{name}"] = len(stale)
    for model, field in encrypted_file_fields():
        names = model._default_manager.exclude(**{field.name: ""}).values_list(
            field.name, flat=True
        )
        storage = field.storage
        assert isinstance(storage, EncryptedFileSystemStorage)  # noqa: S101 (for the type checker)
        changed[f"{model._meta.label}.{field.name}"] = rotate_stored_files(storage, names)
    return changed
