"""Registration targets (plan §二(二), §三(二)1): the rates a city sets, units' headcounts and
divisions' resident populations with the date from which each figure holds, and the imports
that bring them in from a spreadsheet.

A figure is never overwritten by a later one: a new figure is a new row with its `valid_from`,
and a table for a date uses, per unit or division, the row with the latest `valid_from` on or
before that date (`selectors.headcounts_on`, `selectors.populations_on`).
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiyuan.organizations.enums import UnitCategory
from zhiyuan.reports.enums import CITY_TARGET_PERCENT, DEFAULT_UNIT_PERCENT, ImportStatus

_PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def _percent_field(label: Any, default: Decimal) -> Any:
    return models.DecimalField(
        label, max_digits=5, decimal_places=2, default=default, validators=_PERCENT
    )


class TargetPolicy(models.Model):
    """The registration targets of a city (or of a part of the tree that differs; the nearest
    ancestor's applies, `selectors.target_policy_for`): registered volunteers as a percentage of
    each unit category's headcount, and of the resident population of the divisions the city
    marks as its built-up urban area (建成区) for the city as a whole. Defaults: the plan's
    60 / 50 / 70 / 15 % and 10 %."""

    ACCESS_PATH = "organization__path"

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="target_policy",
    )
    party_government = _percent_field(
        _("party and government organs, people's organisations (%)"),
        DEFAULT_UNIT_PERCENT[UnitCategory.PARTY_GOVERNMENT],
    )
    enterprise_institution = _percent_field(
        _("enterprises and public institutions (%)"),
        DEFAULT_UNIT_PERCENT[UnitCategory.ENTERPRISE_INSTITUTION],
    )
    civilised_unit_school = _percent_field(
        _("civilised units, schools and universities (%)"),
        DEFAULT_UNIT_PERCENT[UnitCategory.CIVILISED_UNIT_SCHOOL],
    )
    civilised_village = _percent_field(
        _("civilised villages, towns and communities (%)"),
        DEFAULT_UNIT_PERCENT[UnitCategory.CIVILISED_VILLAGE],
    )
    city = _percent_field(_("the city as a whole (%)"), CITY_TARGET_PERCENT)
    built_up_area = models.ManyToManyField(
        "divisions.Division",
        verbose_name=_("built-up urban area"),
        blank=True,
        related_name="+",
        help_text=_(
            "The divisions whose resident population the city-wide target is a share of; "
            "none may lie inside another."
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("target policy")
        verbose_name_plural = _("target policies")

    def __str__(self) -> str:
        return str(self.organization)

    def rate(self, category: str) -> Decimal:
        """The percentage for a UnitCategory value."""
        return Decimal(getattr(self, UnitCategory(category).value))


#: The rate fields of TargetPolicy, in the order forms and the audit show them.
RATE_FIELDS = (*(category.value for category in UnitCategory), "city")


class Headcount(models.Model):
    """A unit's headcount from `valid_from` on: its staff; at a school or university, its staff
    and its students aged 14 and over (the age from which one may register, 中国注册志愿者管理办法
    第八条). Communities and villages have no headcount: their target is a share of their
    divisions' resident population (ResidentPopulation)."""

    ACCESS_PATH = "organization__path"

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="headcounts",
    )
    headcount = models.PositiveIntegerField(
        _("headcount"),
        help_text=_("Staff; at schools and universities, staff and students aged 14 and over."),
    )
    valid_from = models.DateField(_("valid from"))
    source = models.CharField(_("source"), max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        verbose_name = _("headcount")
        verbose_name_plural = _("headcounts")
        ordering = ["organization", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "valid_from"], name="one_headcount_per_unit_and_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.valid_from}: {self.headcount}"


class ResidentPopulation(models.Model):
    """A division's resident population (常住人口) from `valid_from` on: the denominator of a
    community's or village's target and, summed over the built-up urban area, of the city's."""

    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("division"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    population = models.PositiveIntegerField(_("resident population"))
    valid_from = models.DateField(_("valid from"))
    source = models.CharField(_("source"), max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        verbose_name = _("resident population")
        verbose_name_plural = _("resident populations")
        ordering = ["division", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "valid_from"], name="one_population_per_division_and_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.division_id} {self.valid_from}: {self.population}"


class TargetImport(models.Model):
    """A spreadsheet of units' categories, headcounts and divisions' resident populations: kept
    as uploaded (it holds no personal data), checked at once (the dry run: `problems` refuse the
    whole file, `warnings` do not), imported all at once or not at all (`imports.py`)."""

    ACCESS_PATH = "organization__path"

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where the uploader's administrator role is: the import's place in the tree."),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    valid_from = models.DateField(
        _("valid from"), help_text=_("For rows that give no date of their own.")
    )
    source = models.CharField(_("source"), max_length=200, blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    changes = models.JSONField(_("changes"), default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)

    class Meta:
        verbose_name = _("target import")
        verbose_name_plural = _("target imports")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name


# Reporting rounds keep their models in `rounds/models.py`; importing them here registers them.
from zhiyuan.reports.rounds.models import (  # noqa: E402, F401
    ReportingRound,
    RoundMember,
    RoundReminder,
    Submission,
    SubmittedTable,
)

# The standards of stations and teams keep their models in `standards/models.py`.
from zhiyuan.reports.standards.models import StandardAssessment, StandardItem  # noqa: E402, F401
