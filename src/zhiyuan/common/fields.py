"""Model fields that keep personal data encrypted at rest (see zhiyuan.common.crypto)."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
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

    def get_prep_function(self) -> Callable[[Any], Any]:
        """`get_prep_value` for many values (a bulk insert, `bulk.TableWriter`): the key and
        cipher are looked up once (`crypto.encryptor`)."""
        encrypt = crypto.encryptor(context=self.crypto_context)
        as_text = super().get_prep_value

        def prepare(value: Any) -> Any:
            if type(value) is not str:
                value = as_text(value)
            return encrypt(value) if value else value

        return prepare


class ChoiceListField(models.Field[Any, list[str]]):
    """Several choices in one column, stored as ",a,b," so that one choice can be filtered with
    `field__contains=",a,"` on every database (SQLite has no JSON containment). Python code sees
    a list of choice values. The choices are given by `choices` and checked by `validate`.
    """

    def get_internal_type(self) -> str:
        return "CharField"  # a varchar(max_length) column

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 400)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        for key, value in (("max_length", 400), ("blank", True), ("default", list)):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> list[str]:
        return [item for item in (value or "").split(",") if item]

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(item) for item in value]
        return [item for item in str(value or "").split(",") if item]

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return f",{','.join(value)}," if value else ""
        return value

    def validate(self, value: Any, model_instance: Any) -> None:
        allowed = {str(choice) for choice, _label in self.flatchoices}
        for item in value or []:
            if item not in allowed:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        if not value and not self.blank:
            raise ValidationError(self.error_messages["blank"], code="blank")

    def value_to_string(self, obj: Any) -> str:
        value: Any = self.value_from_object(obj) or []
        return ",".join(value)

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms
        from django.utils.text import capfirst

        return forms.MultipleChoiceField(
            choices=self.choices or [],  # type: ignore[arg-type]
            required=not self.blank,
            widget=forms.CheckboxSelectMultiple,
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
        )
