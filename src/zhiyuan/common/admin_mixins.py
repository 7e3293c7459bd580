"""Django admin (platform staff only) writes through the audit service like every other path."""

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from zhiyuan.common.audit import log_action


class AuditedAdmin(admin.ModelAdmin):
    """Records `<model>.admin_changed` / `admin_created` / `admin_deleted` with the changed field names."""

    def organization_of(self, obj: Model) -> Any:
        """The organisation the entry belongs to (whose administrators see it); an admin of a
        model that is itself an organisation overrides this."""
        return getattr(obj, "organization", None)

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        verb = "admin_changed" if change else "admin_created"
        log_action(
            request.user,
            f"{obj._meta.model_name}.{verb}",
            obj,
            organization=self.organization_of(obj),
            data={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        log_action(
            request.user,
            f"{obj._meta.model_name}.admin_deleted",
            obj,
            organization=self.organization_of(obj),
        )
        super().delete_model(request, obj)
