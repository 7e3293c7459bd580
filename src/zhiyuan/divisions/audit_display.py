"""How the divisions' audit entries read (common.audit_display). Divisions are public
reference data: every reader sees their names."""

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.audit_display import Shown, data_keys, object_type
from zhiyuan.divisions.models import Division, DivisionImport


def name_divisions(reader: Any, ids: list[str]) -> dict[str, Shown]:
    search = reverse("divisions:search")
    return {
        division.code: Shown(str(division), f"{search}?{urlencode({'q': division.code})}")
        for division in Division.objects.filter(code__in=ids)
    }


def name_imports(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = DivisionImport.objects.filter(pk__in=[i for i in ids if i.isdigit()])
    return {str(record.pk): Shown(str(record)) for record in found}


object_type("divisions.division", _("Division"), name_divisions)
object_type("divisions.divisionimport", _("Division import"), name_imports)
data_keys(
    {
        "import": _("import"),
        "file": _("file"),
        "sha256": _("SHA-256"),
        "source": _("source"),
        "year": _("year"),
        "rows": _("rows"),
        "created": _("created"),
        "updated": _("updated"),
        "abolished": _("abolished"),
        "abolish_missing_under": _("abolishing missing codes under"),
    }
)
