"""Choices and constants of targets and the statistics tables (plan §二(二), §四)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiyuan.organizations.enums import UNIT_TARGET_PERCENT, UnitCategory

#: Registered volunteers as a share of the resident population of the built-up urban area,
#: for the city as a whole (plan §二(二): 10 %).
CITY_TARGET_PERCENT = Decimal(10)

#: The plan's rates per unit category, in percent (organizations.enums.UNIT_TARGET_PERCENT).
DEFAULT_UNIT_PERCENT = {
    UnitCategory(category): Decimal(percent) for category, percent in UNIT_TARGET_PERCENT.items()
}


class TargetBasis(models.TextChoices):
    """What a unit's target is a share of: a work unit's or school's headcount, or the
    resident population of a community's or village's divisions."""

    HEADCOUNT = "headcount", _("Headcount")
    POPULATION = "population", _("Resident population")


def basis_of(category: str) -> TargetBasis:
    """Civilised villages, towns and communities count residents; every other category staff
    (and, at schools, students aged 14 and over)."""
    if category == UnitCategory.CIVILISED_VILLAGE:
        return TargetBasis.POPULATION
    return TargetBasis.HEADCOUNT


class RowKind(models.TextChoices):
    """Rows of a statistics table: an organisation's, a subtotal of a street or district
    (or of the units directly under one), the total, and a line outside the sum (the city as
    a whole)."""

    UNIT = "unit", _("Unit")
    SUBTOTAL = "subtotal", _("Subtotal")
    TOTAL = "total", _("Total")
    AREA = "area", _("Area as a whole")


class ImportStatus(models.TextChoices):
    CHECKED = "checked", _("Checked, ready to import")
    REFUSED = "refused", _("Has problems, nothing imported")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Could not be read")


class ReportFormat(models.TextChoices):
    XLSX = "xlsx", "xlsx"
    PDF = "pdf", "PDF"
    CSV = "csv", "CSV"
