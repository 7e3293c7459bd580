from django.contrib import admin

from zhiyuan.common.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: audit entries are never edited or deleted."""

    list_display = ["created_at", "action", "object_repr", "organization", "actor", "origin"]
    list_filter = ["origin"]
    search_fields = ["action", "object_repr"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
