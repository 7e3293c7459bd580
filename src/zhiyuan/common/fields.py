"""Model fields that keep personal data encrypted at rest (see zhiyuan.common.crypto)."""

from typing import Any

from django.db import models

from zhiyuan.common import crypto


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees the plain value.

    The column cannot be filtered or ordered by its plain value: pair it with a digest column
    (`crypto.lookup_digest`) for look-ups. Empty strings are stored as empty strings.
    """

    def contribute_to_class(
        self, cls: type[models.Model], name: str, *args: Any, **kwargs: Any
    ) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.crypto_context = f"{cls._meta.app_label}.{cls.__name__}.{name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return crypto.decrypt(value, context=self.crypto_context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return crypto.encrypt(value, context=self.crypto_context)
