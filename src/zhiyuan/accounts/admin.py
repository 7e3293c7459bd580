from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from zhiyuan.accounts.models import Role, User
from zhiyuan.accounts.services import revoke_api_tokens
from zhiyuan.common.admin_mixins import AuditedAdmin


class RoleInline(admin.TabularInline):
    model = Role
    fk_name = "user"
    extra = 0
    fields = ["organization", "kind", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]
    raw_id_fields = ["organization"]


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    """Platform staff only. The mobile number is never listed; it shows masked on the form."""

    list_display = ["username", "name", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "name"]
    ordering = ["username"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [RoleInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["name", "email"]}),
        (_("Rights"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "name", "password1", "password2"]})
    ]
    filter_horizontal = ()

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        """A password changed or an account deactivated here ends its API log-ins too, as on
        the office pages (`services.revoke_api_tokens`)."""
        super().save_model(request, obj, form, change)
        if change and ("password" in form.changed_data or not obj.is_active):
            revoke_api_tokens(obj)

    def user_change_password(self, request: Any, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # the new password was saved
            user = self.get_object(request, id)
            if user is not None:
                revoke_api_tokens(user)
        return response


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    list_display = ["user", "organization", "kind", "granted_at"]
    list_filter = ["kind"]
    search_fields = ["user__username", "user__name", "organization__name", "organization__code"]
    raw_id_fields = ["user", "organization", "granted_by"]
