"""Platform staff see registrations read-only (personal data masked) and edit registration
policies and bodies; every change is audited. Offices work through the ledger pages."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from zhiyuan.common.admin_mixins import AuditedAdmin
from zhiyuan.common.masking import mask_document, mask_phone
from zhiyuan.volunteers.models import RegistrationBody, RegistrationPolicy, Volunteer


@admin.register(RegistrationPolicy)
class RegistrationPolicyAdmin(AuditedAdmin):
    list_display = ["organization", "minimum_age", "adult_age", "reregistration_required"]
    raw_id_fields = ["organization"]


@admin.register(RegistrationBody)
class RegistrationBodyAdmin(AuditedAdmin):
    list_display = ["code", "organization", "is_active"]
    search_fields = ["code", "organization__name"]
    raw_id_fields = ["organization"]
    readonly_fields = ["designated_by", "designated_at"]


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    """Read-only: registrations change only through the services (confirmation by the person,
    numbers, audit). ID numbers and phones appear masked."""

    list_display = ["registration_number", "name", "status", "body", "applied_at"]
    list_filter = ["status", "channel"]
    search_fields = ["registration_number", "name"]
    _shown = (
        "registration_number",
        "name",
        "status",
        "body",
        "organization",
        "masked_document",
        "masked_mobile",
        "birth_date",
        "gender",
        "applied_at",
        "confirmed_at",
        "confirmation_method",
    )
    fields = _shown
    readonly_fields = _shown

    @admin.display(description="ID number")
    def masked_document(self, obj: Volunteer) -> str:
        return mask_document(obj.document_number)

    @admin.display(description="mobile")
    def masked_mobile(self, obj: Volunteer) -> str:
        return mask_phone(obj.mobile)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
