"""Helpers shared by the web forms of every app."""

from django.core.exceptions import ValidationError
from django.forms import BaseForm


def add_validation_errors(
    form: BaseForm, exc: ValidationError, rename: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on `form`: field errors beside their field (keys renamed
    by `rename`), everything else at the top. Works for errors with or without field keys."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        name = (rename or {}).get(key, key)
        form.add_error(name if name in form.fields else None, errors)
