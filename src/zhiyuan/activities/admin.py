"""Platform staff edit the categories and special campaigns (audited) and see activities and
sign-ups read-only: those change only through the services (checks, waiting list, SMS,
audit). Offices work through the activity pages."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from zhiyuan.activities.models import Activity, Category, SignUp, Slot
from zhiyuan.common.admin_mixins import AuditedAdmin


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ["code", "kind", "name", "name_en", "position", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["position", "is_active"]


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SlotInline(admin.TabularInline):
    model = Slot
    fields = readonly_fields = ("label", "starts_at", "ends_at", "capacity")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Activity)
class ActivityAdmin(_ReadOnlyAdmin):
    list_display = ["title", "organizer", "category", "status", "visibility", "created_at"]
    list_filter = ["status", "visibility", "category", "carries_risk"]
    search_fields = ["title", "organizer__name"]
    inlines = [SlotInline]


@admin.register(SignUp)
class SignUpAdmin(_ReadOnlyAdmin):
    """Names and statuses only: the volunteer's personal data stays in the ledger."""

    list_display = ["slot", "volunteer", "status", "waitlist_position", "source", "signed_up_at"]
    list_filter = ["status", "source"]
    fields = readonly_fields = (
        "slot",
        "volunteer",
        "status",
        "waitlist_position",
        "source",
        "signed_up_at",
    )
