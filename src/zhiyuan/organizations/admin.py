from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from zhiyuan.common.admin_mixins import AuditedAdmin
from zhiyuan.organizations.models import Organization


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin, TreeAdmin):
    form = movenodeform_factory(Organization, exclude=["jurisdiction"])
    list_display = ["name", "code", "kind", "level", "is_active"]
    list_filter = ["kind", "level", "is_active", "is_management_area"]
    search_fields = ["name", "code"]

    def organization_of(self, obj: Organization) -> Organization:  # type: ignore[override]
        return obj
