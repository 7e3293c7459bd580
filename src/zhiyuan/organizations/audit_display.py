"""How the organisation tree's audit entries read (common.audit_display)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.audit_display import Shown, data_keys, field_labels, object_type
from zhiyuan.organizations.enums import OrgKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.selectors import visible_organizations


def name_organizations(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = visible_organizations(reader).filter(pk__in=[i for i in ids if i.isdigit()])
    return {
        str(org.pk): Shown(
            f"{org.name} ({org.code})", reverse("organizations:detail", args=[org.pk])
        )
        for org in found.only("pk", "name", "code")
    }


object_type("organizations.organization", _("Organisation"), name_organizations)
field_labels(
    "organizations.organization",
    {field.name: field.verbose_name for field in Organization._meta.fields},
)
data_keys(
    {
        "code": _("code"),
        "kind": _("kind"),
        "parent": _("parent organisation"),
        "changed": _("changes"),
        "fields": _("fields"),
        "organization": _("organisation"),
    },
    kind=OrgKind,
)
